/**
 * The container entries that take their events from NATS JetStream on Fly.io, on a real nats-server (Debian's, a
 * required referee in CI): the stream processor's input, the cache's invalidation and the WebSocket gateway's
 * subscribed events. The Fly.io twins of the three are written out as workspace-tests.test.ts does, and their
 * generated JetStream tests, skipped without TEST_NATS_URL, run with it set to a server with JetStream: an event
 * published on the bus is processed once / invalidates its keys / is broadcast by every instance, and a message that
 * is no event is dead-lettered after NATS_MAX_DELIVER deliveries (the durables; a broadcast has no dead letters).
 * The bus's permissions for the same platform calls are test/platform/nats.test.ts's and nats-bus.test.ts's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlainNatsServer, type NatsServer } from '../nats';
import { describeWithReferee } from '../referees';
import { workspaceJestConfig, writeWorkspaces } from './workspaces';

const root = join(__dirname, '..', '..');

interface JestResult {
  readonly testResults: { readonly name: string; readonly message: string; readonly assertionResults: { readonly fullName: string; readonly status: string }[] }[];
}

const TWINS = [
  ['fly-stream-processor', 'stream-processor', 'fraud-scorer'],
  ['fly-cache', 'cache', 'session-cache'],
  ['fly-websocket-gateway', 'websocket-gateway', 'live-updates'],
] as const;

describeWithReferee('nats-server', 'the JetStream entries on a real nats-server', () => {
  let server: NatsServer;
  let dir: string;
  beforeAll(async () => {
    server = await startPlainNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'allframe-jetstream-'));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the generated JetStream tests of the stream processor, the cache and the WebSocket gateway pass on it, their real-server tests included', () => {
    // GIVEN the three Fly.io twins written out
    writeWorkspaces(dir, TWINS.map(([name, fixture]) => ({ name, file: join(root, 'fixtures', 'archetypes-fly', `${fixture}.yaml`) })));
    const tests = TWINS.map(([name, , service]) => `${name}/services/${service}/test/jetstream.test.ts`);
    writeFileSync(join(dir, 'jest.config.json'), JSON.stringify({ ...workspaceJestConfig(dir), testMatch: tests.map((t) => `**/${t}`) }));
    // WHEN they run with TEST_NATS_URL
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', join(dir, 'jest.config.json'), '--json', '--outputFile', join(dir, 'result.json'), '--runInBand'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TEST_NATS_URL: server.url },
    });
    // THEN the three files pass
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JestResult;
    expect(result.testResults.map((r) => r.name.slice(dir.length + 1)).sort()).toEqual([...tests].sort());
    expect(result.testResults.filter((r) => r.message !== '').map((r) => `${r.name}: ${r.message.slice(0, 2000)}`)).toEqual([]);
    expect(run.status).toBe(0);
    // AND their tests on the real server ran (not skipped) and passed, one per entry
    const real = result.testResults.flatMap((r) => r.assertionResults).filter((t) => t.fullName.includes('TEST_NATS_URL'));
    expect(real.map((t) => `${t.fullName.split(' on a real')[0]}: ${t.status}`).sort()).toEqual([
      'the JetStream input: passed',
      'the JetStream invalidation: passed',
      'the subscribed events from JetStream: passed',
    ]);
  }, 180_000);
});
