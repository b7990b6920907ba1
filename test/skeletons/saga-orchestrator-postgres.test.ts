/**
 * Sagas durable on a real PostgreSQL server (Debian's postgresql, test/postgres.ts; a required referee in CI), as
 * they run on Fly.io (STORE=postgres, in the service's process). The Fly.io twin's booking service and the saga
 * without a compensation for every step (fixtures/archetypes) are written out as workspace-tests.test.ts does, and
 * their generated resumption tests run with TEST_DATABASE_URL set to a fresh cluster, so that the real-server ones,
 * skipped without it, run too: each through two pools of its own, as two processes: a saga left by a killed process
 * continues or compensates in reverse order, two processes resuming at once take each saga once, and a process
 * stalled in a step or a compensation past its lease is taken over, the saga ending once. Then the booking service's
 * own server entry runs (tsx, as `allframe dev` runs it) on the database, is killed (SIGKILL) while a step or a
 * compensation waits on a callee, and a new one takes the saga over and ends it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../ports';
import { startPostgres, type Postgres } from '../postgres';
import { describeWithReferee } from '../referees';
import { workspaceJestConfig, writeWorkspaces } from './workspaces';

const root = join(__dirname, '..', '..');

/** A call the booking service made to its callees: the path and the idempotency key. */
interface Call {
  readonly path: string;
  readonly key: string;
}

/** What the callees do with the `nth` call of a path: answer 200, refuse (422, not retried), or hold it unanswered. */
type Behaviour = (path: string, nth: number) => 'answer' | 'refuse' | 'hold';

/** The flight and hotel services on one local port, recording every call; `held` resolves when a call is held. */
async function startCallees(behaviour: Behaviour): Promise<{ url: string; calls: Call[]; held: Promise<void>; close(): Promise<void> }> {
  const calls: Call[] = [];
  let hold: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (hold = resolve));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      calls.push({ path, key: String(req.headers['idempotency-key']) });
      const what = behaviour(path, calls.filter((c) => c.path === path).length);
      if (what === 'hold') return hold();
      res.writeHead(what === 'answer' ? 200 : 422, { 'content-type': 'application/json' }).end(JSON.stringify(what === 'answer' ? { ok: true } : { title: 'refused' }));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 100 ms until it returns a value, for at most `ms`. */
async function until<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface JestResult {
  readonly testResults: { readonly name: string; readonly message: string; readonly assertionResults: { readonly fullName: string; readonly status: string }[] }[];
}

