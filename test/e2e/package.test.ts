/**
 * The npm package, as a user installs it: `npm pack` (its prepack builds lib/), then
 * - the tarball installed into an empty directory with no network (`npm ci --offline` from npm's cache) runs
 *   `allframe --version` and synthesizes the bundled example;
 * - installed into the example's generated workspace (whose package.json asks for `allframe` at this version and
 *   the CDK CLI), `npx allframe --version`, `npx allframe synth --check` and `npx cdk synth` through the workspace's
 *   cdk.json run the installed tools: the CDK app bundles every Lambda service from the installed workspace.
 *
 * Packing and installing take minutes, and the workspace's own dependencies (hono, pino, the AWS SDK clients) come
 * from the npm registry or its cache, so it runs only when ALLFRAME_E2E=1 (.ci/run sets it).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_FILES_FORBIDDEN } from '../package-files';
import { Packed, ROOT, packAllframe, tarballFiles, writeOfflineInstall } from './pack';

const enabled = process.env.ALLFRAME_E2E === '1';
if (!enabled) console.log('skipping the npm package test: set ALLFRAME_E2E=1 to run it (it packs, installs and takes minutes)');

const repoPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

/** Runs a command, returning its exit status and output (never throws: the tests assert on both). */
function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync(cmd, [...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** The status, and the output's tail when it failed: a failure shows why. */
const outcome = (r: { status: number | null; stdout: string; stderr: string }) => ({ status: r.status, out: r.status === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-6000) });

/** No AWS credentials, no telemetry: `cdk synth` must need neither. */
const CDK_ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'allframe-none', AWS_EC2_METADATA_DISABLED: 'true' };

(enabled ? describe : describe.skip)('the npm package', () => {
  let packed: Packed;
  beforeAll(() => {
    packed = packAllframe();
    console.log(`npm pack (prepack compiles lib/): ${packed.seconds.toFixed(1)} s, ${(readFileSync(packed.tarball).length / 1024).toFixed(0)} KiB`);
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  test('in the generated workspace, npx runs the installed allframe and CDK CLI: --version, synth --check and cdk synth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-workspace-'));
    try {
      // GIVEN the example's workspace, generated by the packed allframe (installed offline beside it) ...
      const tool = join(dir, 'tool');
      const ws = join(dir, 'shop');
      cpSync(join(ROOT, 'examples', 'shop', 'architecture.yaml'), join(dir, 'architecture.yaml'));
      mkdirSync(tool);
      mkdirSync(ws);
      writeOfflineInstall(tool, packed);
      expect(outcome(run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], tool))).toEqual({ status: 0, out: '' });
      cpSync(join(dir, 'architecture.yaml'), join(ws, 'architecture.yaml'));
      expect(outcome(run(join(tool, 'node_modules', '.bin', 'allframe'), ['synth'], ws))).toEqual({ status: 0, out: '' });

      // ... installed with the tarball standing in for `allframe@<version>` from the registry: `--no-save` leaves
      // the managed package.json as generated, so a user's plain `npm install` gets the published version
      const install = run('npm', ['install', '--no-save', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', packed.tarball], ws);
      console.log(`npm install of the generated workspace with the tarball: ${install.seconds.toFixed(1)} s`);
      expect(outcome(install)).toEqual({ status: 0, out: '' });
      const installed = JSON.parse(readFileSync(join(ws, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
      expect(installed.packages['node_modules/allframe']).toMatchObject({ version: repoPackage.version, resolved: expect.stringMatching(/^file:.*\.tgz$/) });
      expect(installed.packages['node_modules/aws-cdk']).toMatchObject({ version: repoPackage.devDependencies['aws-cdk'] });

      // WHEN the workspace's tools run through npx, with no network fallback
      const version = run('npx', ['--offline', 'allframe', '--version'], ws);
      const check = run('npx', ['--offline', 'allframe', 'synth', '--check'], ws);
      const cdk = run('npx', ['--offline', 'cdk', '--version'], ws);
      const synth = run('npx', ['--offline', 'cdk', 'synth', '--quiet'], ws, CDK_ENV);
      console.log(`in the workspace: allframe synth --check ${check.seconds.toFixed(1)} s, cdk synth (allframe cdk-app, bundling) ${synth.seconds.toFixed(1)} s`);

      // THEN they are the installed versions, the committed output is up to date and cdk.out has every stack
      expect({ status: version.status, stdout: version.stdout }).toEqual({ status: 0, stdout: `${repoPackage.version}\n` });
      expect(outcome(check)).toEqual({ status: 0, out: '' });
      expect(check.stderr).toMatch(/allframe synth --check: \d+ files up to date/);
      expect(cdk.stdout).toContain(repoPackage.devDependencies['aws-cdk']);
      expect(outcome(synth)).toEqual({ status: 0, out: '' });
      const out = readdirSync(join(ws, 'cdk.out'), { recursive: true }).map(String);
      const templates = out.filter((f) => /^assembly-(dev|prod)\//.test(f) && f.endsWith('.template.json'));
      expect(templates.filter((f) => f.endsWith('shop-platform-shared.template.json')).length).toBe(2);
      expect(templates.length).toBeGreaterThan(20);
      expect(out.filter((f) => f.endsWith('lambda.js')).length).toBeGreaterThanOrEqual(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
