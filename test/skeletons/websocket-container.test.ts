/**
 * The WebSocket gateway's container serves the connections itself (Fly.io, Cloud Run, `allframe dev`): the Fly.io twin
 * of the fixture is written out, in each authorization mode, as workspace-tests.test.ts does, and its generated
 * test/websocket.test.ts runs the real server (startContainer, as src/entry/server.ts starts it) with a WebSocket
 * client: POST /broadcast and the heartbeat reach the client, a close unregisters it, a dead client is dropped, the
 * connection limit answers 503 and a refused authorization 401.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceJestConfig, writeWorkspaces } from './workspaces';

const root = join(__dirname, '..', '..');
const MODES = ['jwt', 'api-key', 'none'] as const;

interface JestResult {
  readonly numPassedTests: number;
  readonly testResults: { readonly name: string; readonly message: string; readonly assertionResults: { readonly fullName: string; readonly status: string }[] }[];
}

describe('the WebSocket gateway on a container', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'allframe-websocket-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('serves the WebSocket connections itself, in every authorization mode (the generated test/websocket.test.ts passes)', () => {
    // GIVEN the Fly.io twin written out once per authorization mode
    const fixture = readFileSync(join(root, 'fixtures', 'archetypes-fly', 'websocket-gateway.yaml'), 'utf8');
    expect(fixture).toContain('authorization: jwt');
    const sources = MODES.map((mode) => {
      const file = join(dir, `${mode}.yaml`);
      writeFileSync(file, fixture.replace('authorization: jwt', `authorization: ${mode}`));
      return { name: `fly-websocket-${mode}`, file };
    });
    writeWorkspaces(dir, sources);
    const tests = sources.map(({ name }) => `${name}/services/live-updates/test/websocket.test.ts`);
    writeFileSync(join(dir, 'jest.config.json'), JSON.stringify({ ...workspaceJestConfig(dir), testMatch: tests.map((t) => `**/${t}`) }));
    // WHEN their WebSocket tests run
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', join(dir, 'jest.config.json'), '--json', '--outputFile', join(dir, 'result.json'), '--runInBand'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    // THEN the three files pass, every test of each
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as JestResult;
    expect(result.testResults.map((r) => r.name.slice(dir.length + 1)).sort()).toEqual([...tests].sort());
    expect(result.testResults.filter((r) => r.message !== '').map((r) => `${r.name}: ${r.message.slice(0, 2000)}`)).toEqual([]);
    expect(run.status).toBe(0);
    const statuses = result.testResults.flatMap((r) => r.assertionResults.map((t) => t.status));
    expect(statuses.length).toBeGreaterThanOrEqual(MODES.length * 6);
    expect(statuses.filter((s) => s !== 'passed')).toEqual([]);
  }, 180_000);
});
