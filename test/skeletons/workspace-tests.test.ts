/**
 * The generated tests of every fixture pass, with 80% line and branch coverage of each service's code and of each
 * events package, run by allframe's own jest without installing anything: the services are written to a temporary
 * folder, their imports of the workspace's dependencies resolve from allframe's devDependencies (the same versions),
 * `@<name>/platform` maps to the platform package's source, as in the generated workspace's jest.config.js (entries
 * left out of coverage, as there), and `@<name>/events` is the workspace's own events package, linked as npm links
 * it. The end-to-end test installs one workspace per target for real. A service whose code and tests are those of
 * a service of an earlier fixture, byte for byte (the aws and gcp twins of most fixtures), runs once
 * (`twinServices`); a test below pins what a twin is. With ALLFRAME_E2E=1 (CI) the examples' workspaces (shop,
 * shop-gcp) are left to the end-to-end test, which installs them and runs the same tests with the same thresholds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAsyncApi } from '../asyncapi';
import { twinServices, workspaceJestConfig, workspaceSources, writeWorkspaces } from './workspaces';

describe('the generated tests of every fixture', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'allframe-workspaces-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('pass, each service and events package at 80% line and branch coverage; their AsyncAPI documents are valid', async () => {
    // GIVEN every fixture's services written out (the examples' left to the end-to-end test when it runs)
    const sources = workspaceSources().filter((s) => process.env.ALLFRAME_E2E !== '1' || !['shop', 'shop-gcp'].includes(s.name));
    writeWorkspaces(dir, sources);
    const { twins } = twinServices(sources);
    const all = readdirSync(dir).flatMap((w) => (existsSync(join(dir, w, 'services')) ? readdirSync(join(dir, w, 'services')).map((s) => `${w}/services/${s}`) : []));
    const services = all.filter((s) => !twins.includes(s));
    const packages = [...services, ...readdirSync(dir).filter((w) => existsSync(join(dir, w, 'packages', 'events'))).map((w) => `${w}/packages/events`)];
    expect(services.length).toBeGreaterThan(40);
    // WHEN their tests run
    const config = {
      ...workspaceJestConfig(dir),
      testMatch: ['**/services/*/test/**/*.test.ts', '**/packages/events/test/**/*.test.ts'],
      collectCoverage: true,
      testPathIgnorePatterns: ['/node_modules/', ...twins.map((s) => `/${s}/`)],
      collectCoverageFrom: ['**/services/*/src/**/*.ts', '**/packages/events/src/**/*.ts', '!**/src/entry/**', ...twins.map((s) => `!${s}/**`)],
      coverageReporters: ['json-summary'],
      coverageDirectory: join(dir, '.coverage'),
      coverageThreshold: Object.fromEntries(packages.map((s) => [`./${s}/src/`, { lines: 80, branches: 80 }])),
    };
    writeFileSync(join(dir, 'jest.config.json'), JSON.stringify(config));
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', join(dir, 'jest.config.json'), '--json', '--outputFile', join(dir, 'result.json'), `--maxWorkers=${process.env.ALLFRAME_WORKSPACE_WORKERS ?? '2'}`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    // THEN every test passes and every service meets the threshold
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { numPassedTests: number; numFailedTests: number; testResults: { name: string; message: string }[] };
    console.log(`generated tests of ${services.length} services (${twins.length} twins of these left out) and ${packages.length - services.length} events packages: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
    expect(result.testResults.filter((r) => r.message !== '').map((r) => `${r.name}: ${r.message.slice(0, 2000)}`)).toEqual([]);
    expect({ status: run.status, thresholds: run.stderr.split('\n').filter((l) => /threshold|Error/.test(l)) }).toEqual({ status: 0, thresholds: [] });
    // AND the AsyncAPI document each events package's test wrote is valid AsyncAPI 3.0 (@asyncapi/parser, offline)
    const documents = readdirSync(dir).filter((w) => existsSync(join(dir, w, 'docs', 'asyncapi.yaml')));
    expect(documents.length).toBeGreaterThan(20);
    let messages = 0;
    for (const w of documents) {
      const check = await checkAsyncApi(readFileSync(join(dir, w, 'docs', 'asyncapi.yaml'), 'utf8'));
      expect({ workspace: w, errors: check.errors, fetched: check.fetched }).toEqual({ workspace: w, errors: [], fetched: [] });
      messages += check.messages.length;
    }
    expect(messages).toBeGreaterThan(40);
  }, 900_000);

  test('a twin is a service generated twice with the same code and tests: the gcp side of shared fixtures, never a service of its own', () => {
    const { of } = twinServices();
    const pairs = [...of].map(([twin, original]) => `${twin} = ${original}`);
    expect(pairs).toContain('shop-gcp/services/user-service = shop/services/user-service');
    expect(pairs).toContain('archetypes-gcp-bff/services/mobile-bff = archetypes-bff/services/mobile-bff');
    // a twin is the same-named service of another source; the first of each kept runs
    for (const [twin, original] of of) {
      expect(twin.split('/services/')[1]).toBe(original.split('/services/')[1]);
      expect(twin.split('/')[0]).not.toBe(original.split('/')[0]);
      expect(of.has(original)).toBe(false);
    }
    // the stateless and event-sourced archetypes generate other code per cloud (their stores), so both run
    const sources = workspaceSources().map((s) => s.name);
    expect(sources).toContain('archetypes-gcp-stateless');
    expect([...of.keys()].filter((t) => t.startsWith('archetypes-gcp-stateless/'))).toEqual([]);
  });
});
