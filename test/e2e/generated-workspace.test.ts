/**
 * The generated repository's own checks: synthesize the reference example into a temp dir, `npm install` there
 * (from the npm registry or its cache) and run its `npm test` — strict tsc, ESLint with zero warnings, and the
 * generated tests with 80% line and branch coverage per package.
 *
 * It needs the npm registry, so it runs only when ALLFRAME_E2E=1 (.ci/run sets it); otherwise it is skipped
 * with a message saying so. The workspace's `allframe` devDependency is this working tree, packed: `npm install
 * --no-save <tarball>` stands in for the registry's `allframe@<version>` and leaves the managed package.json as is;
 * `npx allframe --version`, `npx allframe synth --check` and `npx cdk synth` (through the generated cdk.json) then
 * run the workspace's installed tools.
 *
 * The GCP workspace (examples/shop-gcp) is installed beside it, at the same time (npm waits on the registry and the
 * disk, not the CPU), and type-checked and linted while the AWS workspace's tests run (each mostly one core). Most of
 * its packages' tests, and all the code they load, are the AWS workspace's byte for byte (the entries, which wire the
 * cloud's adapters and which the tests never load, aside): the AWS run counts for those, and the packages that
 * differ (a service whose configuration names the cloud's resources) run their own tests, with their thresholds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { checkAsyncApi } from '../asyncapi';
import { cli, renderText } from '../helpers';
import { CDK_ENV, Packed, outcome, packAllframe, run, runAsync } from './pack';

const enabled = process.env.ALLFRAME_E2E === '1';
const root = join(__dirname, '..', '..');
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

if (!enabled) {
  console.log('skipping the generated-workspace test: set ALLFRAME_E2E=1 to run it (it installs from the npm registry)');
}

(enabled ? describe : describe.skip)('the generated workspace', () => {
  let packed: Packed;
  beforeAll(() => (packed = packAllframe()), 300_000);
  afterAll(() => packed?.dispose());
  const install = (dir: string) => runAsync('npm', ['install', '--prefer-offline', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', packed.tarball], dir);

  test('installs, type-checks, lints and passes its own tests with 80% coverage per package', async () => {
    // GIVEN the reference example, and its GCP twin, each synthesized into an empty directory
    const dir = mkdtempSync(join(tmpdir(), 'allframe-e2e-'));
    const gcp = mkdtempSync(join(tmpdir(), 'allframe-e2e-gcp-'));
    try {
      cpSync(join(root, 'examples', 'shop', 'architecture.yaml'), join(dir, 'architecture.yaml'));
      cpSync(join(root, 'examples', 'shop-gcp', 'architecture.yaml'), join(gcp, 'architecture.yaml'));
      expect(await cli(['synth'], dir)).toMatchObject({ code: 0 });
      expect(await cli(['synth'], gcp)).toMatchObject({ code: 0 });

      // WHEN both install (at once), and the AWS workspace runs its own npm test while the GCP one type-checks and lints
      const [installed, gcpInstalled] = await Promise.all([install(dir), install(gcp)]);
      expect(outcome(installed)).toEqual({ status: 0, out: '' });
      expect(outcome(gcpInstalled)).toEqual({ status: 0, out: '' });
      const [test, gcpChecks] = await Promise.all([
        runAsync('npm', ['test'], dir),
        runAsync('npm', ['run', 'typecheck'], gcp).then(async (typecheck) => (typecheck.status === 0 ? runAsync('npm', ['run', 'lint'], gcp) : typecheck)),
      ]);
      console.log(`generated workspaces: npm install ${installed.seconds.toFixed(1)} s (aws), ${gcpInstalled.seconds.toFixed(1)} s (gcp, at once); npm test ${test.seconds.toFixed(1)} s (aws)`);

      // THEN everything passes, and every package meets its coverage threshold
      expect(outcome(test)).toEqual({ status: 0, out: '' });
      const summary = JSON.parse(readFileSync(join(dir, 'coverage', 'coverage-summary.json'), 'utf8')) as Record<string, { lines: { pct: number }; branches: { pct: number } }>;
      console.log(`generated workspace: ${/Tests:\s+(.*)/.exec(test.stderr + test.stdout)?.[1] ?? '?'}; coverage lines ${summary.total!.lines.pct}%, branches ${summary.total!.branches.pct}%`);
      expect(summary.total!.lines.pct).toBeGreaterThanOrEqual(80);
      expect(summary.total!.branches.pct).toBeGreaterThanOrEqual(80);

      // AND npm test wrote the architecture's AsyncAPI document (valid AsyncAPI 3.0 by @asyncapi/parser, listing every
      // publisher and consumer) and each event's JSON Schema, which the Glue registry registers from the
      // next synth on: until then synth --check finds the registry stale
      const asyncapi = readFileSync(join(dir, 'docs', 'asyncapi.yaml'), 'utf8');
      expect(asyncapi).toMatch(/^asyncapi: "3\.0\.0"\n/);
      const parsed = await checkAsyncApi(asyncapi);
      expect([parsed.errors, parsed.fetched]).toEqual([[], []]);
      expect(parsed.send).toEqual(['analytics-processor-send', 'catalog-service-send', 'clickstream-producer-send', 'inventory-service-send', 'legacy-erp-adapter-send', 'order-service-send', 'payment-gateway-send', 'user-service-send']);
      for (const operation of ['order-service-send', 'clickstream-producer-send', 'notification-service-receive-order-service', 'notification-service-receive-payment-gateway', 'realtime-gateway-receive-order-service', 'product-cache-receive-catalog-service', 'analytics-processor-receive-clickstream-producer']) {
        expect(asyncapi).toContain(`\n  ${operation}:\n`);
      }
      expect(JSON.parse(readFileSync(join(dir, 'packages', 'events', 'schemas', 'OrderCreated.json'), 'utf8'))).toMatchObject({ type: 'object', required: ['sagaId'] });
      expect(run('npx', ['--offline', 'allframe', 'synth', '--check'], dir).status).toBe(1);
      expect(await cli(['synth'], dir)).toMatchObject({ code: 0 });
      expect(readFileSync(join(dir, 'infrastructure', 'aws', 'shop-platform-shared.template.json'), 'utf8')).toContain('sagaId');

      // AND the workspace's own tools run through npx with no network fallback: the installed allframe (the tarball,
      // standing in for allframe@<version>) finds the output up to date, and `npx cdk synth` runs the installed CDK
      // CLI, which runs `npx allframe cdk-app` from cdk.json: it bundles every Lambda service from the installed
      // workspace with esbuild (no Docker), one stage per environment of the file
      const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
      expect(lock.packages['node_modules/allframe']).toMatchObject({ version: packed.version, resolved: expect.stringMatching(/^file:.*\.tgz$/) });
      expect(lock.packages['node_modules/aws-cdk']?.version).toBe(repoPackage.devDependencies['aws-cdk']);
      const version = run('npx', ['--offline', 'allframe', '--version'], dir);
      expect({ status: version.status, stdout: version.stdout }).toEqual({ status: 0, stdout: `${packed.version}\n` });
      const check = run('npx', ['--offline', 'allframe', 'synth', '--check'], dir);
      expect(outcome(check)).toEqual({ status: 0, out: '' });
      expect(check.stderr).toMatch(/allframe synth --check: \d+ files up to date/);
      const cdk = run('npx', ['--offline', 'cdk', 'synth', '--quiet'], dir, CDK_ENV);
      console.log(`generated workspace: allframe synth --check ${check.seconds.toFixed(1)} s, cdk synth (allframe cdk-app with bundling) ${cdk.seconds.toFixed(1)} s`);
      expect(outcome(cdk)).toEqual({ status: 0, out: '' });
      const out = join(dir, 'cdk.out');
      const files = readdirSync(out, { recursive: true }).map(String);
      expect(files.filter((f) => /^assembly-(dev|prod)\/(dev|prod)shared[0-9A-F]{8}\.template\.json$/.test(f)).length).toBe(2);
      expect(files.filter((f) => /^assembly-(dev|prod)\//.test(f) && f.endsWith('.template.json')).length).toBeGreaterThan(20);
      const bundles = files.filter((f) => f.endsWith(`${sep}lambda.js`));
      expect(bundles.length).toBeGreaterThanOrEqual(10);
      const bundle = readFileSync(join(out, bundles[0]!), 'utf8');
      expect(bundle).not.toMatch(/require\("@shop-platform\/platform"\)/); // the workspace package is inlined

      // AND npm test wrote each API service's OpenAPI document (committed with the code, untouched by synth --check),
      // which a change to the schemas makes stale until `npm run openapi` writes it again
      const docFile = join(dir, 'services', 'user-service', 'openapi.json');
      expect(JSON.parse(readFileSync(docFile, 'utf8'))).toMatchObject({ openapi: '3.1.0', info: { title: 'user-service' }, components: { schemas: { User: expect.anything(), UserPage: expect.anything() } } });
      const domain = join(dir, 'services', 'user-service', 'src', 'domain', 'user.ts');
      writeFileSync(domain, readFileSync(domain, 'utf8').replace('    name: z.string()', '    nickname: z.string().optional(),\n    name: z.string()'));
      const openApiTest = () => run('npx', ['--offline', 'jest', '--coverage=false', 'services/user-service/test/openapi'], dir);
      const stale = openApiTest();
      expect([stale.status, stale.stderr]).toEqual([1, expect.stringContaining('openapi.json is the OpenAPI document of the routes')]);
      expect(outcome(run('npm', ['run', 'openapi'], dir))).toEqual({ status: 0, out: '' });
      expect(readFileSync(docFile, 'utf8')).toContain('"nickname"');
      expect(outcome(openApiTest())).toEqual({ status: 0, out: '' });

      // AND the GCP workspace (examples/shop-gcp) passes its own npm test: its type-check and ESLint ran above; the tests
      // of its packages whose code is the AWS workspace's passed there, and the others run here
      expect(outcome(gcpChecks)).toEqual({ status: 0, out: '' });
      const loaded = (file: string) => renderText(readFileSync(file, 'utf8')).filter((f) => /^(services\/[^/]+\/(src|test)|packages\/[^/]+\/(src|test))\//.test(f.path) && !/\/src\/entry\//.test(f.path));
      const awsTests = new Map(loaded(join(root, 'examples', 'shop', 'architecture.yaml')).map((f) => [f.path, f.content]));
      const gcpTests = loaded(join(root, 'examples', 'shop-gcp', 'architecture.yaml'));
      const differ = gcpTests.filter((f) => awsTests.get(f.path) !== f.content).map((f) => f.path);
      expect(gcpTests.length).toBeGreaterThan(100);
      // the packages whose code differs from the aws workspace's run their own tests (with their coverage thresholds)
      const packages = [...new Set([...differ, ...[...awsTests.keys()].filter((p) => !gcpTests.some((f) => f.path === p))].map((p) => p.split('/').slice(0, 2).join('/')))].sort();
      console.log(`generated workspace (gcp): type-check and ESLint ${gcpChecks.seconds.toFixed(1)} s; of its ${gcpTests.length} test and source files ${differ.length} differ from the aws workspace's, in ${packages.length > 0 ? packages.join(', ') : 'no package'}`);
      if (packages.length > 0) {
        writeFileSync(
          join(gcp, 'jest.differing.config.js'),
          `const base = require('./jest.config.js');
const packages = ${JSON.stringify(packages)};
module.exports = { ...base, roots: base.roots.filter((r) => packages.some((p) => r.startsWith('<rootDir>/' + p + '/'))), collectCoverageFrom: [...packages.map((p) => p + '/src/**/*.ts'), '!**/src/entry/**'], coverageThreshold: Object.fromEntries(packages.map((p) => ['./' + p + '/src/', { lines: 80, branches: 80 }])) };
`,
        );
        const differing = await runAsync('npx', ['--offline', 'jest', '--config', 'jest.differing.config.js'], gcp);
        expect(outcome(differing)).toEqual({ status: 0, out: '' });
        expect(differing.stderr).toMatch(new RegExp(`Tests:\\s+(\\d+ skipped, )?[1-9]\\d* passed`));
      }
      // every service's container entry bundles as its Dockerfile bundles it (Google clients included) and serves its probes
      expect(existsSync(join(gcp, 'infrastructure', 'gcp', 'default', 'cdk.tf.json'))).toBe(true);
      const images = mkdtempSync(join(tmpdir(), 'allframe-images-'));
      for (const service of readdirSync(join(gcp, 'services'))) {
        const dockerfile = readFileSync(join(gcp, 'services', service, 'Dockerfile'), 'utf8');
        const esbuild = /RUN npx (esbuild .*) --outfile=\/out\/index\.js/.exec(dockerfile)?.[1];
        expect(esbuild).toBeDefined();
        const built = spawnSync('npx', [...esbuild!.split(' '), `--outfile=${join(images, service, 'index.js')}`, '--log-level=error'], { cwd: gcp, encoding: 'utf8' });
        expect({ service, status: built.status, err: built.stderr }).toEqual({ service, status: 0, err: '' });
      }
      const health = await probe(join(images, 'user-service', 'index.js'), { SERVICE_NAME: 'user-service', STORE: 'memory', EVENT_BUS: 'memory', STRIPE_API_KEY: 'test' });
      expect(health).toEqual({ healthz: 200, readyz: 200 });
      rmSync(images, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(gcp, { recursive: true, force: true });
    }
  }, 1_800_000);
});

/** Starts a bundled container entry on a free port (copied alone into an empty directory) and asks its probes. */
async function probe(bundle: string, env: Record<string, string>): Promise<{ healthz: number; readyz: number }> {
  const alone = mkdtempSync(join(tmpdir(), 'allframe-image-'));
  cpSync(bundle, join(alone, 'index.js'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['index.js'], { cwd: alone, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), ...env }, stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      const healthz = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      if (healthz !== 0) return { healthz, readyz: await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0) };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { healthz: 0, readyz: 0 };
  } finally {
    child.kill('SIGTERM');
    rmSync(alone, { recursive: true, force: true });
  }
}
