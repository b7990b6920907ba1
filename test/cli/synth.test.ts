import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, treeStamps } from '../helpers';

const example = join(__dirname, '..', '..', 'examples', 'shop', 'architecture.yaml');


describe('allframe synth', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-synth-'));
    cpSync(example, join(dir, 'architecture.yaml'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the workspace next to the architecture file; a rerun writes nothing; --check passes', async () => {
    // WHEN
    const first = await cli(['synth'], dir);
    // THEN
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^synth: \d+ created, 0 updated, 0 deleted, 0 unchanged/);
    // the AWS target's summary: stacks with their resource counts, and the templates among the files
    expect(first.stderr).toMatch(/^aws: 15 stacks, \d+ resources$/m);
    expect(first.stderr).toMatch(/^ {2}shop-platform-user-service: \d+ resources$/m);
    expect(existsSync(join(dir, 'infrastructure', 'aws', 'shop-platform-shared.template.json'))).toBe(true);
    expect(existsSync(join(dir, 'services', 'user-service', 'src', 'app.ts'))).toBe(true);
    expect(existsSync(join(dir, '.allframe', 'manifest.json'))).toBe(true);
    // AND a rerun over the unchanged output writes nothing: no file, the manifest included, gets a new inode,
    // mtime or mode, and no directory changes
    const before = treeStamps(dir);
    const again = await cli(['synth'], dir);
    expect(again.stderr).toMatch(/^synth: 0 created, 0 updated, 0 deleted, \d+ unchanged \(0 written\)/);
    expect(treeStamps(dir)).toEqual(before);
    expect(await cli(['synth', '--check'], dir)).toMatchObject({ code: 0 });
    expect(treeStamps(dir)).toEqual(before);
  });

  test('--dry-run lists and writes nothing', async () => {
    const r = await cli(['synth', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create    services/user-service/src/app.ts\n');
    expect(existsSync(join(dir, 'services'))).toBe(false);
  });

  test('--check exits 1 with the list when a file is stale or missing', async () => {
    await cli(['synth'], dir);
    rmSync(join(dir, 'services', 'web-bff', 'src', 'app.ts'));
    writeFileSync(join(dir, 'architecture.yaml'), readFileSync(join(dir, 'architecture.yaml'), 'utf8').replace('memory_mb: 512', 'memory_mb: 1024'));
    const r = await cli(['synth', '--check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('create    services/web-bff/src/app.ts');
    expect(r.stderr).toContain('stale');
  });

  test('an edited generated file is refused by name, exit 2, and nothing is written; --force overwrites', async () => {
    await cli(['synth'], dir);
    const app = join(dir, 'services', 'user-service', 'src', 'app.ts');
    writeFileSync(app, readFileSync(app, 'utf8') + '// my change\n');
    rmSync(join(dir, 'services', 'web-bff', 'src', 'app.ts'));
    const r = await cli(['synth'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('services/user-service/src/app.ts:1:1: error AF6001');
    expect(readFileSync(app, 'utf8')).toContain('// my change');
    expect(existsSync(join(dir, 'services', 'web-bff', 'src', 'app.ts'))).toBe(false);
    expect(existsSync(join(dir, '.allframe', 'tmp'))).toBe(false);
    expect((await cli(['synth', '--force'], dir)).code).toBe(0);
    expect(readFileSync(app, 'utf8')).not.toContain('// my change');
  });

  test('diff prints unified diffs of what would change', async () => {
    await cli(['synth'], dir);
    writeFileSync(join(dir, 'architecture.yaml'), readFileSync(join(dir, 'architecture.yaml'), 'utf8').replace('description: Online shop', 'description: Shop v2'));
    const r = await cli(['diff'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--- a/package.json');
    expect(r.stdout).toContain('+  "description": "Shop v2",');
  });

  test('an invalid architecture file writes nothing and exits 2', async () => {
    writeFileSync(join(dir, 'architecture.yaml'), 'architecture: { name: x }\n');
    const r = await cli(['synth'], dir);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, '.allframe'))).toBe(false);
  });

  test('--out writes elsewhere, with the architecture file named relative to it', async () => {
    const r = await cli(['synth', 'architecture.yaml', '--out', 'generated'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'generated', 'package.json'), 'utf8'))).toMatchObject({ scripts: { synth: 'allframe synth ../architecture.yaml' } });
  });
});

describe('allframe synth --target gcp', () => {
  const gcpExample = join(__dirname, '..', '..', 'examples', 'shop-gcp', 'architecture.yaml');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-synth-gcp-'));
    cpSync(gcpExample, join(dir, 'architecture.yaml'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('writes infrastructure/gcp/<env>/cdk.tf.json (marker in "//") and the services with their Dockerfiles; --check passes', async () => {
    // WHEN
    const r = await cli(['synth', '--target', 'gcp', '--env', 'prod'], dir);
    // THEN
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^gcp: infrastructure\/gcp\/prod\/cdk\.tf\.json, \d+ resources \(policy checks passed\)$/m);
    const tf = JSON.parse(readFileSync(join(dir, 'infrastructure', 'gcp', 'prod', 'cdk.tf.json'), 'utf8')) as { '//': Record<string, string>; resource: Record<string, unknown> };
    expect(tf['//']['allframe:generated']).toMatch(/^Generated by allframe/);
    expect(Object.keys(tf.resource)).toContain('google_cloud_run_v2_service');
    for (const s of ['user-service', 'web-bff', 'notification-service']) {
      expect(readFileSync(join(dir, 'services', s, 'Dockerfile'), 'utf8')).toContain('USER node');
    }
    expect(existsSync(join(dir, 'infrastructure', 'aws'))).toBe(false);
    expect(await cli(['synth', '--target', 'gcp', '--env', 'prod', '--check'], dir)).toMatchObject({ code: 0 });
    // the default target of this file is gcp (cloud.primary), environment "default"
    expect((await cli(['synth'], dir)).code).toBe(0);
    expect(existsSync(join(dir, 'infrastructure', 'gcp', 'default', 'cdk.tf.json'))).toBe(true);
  });

  test('what GCP cannot honour is refused before anything is written (exit 2, located)', async () => {
    cpSync(example, join(dir, 'architecture.yaml'));
    const r = await cli(['synth', '--target', 'gcp'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/architecture\.yaml:\d+:\d+: error AF5001: service "user-service" uses database dynamodb/);
    expect(existsSync(join(dir, 'services'))).toBe(false);
    // the workspace's files, staged early while the target was synthesized, are gone with .allframe/
    expect(readdirSync(dir)).toEqual(['architecture.yaml']);
  });
});