describeWithReferee('pg_ctlcluster', 'sagas resumed on a real PostgreSQL', () => {
  let pg: Postgres;
  let dir: string;
  beforeAll(() => {
    pg = startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'allframe-saga-pg-'));
    // GIVEN the Fly.io booking service (three steps, three compensations) and the rebooking service (an uncompensated step)
    writeWorkspaces(dir, [
      { name: 'fly-saga', file: join(root, 'fixtures', 'archetypes-fly', 'saga-orchestrator.yaml') },
      { name: 'saga', file: join(root, 'fixtures', 'archetypes', 'saga-orchestrator.yaml') },
    ]);
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the generated resumption tests pass on it, their real-server tests included, and drop their tables', async () => {
    const tests = ['fly-saga/services/booking-service/test/resume.test.ts', 'saga/services/rebooking-service/test/resume.test.ts'];
    writeFileSync(join(dir, 'jest.config.json'), JSON.stringify({ ...workspaceJestConfig(dir), testMatch: tests.map((t) => `**/${t}`) }));
    // WHEN they run with TEST_DATABASE_URL
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', join(dir, 'jest.config.json'), '--json', '--outputFile', join(dir, 'result.json')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TEST_DATABASE_URL: pg.url },
    });
    // THEN both files pass
    if (!existsSync(join(dir, 'result.json'))) throw new Error(`jest ended with ${String(run.status)}: ${run.stderr.slice(0, 4000)}`);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JestResult;
    expect(result.testResults.map((r) => r.name.slice(dir.length + 1)).sort()).toEqual(tests);
    expect(result.testResults.filter((r) => r.message !== '').map((r) => `${r.name}: ${r.message.slice(0, 2000)}`)).toEqual([]);
    expect(run.status).toBe(0);
    // AND the tests on the real server ran (not skipped) and passed: the booking service's 7 (a stalled compensation
    // among them), the rebooking service's 7 (its first compensation undoes a step before the last)
    const real = result.testResults.flatMap((r) => r.assertionResults).filter((t) => t.fullName.includes('TEST_DATABASE_URL'));
    expect(real.map((t) => t.status)).toEqual(Array<string>(14).fill('passed'));
    // AND they left no table behind
    expect((await pg.pool.query("select tablename from pg_tables where schemaname = 'public'")).rows).toEqual([]);
  }, 180_000);

  /** The booking service's server entry (src/entry/server.ts) run by tsx, as `allframe dev` runs it, with `env`. */
  async function startService(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const service = join(dir, 'fly-saga', 'services', 'booking-service');
    // tsx resolves the platform package to allframe's source, as the workspace's jest configuration maps it
    writeFileSync(join(service, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, baseUrl: '.', paths: { '@travel-booking/platform': [join(root, 'src', 'skeletons', 'platform', 'src', 'index.ts')] } } }));
    const port = await freePort();
    // tsx as a loader of this very process (its CLI would run the service in a child, which a SIGKILL would miss)
    const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, 'src/entry/server.ts'], {
      cwd: service,
      env: { ...process.env, NODE_PATH: join(root, 'node_modules'), PORT: String(port), STORE: 'postgres', DATABASE_URL: pg.url, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await until(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 60_000, `the service to listen:\n${output}`);
    return { child, url, output: () => output };
  }

  const killed = (child: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  test.each<[string, Behaviour, string, string[], Record<string, unknown>]>([
    [
      'a step waiting on the hotel service: the new process runs the step again and completes the saga',
      (path, nth) => (path === '/reserve-hotel' && nth === 1 ? 'hold' : 'answer'),
      'kill_step',
      ['/reserve-flight', '/reserve-hotel', '/reserve-hotel'],
      { status: 'completed', completed: ['ReserveFlight', 'ReserveHotel', 'ChargeCard'], compensated: [] },
    ],
    [
      'a compensation waiting on the flight service (the hotel refused): the new process runs it again and ends the saga compensated',
      (path, nth) => (path === '/reserve-hotel' ? 'refuse' : path === '/cancel-flight' && nth === 1 ? 'hold' : 'answer'),
      'kill_comp',
      ['/reserve-flight', '/reserve-hotel', '/cancel-flight', '/cancel-flight'],
      { status: 'compensated', completed: ['ReserveFlight'], compensated: ['CancelFlight'] },
    ],
  ])('the server killed (SIGKILL) with %s', async (_, behaviour, prefix, expectedCalls, expectedState) => {
    // GIVEN the callees, and the service on the database with a lease of 2 s
    const callees = await startCallees(behaviour);
    const env = { TABLE_PREFIX: prefix, FLIGHT_SERVICE_URL: callees.url, HOTEL_SERVICE_URL: callees.url, SAGA_LEASE_SECONDS: '2' };
    const first = await startService(env);
    let second: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      // WHEN a saga starts and its process is killed while a call is held
      void fetch(`${first.url}/sagas`, { method: 'POST', body: JSON.stringify({ tripId: 't1' }), headers: { 'content-type': 'application/json' } }).catch(() => undefined);
      await callees.held;
      const row = async () => ((await pg.pool.query(`select data from ${prefix}_sagas`)).rows as { data: Record<string, unknown> }[])[0]?.data;
      const before = (await row())!;
      await killed(first.child, 'SIGKILL');
      // AND a new process starts on the same database
      second = await startService(env);
      // THEN it takes the saga over once the lease has expired, and ends it
      const after = await until(async () => ((await row())?.status === expectedState.status ? row() : undefined), 30_000, `the saga to end:\n${second.output()}`);
      expect(after).toMatchObject({ id: before.id, ...expectedState });
      expect(after!.owner).not.toBe(before.owner);
      // AND the calls were the expected ones, the interrupted one twice with the same idempotency key, nothing else
      expect(callees.calls.map((c) => c.path)).toEqual(expectedCalls);
      expect(callees.calls.map((c) => c.key)).toEqual(expectedCalls.map((p) => `${String(before.id)}:${p.slice(1)}`));
      expect(second.output()).toContain('resuming an interrupted saga');
    } finally {
      if (second) await killed(second.child, 'SIGTERM');
      await killed(first.child, 'SIGKILL');
      await callees.close();
      const { rows } = await pg.pool.query('select tablename from pg_tables where starts_with(tablename, $1)', [prefix]);
      for (const { tablename } of rows as { tablename: string }[]) await pg.pool.query(`drop table ${tablename}`);
    }
  }, 120_000);
});
