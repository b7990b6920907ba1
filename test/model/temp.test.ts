/**
 * The registry of temporary directories (src/model/temp.ts): made under os.tmpdir(), removed when their work is
 * done, and by the CLI's signal handlers on SIGINT and SIGTERM, which then raise the signal again.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CLEANUP_SIGNALS,
  CleanupSignal,
  installSignalCleanup,
  makeTempDir,
  onCleanupSignal,
  removeTempDirs,
  STALE_AFTER_MS,
  sweepStaleTempDirs,
  TEMP_DIR_NAME,
  tempDirs,
  tempScope,
  uninstallSignalCleanup,
  withTempDir,
} from '../../src/model/temp';

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
    expect(dir.startsWith(join(tmpdir(), `allframe-x-${process.pid}-`))).toBe(true);
    expect(TEMP_DIR_NAME.exec(dir.slice(tmpdir().length + 1))?.[1]).toBe(String(process.pid));
    expect(existsSync(dir)).toBe(true);
    expect(inside.startsWith(join(tmpdir(), `allframe-y-${process.pid}-`))).toBe(true);
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

/** The pid of a process that has ended (a child that exits at once; its pid is not reused within the test). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  return pid;
}

/** A directory `name` under `root` with a file in it, last changed `ageMs` ago. */
function leftDir(root: string, name: string, ageMs: number): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'nested'), { recursive: true });
  writeFileSync(join(dir, 'nested', 'file'), 'x');
  const then = (Date.now() - ageMs) / 1000;
  utimesSync(dir, then, then);
  return dir;
}

describe('directories a killed process left (SIGKILL runs no handler)', () => {
  test("the sweep removes our directories of a process that is gone and older than a minute, and nothing else", () => {
    // GIVEN directories of a dead process (old, and just made), of live processes (this one, and its parent), and
    // directories named otherwise (an allframe before the pid was in the name, another tool's)
    const dead = deadPid();
    const old = STALE_AFTER_MS + 60_000;
    const gone = [leftDir(tmp, `allframe-code-${dead}-Ab12Cd`, old), leftDir(tmp, `allframe-cdk-app-${dead}-zzzzzz`, old)];
    const kept = [
      leftDir(tmp, `allframe-tf-${dead}-a1b2c3`, 5_000),
      leftDir(tmp, `allframe-cdk-${process.pid}-a1b2c3`, old),
      leftDir(tmp, `allframe-cdk-${process.ppid}-a1b2c3`, old),
      leftDir(tmp, 'allframe-code-Ab12Cd', old),
      leftDir(tmp, `other-code-${dead}-Ab12Cd`, old),
      leftDir(tmp, `allframe-code-${dead}-Ab12Cd-x`, old),
    ];
    writeFileSync(join(tmp, `allframe-code-${dead}-fileXX`), 'a file, not a directory');

    // WHEN
    const removed = sweepStaleTempDirs(tmp);

    // THEN
    expect(removed.sort()).toEqual([...gone].sort());
    expect(gone.map(existsSync)).toEqual(gone.map(() => false));
    expect(kept.map(existsSync)).toEqual(kept.map(() => true));
    expect(existsSync(join(tmp, `allframe-code-${dead}-fileXX`))).toBe(true);
  });

  test("a process's first makeTempDir sweeps os.tmpdir(): a dead process's directory goes, a live one's stays", () => {
    // GIVEN in a fresh TMPDIR, an old directory of a dead process and one of this (live) process
    const dead = deadPid();
    const old = STALE_AFTER_MS + 60_000;
    const stale = leftDir(tmp, `allframe-code-${dead}-Ab12Cd`, old);
    const live = leftDir(tmp, `allframe-code-${process.pid}-Ab12Cd`, old);

    // WHEN a fresh process makes its first temporary directory (as a command does) and reports it
    const script = `const t = require(${JSON.stringify(join(ROOT, 'src', 'model', 'temp.ts'))}); process.stdout.write(t.makeTempDir('allframe-cdk-'));`;
    const child = spawnSync(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp },
    });

    // THEN the stale directory is gone, the live process's is kept, and the child's own was removed at its exit
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
    expect(child.stdout.startsWith(join(tmp, 'allframe-cdk-'))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(tmp).filter((f) => !f.startsWith('tsx-'))).toEqual([`allframe-code-${process.pid}-Ab12Cd`]);
  }, 60_000);
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
