import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import type { ResolvedArchitecture } from '../../../src/resolve';
import { synthFly, type FlySynthResult } from '../../../src/targets/fly/synth';
import { ROOT, targetModel } from '../aws/helpers';

export { golden, ROOT } from '../aws/helpers';

export const FLY_REFERENCE = join(ROOT, 'examples', 'shop-fly', 'architecture.yaml');
export const FLY_FIXTURES = join(ROOT, 'fixtures', 'archetypes-fly');

export function flyFixtureFiles(): string[] {
  return readdirSync(FLY_FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
}

/** The Fly.io model of an architecture file, or of its text. */
export function flyModel(file: string, options: { text?: string; environment?: string } = {}): ResolvedArchitecture {
  return targetModel(file, 'fly', options);
}

/** The synthesized files by path, with each fly.toml parsed. */
export class FlyOutput {
  readonly files: ReadonlyMap<string, string>;

  constructor(readonly result: FlySynthResult) {
    this.files = new Map(result.files.map((f) => [f.path, f.content]));
  }

  text(path: string): string {
    const t = this.files.get(path);
    if (t === undefined) throw new Error(`no ${path} among ${[...this.files.keys()].join(', ')}`);
    return t;
  }

  /** A service's (or the bus's, `nats`) fly.toml, parsed. */
  app(name: string, env = 'default'): Record<string, unknown> & { env?: Record<string, string>; http_service?: Record<string, unknown>; processes?: Record<string, string> } {
    return parse(this.text(`infrastructure/fly/${env}/${name}/fly.toml`)) as Record<string, unknown>;
  }
}

export function synth(model: ResolvedArchitecture): FlyOutput {
  return new FlyOutput(synthFly(model));
}
