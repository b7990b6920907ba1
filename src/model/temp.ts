/**
 * Temporary directories, in one place: every one allframe makes (CDK and cdktf output directories, the placeholder
 * of review code assets) is created here under `os.tmpdir()` and registered, and removed when its work is done, or
 * at the latest when the process ends: on exit, on an error, and, in the CLI, on SIGINT and SIGTERM.
 *
 * Signals: a signal handler keeps Node from being killed outright, and JavaScript runs to completion, so a handler
 * runs only when the running command yields to the event loop (the CLI does between its phases, see
 * `yieldToSignals`). It removes what is registered, then raises the signal again with the default action, so the
 * process ends as a signal ends it (exit status 130 for SIGINT, 143 for SIGTERM in a shell).
 *
 * SIGKILL (and a crash of Node itself) runs nothing, so a directory can be left behind. Each directory's name holds
 * the id of the process that made it (`allframe-code-<pid>-XXXXXX`), and the first `makeTempDir` of a process sweeps
 * `os.tmpdir()` for directories of that form whose process is gone (`sweepStaleTempDirs`).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const registered = new Set<string>();
let exitHook = false;
let swept = false;

/**
 * The name of a directory `makeTempDir` makes: `allframe-<words>-<pid>-<6 characters of mkdtemp>`. Only names of
 * this form are ever swept (a directory of another tool, or one made by an allframe before the pid was in the
 * name, is never touched).
 */
export const TEMP_DIR_NAME = /^allframe-[a-z]+(?:-[a-z]+)*-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * How long a directory must have been left unchanged before it can be swept: a directory is removed only when its
 * process is gone and it is older than this, so a process whose pid is reused (or one in another pid namespace
 * sharing the temporary directory) does not lose a directory it has just made.
 */
export const STALE_AFTER_MS = 60_000;

/** Whether the process `pid` exists: signal 0 checks without sending; ESRCH is "no such process", EPERM a live process of another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Remove the directories under `root` that a process killed outright left behind: named by `makeTempDir`
 * (`TEMP_DIR_NAME`), of a process that no longer exists, not ours, and last changed more than `STALE_AFTER_MS`
 * before `now`. Best effort: a directory it cannot read or remove (another user's) is left. Returns those removed.
 */
export function sweepStaleTempDirs(root: string = tmpdir(), now: number = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = TEMP_DIR_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    const dir = join(root, name);
    try {
      const stat = statSync(dir);
      if (!stat.isDirectory() || now - stat.mtimeMs < STALE_AFTER_MS) continue;
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

const cleanups = new Set<() => void>();

/**
 * Run `cleanup` where registered directories are removed (on exit, on a signal in the CLI), unless the returned
 * function unregisters it first: for what is not a directory under `os.tmpdir()`, such as files staged in the
 * output's .allframe/tmp/ by a synth that a signal stops before it writes. Synchronous, like removeTempDirs.
 */
export function registerCleanup(cleanup: () => void): () => void {
  if (!exitHook) {
    process.on('exit', removeTempDirs);
    exitHook = true;
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Remove everything still registered, and run the registered cleanups (synchronous: it also runs in the process's `exit` event). */
export function removeTempDirs(): void {
  for (const dir of [...registered]) removeTempDir(dir);
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort, as removing a directory is
    }
  }
}

/**
 * A fresh directory `<os.tmpdir()>/<prefix><pid>-XXXXXX` (`prefix` like `allframe-code-`), removed by
 * `removeTempDir` or at the latest when the process ends. The first one of a process first sweeps what killed
 * processes left (`sweepStaleTempDirs`).
 */
export function makeTempDir(prefix: string): string {
  if (!exitHook) {
    process.on('exit', removeTempDirs);
    exitHook = true;
  }
  if (!swept) {
    swept = true;
    sweepStaleTempDirs();
  }
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  registered.add(dir);
  return dir;
}

/** Remove a directory made by `makeTempDir` (and forget it). */
export function removeTempDir(dir: string): void {
  registered.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** `fn(dir)` with a fresh temporary directory that is removed when `fn` returns or throws. */
export function withTempDir<T>(prefix: string, fn: (dir: string) => T): T {
  const dir = makeTempDir(prefix);
  try {
    return fn(dir);
  } finally {
    removeTempDir(dir);
  }
}

/** The directories registered now (tests). */
export function tempDirs(): readonly string[] {
  return [...registered];
}

/** Mark the directories registered now; the returned function removes those registered since (one command's). */
export function tempScope(): () => void {
  const before = new Set(registered);
  return () => {
    for (const dir of [...registered]) if (!before.has(dir)) removeTempDir(dir);
  };
}

export type CleanupSignal = 'SIGINT' | 'SIGTERM';
export const CLEANUP_SIGNALS: readonly CleanupSignal[] = ['SIGINT', 'SIGTERM'];

/**
 * What the CLI's signal handlers do: remove the registered directories, stop handling the signals, and raise the
 * signal again so that its default action ends the process. `raise` is for tests.
 */
export function onCleanupSignal(signal: CleanupSignal, raise: (signal: CleanupSignal) => void = (s) => process.kill(process.pid, s)): void {
  removeTempDirs();
  uninstallSignalCleanup();
  raise(signal);
}

const listeners = new Map<CleanupSignal, () => void>();

/** Handle SIGINT and SIGTERM with `onCleanupSignal` (the CLI; a library leaves signals to its host). Idempotent. */
export function installSignalCleanup(): void {
  for (const signal of CLEANUP_SIGNALS) {
    if (listeners.has(signal)) continue;
    const listener = () => onCleanupSignal(signal);
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
}

export function uninstallSignalCleanup(): void {
  for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  listeners.clear();
}

/** One turn of the event loop, so that pending signals are handled before the next phase (writing files). */
export function yieldToSignals(): Promise<void> {
  return new Promise((done) => setImmediate(done));
}
