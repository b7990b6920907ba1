/**
 * The npm package, as a user installs it: `npm pack` (its prepack builds lib/), then the tarball installed into an
 * empty directory with no network (`npm ci --offline` from npm's cache) runs `allframe --version` and synthesizes
 * the bundled example, and `allframe ignite` makes a system from a template. (Installed into the example's generated workspace, where `npx allframe synth --check` and
 * `npx cdk synth` run the installed tools: test/e2e/generated-workspace.test.ts.)
 *
 * Packing and installing take minutes (on 2 cores shared with other jobs, 92 s to 3 min: pack 33-67 s, install
 * 22-47 s, synth 21-37 s), so it runs only when ALLFRAME_E2E=1 (.ci/run sets it); it needs no network.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_FILES_FORBIDDEN } from '../package-files';
import { Packed, ROOT, outcome, packAllframe, run, tarballFiles, writeOfflineInstall } from './pack';

const enabled = process.env.ALLFRAME_E2E === '1';
if (!enabled) console.log('skipping the npm package test: set ALLFRAME_E2E=1 to run it (it packs, installs and takes minutes)');

const repoPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

(enabled ? describe : describe.skip)('the npm package', () => {
  let packed: Packed;
  beforeAll(() => {
    packed = packAllframe();
    console.log(`npm pack (prepack compiles lib/): ${packed.seconds > 0 ? `${packed.seconds.toFixed(1)} s` : 'packed earlier in this run, reused'}, ${(readFileSync(packed.tarball).length / 1024).toFixed(0)} KiB`);
  }, 300_000);
  afterAll(() => packed?.dispose());

  test('the tarball carries the CLI, the built library with what synth reads at run time, and nothing dev-only', () => {
    const files = tarballFiles(packed.tarball);
    expect(packed.version).toBe(repoPackage.version);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'bin/allframe',
        'lib/src/index.js',
        'lib/src/index.d.ts',
        'lib/src/cli/main.js',
        'lib/allframe.cjs',
        'lib/allframe.v8-cache',
        'lib/allframe.cjs.LICENSES.md',
        'lib/src/model/architecture.schema.generated.json',
        'lib/src/validate/architecture-validator.generated.js',
        'lib/src/skeletons/platform/src/index.ts',
        'lib/src/skeletons/platform/test/fakes.ts',
        'lib/lib-constructs/aws/queue-with-dlq.js',
        'schema/architecture.schema.json',
        'examples/shop/architecture.yaml',
        'examples/shop-gcp/architecture.yaml',
        'docs/errors.md',
      ]),
    );
    // the platform package is copied whole: every file of src/skeletons/platform is in lib/ of the tarball
    const platform = readdirSync(join(ROOT, 'src', 'skeletons', 'platform'), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    expect(platform.filter((f) => !files.includes(`lib/src/skeletons/platform/${f}`))).toEqual([]);
    expect(files.filter((f) => PACKAGE_FILES_FORBIDDEN.some((re) => re.test(f)))).toEqual([]);
  });

  test('installs into an empty directory offline, prints its version and synthesizes the example', () => {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-try-'));
    try {
      // GIVEN only the tarball and npm's cache (filled by this repository's npm ci)
      writeOfflineInstall(dir, packed);
      const install = run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
      console.log(`npm ci --offline of the tarball into an empty directory: ${install.seconds.toFixed(1)} s`);
      expect(outcome(install)).toEqual({ status: 0, out: '' });

      // WHEN the installed CLI runs
      const version = run('npx', ['--offline', 'allframe', '--version'], dir);
      cpSync(join(ROOT, 'examples', 'shop', 'architecture.yaml'), join(dir, 'architecture.yaml'));
      const synth = run('npx', ['--offline', 'allframe', 'synth', 'architecture.yaml', '--out', 'shop'], dir);
      console.log(`npx allframe synth of examples/shop from the installed package: ${synth.seconds.toFixed(1)} s`);

      // THEN it is this version, and the workspace and the stacks are written
      expect({ status: version.status, stdout: version.stdout }).toEqual({ status: 0, stdout: `${repoPackage.version}\n` });
      expect(outcome(synth)).toEqual({ status: 0, out: '' });
      expect(synth.stderr).toMatch(/^aws: \d+ stacks, \d+ resources$/m);
      const templates = readdirSync(join(dir, 'shop', 'infrastructure', 'aws')).filter((f) => f.endsWith('.template.json'));
      expect(templates).toContain('shop-platform-shared.template.json');
      const shared = JSON.parse(readFileSync(join(dir, 'shop', 'infrastructure', 'aws', 'shop-platform-shared.template.json'), 'utf8')) as { Resources: Record<string, unknown> };
      expect(Object.keys(shared.Resources).length).toBeGreaterThan(10);
      const workspace = JSON.parse(readFileSync(join(dir, 'shop', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
      expect(workspace.devDependencies).toMatchObject({ allframe: repoPackage.version, 'aws-cdk': repoPackage.devDependencies['aws-cdk'] });
      expect(existsSync(join(dir, 'shop', 'packages', 'platform', 'src', 'index.ts'))).toBe(true);

      // AND the GCP target runs from the bundle: its libraries (300 MB) are optional peers, not installed
      expect(existsSync(join(dir, 'node_modules', '@cdktf', 'provider-google'))).toBe(false);
      expect(existsSync(join(dir, 'node_modules', 'cdktf'))).toBe(false);
      cpSync(join(ROOT, 'examples', 'shop-gcp', 'architecture.yaml'), join(dir, 'architecture-gcp.yaml'));
      const gcp = run('npx', ['--offline', 'allframe', 'synth', 'architecture-gcp.yaml', '--out', 'shop-gcp'], dir);
      expect(outcome(gcp)).toEqual({ status: 0, out: '' });
      const tf = JSON.parse(readFileSync(join(dir, 'shop-gcp', 'infrastructure', 'gcp', 'default', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
      expect(Object.keys(tf.resource)).toContain('google_cloud_run_v2_service');

      // AND ignite makes a new system from a template, offline, with the templates and prompts of the bundle
      const list = run('npx', ['--offline', 'allframe', 'ignite', '--list'], dir);
      expect(outcome(list)).toEqual({ status: 0, out: '' });
      expect(list.stdout).toMatch(/^ecommerce /m);
      const ignite = run('npx', ['--offline', 'allframe', 'ignite', 'my-shop', '--template', 'ecommerce', '--cloud', 'fly'], dir);
      console.log(`npx allframe ignite my-shop --template ecommerce --cloud fly from the installed package: ${ignite.seconds.toFixed(1)} s`);
      expect(outcome(ignite)).toEqual({ status: 0, out: '' });
      expect(ignite.stderr).toContain('ignite: my-shop, the ecommerce template on fly');
      expect(existsSync(join(dir, 'my-shop', 'infrastructure', 'fly', 'default', 'deploy.sh'))).toBe(true);
      expect(readFileSync(join(dir, 'my-shop', 'architecture.yaml'), 'utf8')).toContain('  name: my-shop\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
