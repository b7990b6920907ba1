import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingRefereeError, REFEREES, Referee, isCi, locateReferee, which } from './referees';

const ROOT = join(__dirname, '..');

describe('referees', () => {
  let dir: string;
  let bin: string;
  let empty: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-referees-'));
    bin = join(dir, 'bin');
    empty = join(dir, 'empty');
    mkdirSync(bin);
    mkdirSync(empty);
    for (const tool of Object.keys(REFEREES)) {
      writeFileSync(join(bin, tool), '#!/bin/sh\necho fake\n');
      chmodSync(join(bin, tool), 0o755);
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each(Object.keys(REFEREES) as Referee[])('GIVEN %s is missing from PATH and CI=true WHEN it is located THEN the error names the tool and how to install it', (tool) => {
    // GIVEN
    const env = { PATH: empty, CI: 'true' };
    // WHEN / THEN
    expect(() => locateReferee(tool, env)).toThrow(MissingRefereeError);
    expect(() => locateReferee(tool, env)).toThrow(`${tool} is required in CI (CI=true) but is not on PATH`);
    expect(() => locateReferee(tool, env)).toThrow(/It needs: ((cfn-lint|moto\[server\]) [0-9.]+ \(Python; no Debian package|the Debian package (postgresql|docker-compose|redis-server|nats-server|shellcheck)|the Google Cloud CLI)/);
  });

  test.each(Object.keys(REFEREES) as Referee[])('GIVEN %s is missing from PATH outside CI WHEN it is located THEN its tests are skipped with a reason naming it', (tool) => {
    // GIVEN / WHEN
    const lookup = locateReferee(tool, { PATH: empty });
    const withCiFalse = locateReferee(tool, { PATH: empty, CI: 'false' });
    // THEN
    expect(lookup).toEqual({ found: false, skip: expect.stringContaining(`${tool} is not on PATH, so the tests of ${REFEREES[tool].checks} are skipped`) as unknown });
    expect(withCiFalse.found).toBe(false);
  });

  test('GIVEN a referee on PATH (CI or not) WHEN it is located THEN its path is returned', () => {
    // a directory without the tool, an empty entry and a non-executable file with the name come first
    writeFileSync(join(empty, 'cfn-lint'), 'not executable');
    const path = ['', empty, bin].join(':');
    expect(locateReferee('cfn-lint', { PATH: path, CI: 'true' })).toEqual({ found: true, path: join(bin, 'cfn-lint') });
    expect(locateReferee('moto_server', { PATH: path })).toEqual({ found: true, path: join(bin, 'moto_server') });
  });

  test('CI is on for any value but empty, 0 and false', () => {
    expect([undefined, '', '0', 'false', 'FALSE'].map((CI) => isCi(CI === undefined ? {} : { CI }))).toEqual([false, false, false, false, false]);
    expect(['true', '1', 'yes'].map((CI) => isCi({ CI }))).toEqual([true, true, true]);
  });

  // .ci/referees.sh is what .ci/run calls before the tests: it must name what is missing and fail, and list the
  // same tools as REFEREES. It runs here with a PATH of its own: only `sort` (which it uses) besides what a test
  // puts there, so referees installed on this machine do not count.
  const script = join(ROOT, '.ci', 'referees.sh');
  const bash = which('bash', process.env.PATH ?? '') ?? '/bin/bash';
  let system: string;
  beforeEach(() => {
    system = join(dir, 'system');
    mkdirSync(system);
    symlinkSync(which('sort', process.env.PATH ?? '') ?? '/usr/bin/sort', join(system, 'sort'));
  });
  const sh = (path: string, fn: string) => spawnSync(bash, ['-c', `. "${script}" && ${fn}`], { encoding: 'utf8', env: { PATH: path, HOME: dir } });

  test('GIVEN a PATH without the referees WHEN .ci/referees.sh checks them THEN it fails and names each missing tool', () => {
    // WHEN
    const r = sh(`${empty}:${system}`, 'ensure_referees');
    // THEN
    expect(r.status).toBe(1);
    for (const tool of Object.keys(REFEREES)) expect(r.stderr).toContain(`error: required referee ${tool} is missing`);
  });

  test('GIVEN only moto_server missing WHEN .ci/referees.sh checks THEN only moto_server is named', () => {
    rmSync(join(bin, 'moto_server'));
    const r = sh(`${bin}:${system}`, 'ensure_referees');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: required referee moto_server is missing');
    expect(r.stderr).not.toContain('referee cfn-lint');
  });

  test('GIVEN every referee on PATH WHEN .ci/referees.sh checks THEN it passes', () => {
    const r = sh(`${bin}:${system}`, 'ensure_referees');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('referees: cfn-lint, docker-compose, gcloud, moto_server, nats-server, pg_ctlcluster, redis-server, shellcheck on PATH');
  });

  test('the script lists the same referees as the tests', () => {
    const r = sh(system, 'referee_names');
    expect(r.stdout.trim().split('\n')).toEqual(Object.keys(REFEREES).sort());
  });
});

describe('describeWithReferee in a jest run', () => {
  // A test file that needs moto_server, run by jest with a PATH that lacks it, in CI and outside.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-referee-jest-'));
    writeFileSync(
      join(dir, 'needs-moto.test.ts'),
      `import { describeWithReferee } from ${JSON.stringify(join(__dirname, 'referees'))};\n` +
        `describeWithReferee('moto_server', 'in moto', () => {\n  test('deploys', () => expect(1).toBe(1));\n});\n`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const jest = (ci: boolean) => {
    const config = { rootDir: dir, testEnvironment: 'node', testMatch: ['**/*.test.ts'], transform: { '^.+\\.ts$': [require.resolve('@swc/jest'), {}] } };
    const env: NodeJS.ProcessEnv = { PATH: join(dir, 'no-such-dir'), HOME: dir, ...(ci ? { CI: 'true' } : {}) };
    const r = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--json', '--ci'], { cwd: ROOT, encoding: 'utf8', env });
    const result = JSON.parse(r.stdout) as { numFailedTests: number; numPassedTests: number; numPendingTests: number; testResults: { message: string; assertionResults: { title: string; status: string }[] }[] };
    return { status: r.status, stderr: r.stderr, result };
  };

  test('GIVEN CI=true and moto_server missing WHEN the tests run THEN one test fails with an error naming moto_server', () => {
    const { status, result } = jest(true);
    expect(status).toBe(1);
    expect({ failed: result.numFailedTests, passed: result.numPassedTests, skipped: result.numPendingTests }).toEqual({ failed: 1, passed: 0, skipped: 0 });
    expect(result.testResults[0]?.assertionResults.map((a) => [a.title, a.status])).toEqual([['moto_server is on PATH (a required referee in CI)', 'failed']]);
    expect(result.testResults[0]?.message).toContain('moto_server is required in CI (CI=true) but is not on PATH');
  }, 60_000);

  test('GIVEN no CI and moto_server missing WHEN the tests run THEN they are skipped and the reason is printed', () => {
    const { status, stderr, result } = jest(false);
    expect(status).toBe(0);
    expect({ failed: result.numFailedTests, passed: result.numPassedTests, skipped: result.numPendingTests }).toEqual({ failed: 0, passed: 0, skipped: 1 });
    expect(stderr).toContain('moto_server is not on PATH, so the tests of deploying the synthesized stacks into moto, an offline AWS emulator are skipped (required in CI)');
  }, 60_000);
});
