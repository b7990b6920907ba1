/**
 * The event-sourced service on a real PostgreSQL server (Debian's postgresql, test/postgres.ts; a required referee in
 * CI). The Fly.io twin's ledger service (its event store PostgreSQL) is written out as workspace-tests.test.ts does,
 * and its generated tests of the event store and of the wiring run with TEST_DATABASE_URL set to a fresh cluster, so
 * that their real-server tests, skipped without it, run too: the stores' contract, writers racing at one version,
 * event data kept as jsonb, and a command on the service configured as the targets configure it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type Postgres } from '../postgres';
import { describeWithReferee } from '../referees';
import { workspaceJestConfig, writeWorkspaces } from './workspaces';

const root = join(__dirname, '..', '..');

interface JestResult {
  readonly testResults: { readonly name: string; readonly message: string; readonly assertionResults: { readonly fullName: string; readonly status: string }[] }[];
}

describeWithReferee('pg_ctlcluster', 'the event-sourced service on a real PostgreSQL', () => {
  let pg: Postgres;
  let dir: string;
  beforeAll(() => {
    pg = startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'allframe-es-pg-'));
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the generated tests of the event store and the wiring pass on it, their real-server tests included, and drop their tables', async () => {
    // GIVEN the Fly.io twin's ledger service written out
    writeWorkspaces(dir, [{ name: 'fly-event-sourced', file: join(root, 'fixtures', 'archetypes-fly', 'event-sourced.yaml') }]);
    const tests = 'fly-event-sourced/services/ledger-service/test';
    writeFileSync(join(dir, 'jest.config.json'), JSON.stringify({ ...workspaceJestConfig(dir), testMatch: [`**/${tests}/event-store.test.ts`, `**/${tests}/deps.test.ts`] }));
    // WHEN its tests of the event store and the wiring run with TEST_DATABASE_URL
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', join(dir, 'jest.config.json'), '--json', '--outputFile', join(dir, 'result.json')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TEST_DATABASE_URL: pg.url },
    });
    // THEN both files pass
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JestResult;
    expect(result.testResults.map((r) => r.name.slice(dir.length + 1)).sort()).toEqual([`${tests}/deps.test.ts`, `${tests}/event-store.test.ts`]);
    expect(result.testResults.filter((r) => r.message !== '').map((r) => `${r.name}: ${r.message.slice(0, 2000)}`)).toEqual([]);
    expect(run.status).toBe(0);
    // AND the tests on the real server ran (not skipped) and passed: the contract (5), the race and jsonb (2), the wiring (1)
    const real = result.testResults.flatMap((r) => r.assertionResults).filter((t) => t.fullName.includes('TEST_DATABASE_URL'));
    expect(real.map((t) => t.status)).toEqual(Array<string>(8).fill('passed'));
    // AND they left no table behind
    expect((await pg.pool.query("select tablename from pg_tables where schemaname = 'public'")).rows).toEqual([]);
  }, 120_000);
});
