/**
 * Same code everywhere (issue 14): the reference architecture's three twins, examples/shop (aws: DynamoDB, SNS),
 * examples/shop-gcp (gcp: Firestore, Pub/Sub) and examples/shop-fly (fly: PostgreSQL, NATS JetStream), each
 * synthesized whole for its target as `allframe synth` does (`synthesize`: the workspace, the target's
 * infrastructure, the local emulators' compose file).
 *
 * Every service's src/domain, src/application and src/adapters are the same files, byte for byte, on the three: the
 * code picks its adapters at run time from the configuration the target sets (STORE, EVENT_BUS, EVENT_STORE, ...),
 * so it does not depend on the cloud. What differs is the infrastructure (infrastructure/<target>/), the files of a
 * target's own tools (cdk.json, compose.yaml), and configuration, each difference listed and explained below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetId } from '../../src/model/constants';
import type { ResolvedArchitecture } from '../../src/resolve/index';
import { synthesize } from '../../src/synth';
import { validateSource } from '../../src/validate';

const root = join(__dirname, '..', '..');
const TARGETS = ['aws', 'gcp', 'fly'] as const satisfies readonly TargetId[];
type Target = (typeof TARGETS)[number];
const TWINS: Record<Target, string> = {
  aws: join(root, 'examples', 'shop', 'architecture.yaml'),
  gcp: join(root, 'examples', 'shop-gcp', 'architecture.yaml'),
  fly: join(root, 'examples', 'shop-fly', 'architecture.yaml'),
};

/** The code of a service: what must not depend on the target. */
const CODE = /^services\/([^/]+)\/src\/(domain|application|adapters)\//;

interface Synthesized {
  readonly model: ResolvedArchitecture;
  /** Every output file's content by path. */
  readonly files: ReadonlyMap<string, string>;
}

function synthesizeTwin(target: Target): Synthesized {
  const v = validateSource(TWINS[target], readFileSync(TWINS[target]), { env: {}, target });
  if (!v.ok || v.model === undefined) throw new Error(`${TWINS[target]} is not valid for ${target}: ${JSON.stringify(v.diagnostics)}`);
  // aws-cdk-lib's own CloudFormation validation is the AWS target's business (test/targets/aws), not this test's
  const r = synthesize(v.model, { validation: false, sourceFile: 'architecture.yaml' });
  if (!r.ok) throw new Error(`${target}: ${JSON.stringify(r.problems)}`);
  return { model: v.model, files: new Map(r.outputs.map((f) => [f.path, f.content])) };
}

/** Every path of any target whose file is not the same on all three (absent on some, or other bytes). */
function differing(twins: Record<Target, Synthesized>, paths: Iterable<string>): string[] {
  return [...new Set(paths)].filter((p) => new Set(TARGETS.map((t) => twins[t].files.get(p))).size > 1).sort();
}

/** The lines, by 0-based index, where `a` and `b` differ; both must have as many lines. */
function differingLines(a: string, b: string): string[][] {
  const [x, y] = [a.split('\n'), b.split('\n')];
  expect(y).toHaveLength(x.length);
  return x.flatMap((line, i) => (line === y[i] ? [] : [[line, y[i]!]]));
}

/** A package.json without one key path (`['allframe', 'compute']`): to compare what else is in it. */
function without(json: string, path: readonly string[]): unknown {
  const doc = JSON.parse(json) as Record<string, unknown>;
  let at: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  delete at[path[path.length - 1]!];
  return doc;
}

