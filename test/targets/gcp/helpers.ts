import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedArchitecture } from '../../../src/resolve';
import { synthGcpTarget, type GcpSynthOptions } from '../../../src/targets/gcp/synth';
import { ROOT, targetModel } from '../aws/helpers';

export { golden, ROOT } from '../aws/helpers';

export const GCP_REFERENCE = join(ROOT, 'examples', 'shop-gcp', 'architecture.yaml');
export const GCP_FIXTURES = join(ROOT, 'fixtures', 'archetypes-gcp');

export function gcpFixtureFiles(): string[] {
  return readdirSync(GCP_FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
}

/** The GCP model of an architecture file, or of its text. */
export function gcpModel(file: string, options: { text?: string; environment?: string } = {}): ResolvedArchitecture {
  return targetModel(file, 'gcp', options);
}

export type Json = Record<string, unknown>;

/** The synthesized Terraform JSON, with lookups by type and by attribute. */
export class Tf {
  constructor(readonly json: Json) {}

  /** Resources of a type, as [logical id, attributes]. */
  all(type: string): [string, Json][] {
    const r = (this.json.resource as Record<string, Record<string, Json>> | undefined)?.[type] ?? {};
    return Object.entries(r);
  }

  /** Attributes of the resources of a type. */
  values(type: string): Json[] {
    return this.all(type).map(([, v]) => v);
  }

  /** The one resource of `type` whose `name` (or another attribute) is `value`. */
  named(type: string, value: string, attribute = 'name'): Json {
    const found = this.values(type).filter((r) => r[attribute] === value);
    if (found.length !== 1) throw new Error(`${found.length} ${type} with ${attribute} ${value}; have: ${this.values(type).map((r) => String(r[attribute])).join(', ')}`);
    return found[0]!;
  }

  /** `${type.<id>` of the resource whose `name` is `value`: how other resources refer to it. */
  ref(type: string, value: string, attribute = 'name'): string {
    const found = this.all(type).filter(([, r]) => r[attribute] === value);
    if (found.length !== 1) throw new Error(`${found.length} ${type} with ${attribute} ${value}`);
    return `\${${type}.${found[0]![0]}`;
  }
}

/** `${google_service_account.<id>.email}` of the account a Cloud Run service (by name) runs as. */
export function accountOf(tf: Tf, runName: string): string {
  return `${tf.ref('google_service_account', `Cloud Run service ${runName}`, 'display_name')}.email}`;
}

/** The container of a Cloud Run service resource. */
export function container(run: Json): { env: { name: string; value?: string; value_source?: { secret_key_ref: { secret: string; version: string } } }[]; startup_probe: Json; liveness_probe: Json; resources: Json; image: string } {
  return ((run.template as Json).containers as never[])[0]!;
}

export function envOf(run: Json): Record<string, string> {
  return Object.fromEntries(container(run).env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

/** Synthesize a model; fails the test on policy problems unless told otherwise. */
export function synth(model: ResolvedArchitecture, options: GcpSynthOptions = {}): Tf {
  const result = synthGcpTarget(model, options);
  if (result.problems.length > 0) throw new Error(result.problems.map((p) => `${p.code} ${p.message}`).join('; '));
  return new Tf(JSON.parse(result.files[0]!.content) as Json);
}
