/**
 * Nothing accepted is silently ignored: every key of the JSON Schema is, for each target, read by that target's
 * synthesis or by the generated code, or consumed by validation and resolution (CONSUMED_BEFORE_SYNTHESIS, with
 * the reason), or listed in the target's refusal table (src/validate/refusals.ts), which validation enforces.
 *
 * "Read" is recorded, not declared: the resolved model of every fixture, example and coverage file is wrapped in
 * Proxies (test/read-recorder.ts) that note each key read while the target synthesizes it and the skeletons
 * render it. A key read only for some values (a list read only when non-empty) needs a file that sets it: the
 * coverage files under fixtures/key-coverage/ do.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetId } from '../../src/model/constants';
import { renderRepository } from '../../src/skeletons';
import { synthAws } from '../../src/targets/aws/synth';
import { synthGcpTarget } from '../../src/targets/gcp/synth';
import { synthFly } from '../../src/targets/fly/synth';
import { validateSource } from '../../src/validate';
import { REFUSALS } from '../../src/validate/refusals';
import { recordReads, schemaLeaves } from '../read-recorder';

const root = join(__dirname, '..', '..');
const dir = (d: string) => readdirSync(join(root, d)).filter((f) => /\.(ya?ml|toml)$/.test(f)).map((f) => join(d, f));

const FILES: Record<TargetId, readonly string[]> = {
  aws: [...dir('fixtures/archetypes'), 'examples/shop/architecture.yaml', 'examples/shop/architecture.toml', 'fixtures/key-coverage/aws.yaml', 'fixtures/tenancy/aws.yaml'],
  gcp: [...dir('fixtures/archetypes-gcp'), 'examples/shop-gcp/architecture.yaml', 'fixtures/key-coverage/gcp.yaml', 'fixtures/tenancy/gcp.yaml'],
  fly: [...dir('fixtures/archetypes-fly'), 'examples/shop-fly/architecture.yaml', 'fixtures/key-coverage/fly.yaml', 'fixtures/tenancy/fly.yaml'],
};

/** Keys whose whole effect happens before synthesis, per target, and why that honours them. */
const CONSUMED_BEFORE_SYNTHESIS: Record<TargetId, Readonly<Record<string, string>>> = {
  aws: {
    $schema: 'for editors (yaml-language-server); it means nothing to a target',
    'cloud.primary': 'selects the target (resolve)',
    'security.secrets_manager': 'validation accepts only aws-secrets on aws (AF5001), which is what the target builds',
    'observability.metrics': 'validation accepts only cloudwatch on aws (AF5001), which is what the target builds',
  },
  gcp: {
    $schema: 'for editors (yaml-language-server); it means nothing to a target',
    'cloud.primary': 'selects the target (resolve)',
    'settings.event_bus': 'validation accepts only pubsub on gcp (AF5001), which is what the target builds',
    'settings.events.schema_registry': 'validation accepts only none on gcp (AF5001): no registry, which is what the target builds',
    'security.secrets_manager': 'validation accepts only gcp-secrets on gcp (AF5001), which is what the target builds',
    'observability.metrics': 'validation accepts only cloud-monitoring on gcp (AF5001), which is what the target builds',
  },
  fly: {
    $schema: 'for editors (yaml-language-server); it means nothing to a target',
    'cloud.primary': 'selects the target (resolve)',
    'settings.event_bus': 'validation accepts only nats on fly (AF5001), which is what the target builds',
    'settings.events.schema_registry': 'validation accepts only none on fly (AF5001): no registry, which is what the target builds',
    'security.secrets_manager': 'validation accepts only env on fly (AF5001): Fly secrets reach the Machines as environment variables, which is what the target builds',
  },
};

/** Blocks that configure another target: settings of that target, not of this one. */
const OTHER_TARGETS: Record<TargetId, readonly string[]> = {
  aws: ['cloud.gcp.', 'cloud.fly.'],
  gcp: ['cloud.aws.', 'cloud.fly.', 'services[].overrides.aws'],
  fly: ['cloud.aws.', 'cloud.gcp.', 'services[].overrides.aws'],
};

/** An environment's key is the base key it is merged over (resolve.applyEnvironment), with --env. */
function baseKey(path: string): string {
  return path.replace(/^environments\.<name>\.cloud\./, 'cloud.').replace(/^environments\.<name>\.overrides\.<name>\./, 'services[].');
}

function readsOf(target: TargetId): Set<string> {
  const reads = new Set<string>();
  for (const file of FILES[target]) {
    const r = validateSource(file, readFileSync(join(root, file)), { env: {}, target });
    if (!r.model) throw new Error(`${file} is not valid for ${target}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
    const { model } = recordReads(r.model, reads);
    if (target === 'aws') synthAws(model, { validation: false });
    else if (target === 'gcp') synthGcpTarget(model);
    else synthFly(model);
    renderRepository(model, { sourceFile: 'architecture.yaml' });
  }
  return reads;
}

describe('every key of the schema is honoured or refused, per target', () => {
  const leaves = schemaLeaves();

  test('the walk reaches properties, list items, named maps and environments', () => {
    expect(leaves).toEqual(expect.arrayContaining(['architecture.name', 'services[].consumes[].event', 'services[].environment.<name>', 'services[].overrides.aws[].value', 'environments.<name>.overrides.<name>.memory_mb', 'environments.<name>.cloud.aws.region', 'observability.alarms_email']));
    expect(leaves.length).toBeGreaterThan(150);
  });

  test.each(['aws', 'gcp', 'fly'] as const)('on %s: each key is read by synthesis, consumed before it, another target\'s, or refused', (target: TargetId) => {
    // GIVEN what the target's synthesis and the skeletons read of every file
    const reads = readsOf(target);
    const refused = new Set(REFUSALS[target].keys.map((k) => k.path));
    // WHEN each key of the schema is looked up
    const unaccounted = leaves.filter((leaf) => {
      const key = baseKey(leaf);
      return !reads.has(key) && !refused.has(key) && CONSUMED_BEFORE_SYNTHESIS[target][key] === undefined && !OTHER_TARGETS[target].some((p) => key.startsWith(p));
    });
    // THEN none is left: a new key needs target code that reads it, or an entry in REFUSALS
    expect(unaccounted).toEqual([]);
  });

  test.each(['aws', 'gcp', 'fly'] as const)('on %s: the lists of keys consumed before synthesis and refused name real keys', (target) => {
    const keys = new Set(leaves.map(baseKey));
    for (const k of [...Object.keys(CONSUMED_BEFORE_SYNTHESIS[target]), ...REFUSALS[target].keys.map((r) => r.path)]) expect([k, keys.has(k)]).toEqual([k, true]);
  });
});