describe('same code everywhere: the reference synthesized for aws, gcp and fly', () => {
  let twins: Record<Target, Synthesized>;
  let all: string[];
  beforeAll(() => {
    twins = { aws: synthesizeTwin('aws'), gcp: synthesizeTwin('gcp'), fly: synthesizeTwin('fly') };
    all = [...new Set(TARGETS.flatMap((t) => [...twins[t].files.keys()]))].sort();
  });
  const content = (t: Target, path: string): string => {
    const found = twins[t].files.get(path);
    if (found === undefined) throw new Error(`${t}: ${path} not synthesized`);
    return found;
  };

  test('GIVEN the three twins: one architecture (the same services and archetypes) on other databases and event buses', () => {
    const services = (t: Target) => twins[t].model.services.map((s) => `${s.name} ${s.kind}`);
    expect(services('gcp')).toEqual(services('aws'));
    expect(services('fly')).toEqual(services('aws'));
    expect(services('aws')).toHaveLength(13);
    // what the code must not depend on: the stores and buses differ on every target (inventory-service is on
    // PostgreSQL on all three)
    const stores = (t: Target) => [...new Set(twins[t].model.services.flatMap((s) => [s.database, ...(s.eventStore !== undefined ? [s.eventStore] : [])]).filter((d) => d !== 'none'))].sort();
    expect(TARGETS.map((t) => [twins[t].model.target, twins[t].model.eventBus, stores(t)])).toEqual([
      ['aws', 'sns', ['dynamodb', 'postgres']],
      ['gcp', 'pubsub', ['firestore', 'postgres']],
      ['fly', 'nats', ['postgres']],
    ]);
  });

  test("THEN every service's src/domain, src/application and src/adapters are the same paths and the same bytes on the three", () => {
    const code = (t: Target) => [...twins[t].files.keys()].filter((p) => CODE.test(p)).sort();
    expect(code('gcp')).toEqual(code('aws'));
    expect(code('fly')).toEqual(code('aws'));
    expect(differing(twins, code('aws'))).toEqual([]);
    // AND the comparison covers each of the three layers, and every service with code in them
    const layers = new Map<string, number>();
    for (const p of code('aws')) layers.set(CODE.exec(p)![2]!, (layers.get(CODE.exec(p)![2]!) ?? 0) + 1);
    expect([...layers.keys()].sort()).toEqual(['adapters', 'application', 'domain']);
    expect(new Set(code('aws').map((p) => CODE.exec(p)![1])).size).toBeGreaterThanOrEqual(10);
  });

  test('AND the workspace has the same files on the three, but for the files of a target\'s own tools', () => {
    const outside = (t: Target) => [...twins[t].files.keys()].filter((p) => !p.startsWith('infrastructure/')).sort();
    // cdk.json: the CDK CLI's app file, for the AWS stacks; compose.yaml is on every target (its own emulators)
    expect(outside('aws').filter((p) => !outside('fly').includes(p))).toEqual(['cdk.json']);
    expect(outside('gcp').filter((p) => !outside('fly').includes(p))).toEqual([]);
    expect(outside('fly').filter((p) => !outside('aws').includes(p) || !outside('gcp').includes(p))).toEqual([]);
    // each target's infrastructure goes under infrastructure/<target>/ and nowhere else
    for (const t of TARGETS) {
      expect(new Set([...twins[t].files.keys()].filter((p) => p.startsWith('infrastructure/')).map((p) => p.split('/')[1]))).toEqual(new Set([t]));
    }
  });

  test('AND outside infrastructure/, only configuration differs: package.json fields and two config.ts defaults', () => {
    const rest = differing(
      twins,
      all.filter((p) => !p.startsWith('infrastructure/') && !['cdk.json', 'compose.yaml'].includes(p)),
    );
    const servicePackages = twins.aws.model.services.map((s) => `services/${s.name}/package.json`).sort();
    expect(rest).toEqual(['package.json', ...servicePackages, 'services/catalog-service/src/config.ts', 'services/realtime-gateway/src/config.ts'].sort());
    // nothing else under a service's src/ differs: no entry, deps.ts, app.ts, routes, clients nor secrets
    expect(rest.filter((p) => /^services\/[^/]+\/src\//.test(p))).toEqual(['services/catalog-service/src/config.ts', 'services/realtime-gateway/src/config.ts']);
  });

  test('the root package.json: the CDK CLI (aws-cdk) is a dev dependency on aws only, to deploy the stacks', () => {
    expect((JSON.parse(content('aws', 'package.json')) as { devDependencies: Record<string, string> }).devDependencies['aws-cdk']).toBeDefined();
    const rest = without(content('aws', 'package.json'), ['devDependencies', 'aws-cdk']);
    expect(JSON.parse(content('gcp', 'package.json'))).toEqual(rest);
    expect(JSON.parse(content('fly', 'package.json'))).toEqual(rest);
  });

  test("a service's package.json: only allframe.compute, what the service runs on, resolved for the target", () => {
    for (const s of twins.aws.model.services) {
      const path = `services/${s.name}/package.json`;
      const compute = (t: Target) => (JSON.parse(content(t, path)) as { allframe: { compute: string } }).allframe.compute;
      // lambda or fargate as the file asks on aws, Cloud Run and Fly Machines for all on the others
      expect([compute('aws'), compute('gcp'), compute('fly')]).toEqual([s.compute, 'cloud-run', 'fly-machine']);
      expect(without(content('gcp', path), ['allframe', 'compute'])).toEqual(without(content('aws', path), ['allframe', 'compute']));
      expect(without(content('fly', path), ['allframe', 'compute'])).toEqual(without(content('aws', path), ['allframe', 'compute']));
    }
  });

  test("catalog-service's config.ts: only the EVENT_STORE description, naming the architecture's event store", () => {
    const path = 'services/catalog-service/src/config.ts';
    const lines = (t: Target) => differingLines(content('aws', path), content(t, path));
    // the default (memory) and the variable are the same: the target sets EVENT_STORE in the service's environment
    const line = (store: string) => `      EVENT_STORE: { kind: 'string', default: "memory", description: "memory | dynamodb | postgres | firestore: where the event streams are kept (the architecture's event store: ${store})" },`;
    expect(lines('gcp')).toEqual([[line('dynamodb'), line('firestore')]]);
    expect(lines('fly')).toEqual([[line('dynamodb'), line('postgres')]]);
  });

  test("realtime-gateway's config.ts: only the JWT_ISSUER default, from security.authentication (an issuer on the aws twin, none on the others)", () => {
    const path = 'services/realtime-gateway/src/config.ts';
    expect(twins.aws.model.file.security?.authentication).toMatchObject({ provider: 'cognito', jwt_issuer: 'https://auth.example.com' });
    expect(twins.gcp.model.file.security?.authentication?.provider).toBe('none');
    expect(twins.fly.model.file.security?.authentication?.provider).toBe('none');
    const line = (issuer: string) => `      JWT_ISSUER: { kind: 'string', default: "${issuer}", description: "Required iss claim of client tokens (empty: any)" },`;
    expect(differingLines(content('aws', path), content('gcp', path))).toEqual([[line('https://auth.example.com'), line('')]]);
    expect(content('fly', path)).toBe(content('gcp', path));
  });
});
