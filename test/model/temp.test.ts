/**
 * The registry of temporary directories (src/model/temp.ts): made under os.tmpdir(), removed when their work is
 * done, and by the CLI's signal handlers on SIGINT and SIGTERM, which then raise the signal again.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLEANUP_SIGNALS, CleanupSignal, installSignalCleanup, makeTempDir, onCleanupSignal, removeTempDirs, tempDirs, tempScope, uninstallSignalCleanup, withTempDir } from '../../src/model/temp';

const ROOT = join(__dirname, '..', '..');
let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'allframe-temp-test-'));
});
afterEach(() => {
  removeTempDirs();
  uninstallSignalCleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('temporary directories', () => {
  test('are made under os.tmpdir() with their prefix, and withTempDir removes its directory on return and on throw', () => {
    // WHEN
    const dir = makeTempDir('allframe-x-');
    let inside = '';
    let thrown = '';
    withTempDir('allframe-y-', (d) => void (inside = d));
    expect(() => withTempDir('allframe-z-', (d) => { thrown = d; throw new Error('boom'); })).toThrow('boom');
    // THEN
    expect(dir.startsWith(join(tmpdir(), 'allframe-x-'))).toBe(true);
    expect(existsSync(dir)).toBe(true);
    expect(inside.startsWith(join(tmpdir(), 'allframe-y-'))).toBe(true);
    expect([existsSync(inside), existsSync(thrown)]).toEqual([false, false]);
    expect(tempDirs()).toEqual([dir]);
  });

  test("a scope removes what was made since it began, and nothing older (one command's directories)", () => {
    const older = makeTempDir('allframe-older-');
    const end = tempScope();
    const mine = makeTempDir('allframe-mine-');
    writeFileSync(join(mine, 'file'), 'x');
    end();
    expect(existsSync(mine)).toBe(false);
    expect(existsSync(older)).toBe(true);
    expect(tempDirs()).toEqual([older]);
  });

  test.each(CLEANUP_SIGNALS)('on %s the handler removes every registered directory, stops handling signals and raises the signal again', (signal) => {
    // GIVEN the CLI's handlers and two directories with content
    installSignalCleanup();
    expect(process.listenerCount(signal)).toBeGreaterThan(0);
    const a = makeTempDir('allframe-a-');
    const b = makeTempDir('allframe-b-');
    mkdirSync(join(b, 'nested'));
    writeFileSync(join(b, 'nested', 'file'), 'x');
    const raised: CleanupSignal[] = [];
    const before = process.listenerCount(signal);

    // WHEN the signal's handler runs (raising recorded instead of ending the test process)
    onCleanupSignal(signal, (s) => raised.push(s));

    // THEN
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);
    expect(tempDirs()).toEqual([]);
    expect(raised).toEqual([signal]);
    expect(process.listenerCount(signal)).toBe(before - 1);
  });
});

describe('allframe synth stopped by SIGTERM', () => {
  test('ends as SIGTERM ends a process, writes nothing, and leaves no temporary directory', async () => {
    // GIVEN an AWS architecture large enough that its synth runs for seconds, and an empty TMPDIR for the process
    const dir = join(tmp, 'project');
    mkdirSync(dir);
    const services = Array.from({ length: 12 }, (_, i) => `  - { name: svc-${i}, type: stateless, domain: { entities: [Item] } }`).join('\n');
    writeFileSync(join(dir, 'architecture.yaml'), `architecture: { name: sig }\nservices:\n${services}\n`);
    const childTmp = join(tmp, 'child');
    mkdirSync(childTmp);
    const ours = () => readdirSync(childTmp).filter((f) => !f.startsWith('tsx-'));
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(require.resolve('tsx')).href, '-e', `require(${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))}).run(['node', 'allframe', 'synth', '--no-validation'])`],
      { cwd: dir, env: { ...process.env, TMPDIR: childTmp, CDK_DISABLE_CLI_TELEMETRY: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));

    // WHEN the synth is under way (its CDK output directory exists), the process gets SIGTERM
    const deadline = Date.now() + 120_000;
    while (ours().length === 0 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(ours().length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const exit = await ended;

    // THEN it ended by SIGTERM (status 143 in a shell), wrote nothing, and removed its temporary directories
    expect({ exit, stderr }).toEqual({ exit: { code: null, signal: 'SIGTERM' }, stderr: '' });
    expect(ours()).toEqual([]);
    expect(existsSync(join(dir, '.allframe'))).toBe(false);
    expect(existsSync(join(dir, 'services'))).toBe(false);
  }, 180_000);
});
