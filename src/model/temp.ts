/**
 * Temporary directories, in one place: every one allframe makes (CDK and cdktf output directories, the placeholder
 * of review code assets) is created here under `os.tmpdir()` and registered, and removed when its work is done, or
 * at the latest when the process ends: on exit, on an error, and, in the CLI, on SIGINT and SIGTERM.
 *
 * Signals: a signal handler keeps Node from being killed outright, and JavaScript runs to completion, so a handler
 * runs only when the running command yields to the event loop (the CLI does between its phases, see
 * `yieldToSignals`). It removes what is registered, then raises the signal again with the default action, so the
 * process ends as a signal ends it (exit status 130 for SIGINT, 143 for SIGTERM in a shell).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const registered = new Set<string>();
let exitHook = false;

/** Remove everything still registered (synchronous: it also runs in the process's `exit` event). */
export function removeTempDirs(): void {
  for (const dir of [...registered]) removeTempDir(dir);
}

/** A fresh directory `<os.tmpdir()>/<prefix>XXXXXX`, removed by `removeTempDir` or at the latest when the process ends. */
export function makeTempDir(prefix: string): string {
  if (!exitHook) {
    process.on('exit', removeTempDirs);
    exitHook = true;
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
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
