/**
 * @cdktf/provider-google is imported resource by resource (`@cdktf/provider-google/lib/<resource>`): its package
 * root loads every resource of the provider (about 3 s and 450 MB). This test fails on any import of the root.
 *
 * Within the package too, a synth loads only what it uses: the GCP target loads no parser (the model is already
 * validated) and only the provider modules of the resources it makes; the others load on first use.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'platform') return [];
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|js|mjs)$/.test(name) ? [p] : [];
  });
}

/** Root imports: `from '@cdktf/provider-google'`, `require('@cdktf/provider-google')`, `import('@cdktf/provider-google')`. */
export const ROOT_IMPORT = /(from\s+|require\(\s*|import\(\s*)['"]@cdktf\/provider-google['"]/;

describe('@cdktf/provider-google imports', () => {
  test('the pattern catches root imports and lets per-resource ones through', () => {
    expect(ROOT_IMPORT.test("import * as google from '@cdktf/provider-google';")).toBe(true);
    expect(ROOT_IMPORT.test("const g = require('@cdktf/provider-google');")).toBe(true);
    expect(ROOT_IMPORT.test("import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';")).toBe(false);
  });

  test('no source, construct, test or benchmark imports the package root', () => {
    const offenders = ['src', 'lib-constructs', 'test', 'bench']
      .flatMap((d) => sources(join(ROOT, d)))
      .filter((f) => !f.endsWith('provider-imports.test.ts') && ROOT_IMPORT.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});

/**
 * In a fresh process: the modules loaded by `require(src/targets/gcp/synth)`, then those a synth of `yaml` adds.
 * Paths are shortened to `provider:<resource>`, `yaml`, `smol-toml` or `src/...`.
 */
function loadedModules(yaml: string): { target: string[]; synth: string[] } {
  const script = `
    const short = () => Object.keys(require.cache).flatMap((f) => {
      const p = f.match(/provider-google[/]lib[/]([^/]+)[/]/); if (p) return ['provider:' + p[1]];
      const n = f.match(/node_modules[/](yaml|smol-toml|toml-eslint-parser)[/]/); if (n) return [n[1]];
      const s = f.match(/[/](src[/][^.]+)[.]ts$/); return s ? [s[1]] : [];
    });
    const { synthGcpTarget } = require('./src/targets/gcp/synth.ts');
    const target = [...new Set(short())];
    const { validateSource } = require('./src/validate/index.ts');
    const v = validateSource('architecture.yaml', process.argv[1], { env: {}, target: 'gcp' });
    if (!v.model) throw new Error(JSON.stringify(v.diagnostics));
    const before = new Set(short());
    synthGcpTarget(v.model);
    process.stdout.write(JSON.stringify({ target, synth: [...new Set(short())].filter((m) => !before.has(m)) }));
  `;
  const p = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, yaml], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
  if (p.status !== 0) throw new Error(p.stderr);
  return JSON.parse(p.stdout) as { target: string[]; synth: string[] };
}

const HEAD = 'architecture: { name: lazy, version: 1.0.0 }\nsettings: { event_bus: pubsub, default_database: firestore }\ncloud: { primary: gcp, gcp: { project_id: lazy-dev, region: europe-west1, state_bucket: lazy-tfstate } }\nservices:\n';

describe('what a GCP synth loads', () => {
  test('the target loads no parser, and only the provider modules every architecture uses', () => {
    const { target, synth } = loadedModules(`${HEAD}  - { name: items, type: stateless, database: { type: firestore }, domain: { entities: [Item] }, publishes: [ItemAdded] }\n`);
    expect(target.filter((m) => !m.startsWith('src/'))).toEqual(
      expect.arrayContaining(['provider:provider', 'provider:cloud-run-v2-service', 'provider:service-account', 'provider:pubsub-topic', 'provider:monitoring-alert-policy']),
    );
    expect(target.filter((m) => m === 'yaml' || m === 'smol-toml' || m.startsWith('src/parse') || m.startsWith('src/validate'))).toEqual([]);
    // Not used by every architecture: loaded on first use.
    for (const lazy of ['pubsub-subscription', 'pubsub-subscription-iam-member', 'cloud-run-v2-service-iam-member', 'secret-manager-secret-iam-member', 'sql-database-instance', 'sql-database', 'firestore-database', 'redis-instance', 'workflows-workflow', 'cloud-scheduler-job', 'compute-network']) {
      expect(target).not.toContain(`provider:${lazy}`);
    }
    // A stateless service on Firestore adds its database and nothing else of the provider.
    expect(synth.filter((m) => m.startsWith('provider:'))).toEqual(['provider:firestore-database']);
  }, 60_000);

  test('a consumer on Cloud SQL loads subscriptions, the invoker grant and Cloud SQL when it needs them', () => {
    const { synth } = loadedModules(
      `${HEAD}  - { name: orders, type: producer, database: { type: firestore }, domain: { entities: [Order] }, publishes: [OrderPlaced] }\n` +
        `  - { name: billing, type: consumer, database: { type: postgres }, domain: { entities: [Invoice] }, consumes: [{ event: OrderPlaced, from: orders }], consumer: { dlq: true } }\n`,
    );
    expect(synth).toEqual(expect.arrayContaining(['provider:pubsub-subscription', 'provider:cloud-run-v2-service-iam-member', 'provider:pubsub-subscription-iam-member', 'provider:sql-database-instance', 'provider:sql-database']));
  }, 60_000);
});
