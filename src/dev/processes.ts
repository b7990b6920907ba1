/**
 * The processes of a local run (emulators and services), supervised: every line they print goes to one log, prefixed
 * with its source; they stop together, politely first (SIGTERM, then SIGKILL after a grace period), and a process
 * that ends by itself while the run is up is reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { basename } from 'node:path';
import { processAlive } from '../model/temp';

/** One line a process printed. */
export interface LogLine {
  readonly source: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Run as this user (allframe running as root starts PostgreSQL as its owner). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/** A supervised process. */
export interface Supervised {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Whether it has ended. */
  readonly ended: boolean;
}

export class Supervisor {
  private readonly processes = new Map<string, Supervised>();
  private stopping = false;
  /** Kills what is still running if allframe itself ends without stopping them (an error, process.exit). */
  private readonly onExit = (): void => void this.killAll();

  /**
   * @param log receives every line every process prints
   * @param onUnexpectedExit told when a process ends while the run is up (not while stopping)
   */
  /**
   * @param recordFile where the running processes are recorded (pid and command), so that a run killed outright
   *   (SIGKILL: nothing of it runs) leaves what the next run stops first (`reapRecorded`)
   */
  constructor(
    private readonly log: (line: LogLine) => void,
    private readonly onUnexpectedExit: (name: string, code: number | string) => void = () => undefined,
    private readonly recordFile?: string,
  ) {}

  private record(): void {
    if (this.recordFile === undefined) return;
    const running = [...this.processes.values()].filter((p) => !p.ended && p.child.pid !== undefined).map((p) => ({ pid: p.child.pid!, command: p.child.spawnfile }));
    if (running.length === 0) rmSync(this.recordFile, { force: true });
    else writeFileSync(this.recordFile, JSON.stringify(running) + '\n');
  }

  start(name: string, command: string, args: readonly string[], options: StartOptions): Supervised {
    if (this.processes.size === 0) process.on('exit', this.onExit);
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(options.user ?? {}) });
    let ended = false;
    const exited = new Promise<number | string>((resolve) => {
      child.on('error', (e) => {
        this.log({ source: name, stream: 'stderr', text: `cannot start ${command}: ${e.message}` });
        ended = true;
        resolve('error');
      });
      child.on('exit', (code, signal) => {
        ended = true;
        const result = code ?? signal ?? 'unknown';
        if (!this.stopping) this.onUnexpectedExit(name, result);
        resolve(result);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const text of lines) if (text.trim() !== '') this.log({ source: name, stream, text });
      });
      child[stream]?.on('end', () => {
        if (rest.trim() !== '') this.log({ source: name, stream, text: rest });
        rest = '';
      });
    }
    const supervised: Supervised = {
      name,
      child,
      exited,
      get ended() {
        return ended;
      },
    };
    this.processes.set(name, supervised);
    this.record();
    void exited.then(() => this.record());
    return supervised;
  }

  get(name: string): Supervised | undefined {
    return this.processes.get(name);
  }

  /** Stops one process: SIGTERM to its process group, SIGKILL after `graceMs`. */
  async stopOne(name: string, graceMs = 5000): Promise<void> {
    const p = this.processes.get(name);
    if (p === undefined || p.ended) return;
    const wasStopping = this.stopping;
    this.stopping = true;
    try {
      await terminate(p, graceMs, this.log);
    } finally {
      this.stopping = wasStopping;
    }
  }

  /** Kills one process outright (SIGKILL), as a crash or a power cut would end it. */
  async killOne(name: string): Promise<void> {
    const p = this.processes.get(name);
    if (p === undefined || p.ended) return;
    const wasStopping = this.stopping;
    this.stopping = true;
    signalGroup(p.child, 'SIGKILL');
    await p.exited;
    this.stopping = wasStopping;
  }

  /** Stops every process, politely first: those named in `first` (the services) together, then the others (the emulators). */
  async stopAll(graceMs = 5000, first: ReadonlySet<string> = new Set()): Promise<void> {
    this.stopping = true;
    const all = [...this.processes.values()];
    await Promise.all(all.filter((p) => first.has(p.name)).map((p) => terminate(p, graceMs, this.log)));
    await Promise.all(all.filter((p) => !first.has(p.name)).map((p) => terminate(p, graceMs, this.log)));
    process.off('exit', this.onExit);
  }

  /** Kills every process outright (the second Ctrl-C); resolves once they have all ended. */
  killAll(): Promise<void> {
    this.stopping = true;
    for (const p of this.processes.values()) if (!p.ended) signalGroup(p.child, 'SIGKILL');
    process.off('exit', this.onExit);
    return Promise.all([...this.processes.values()].map((p) => p.exited)).then(() => undefined);
  }

  /** The process ids of the process groups running now (each process leads its own group). */
  pids(): number[] {
    return [...this.processes.values()].filter((p) => !p.ended && p.child.pid !== undefined).map((p) => p.child.pid!);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function terminate(p: Supervised, graceMs: number, log: (line: LogLine) => void): Promise<void> {
  if (p.ended) return;
  signalGroup(p.child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
  const result = await Promise.race([p.exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    log({ source: 'allframe', stream: 'stderr', text: `${p.name} did not stop within ${graceMs / 1000} s of SIGTERM: killed` });
    signalGroup(p.child, 'SIGKILL');
    await p.exited;
  }
}

/**
 * Kills the process groups an earlier run recorded in `file` and left running (it was killed outright), each only if
 * its pid still runs a program of the recorded name (Linux's /proc tells; elsewhere it is left alone), then removes
 * the file.
 * Returns how many it killed.
 */
export async function reapRecorded(file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  let recorded: { pid: number; command: string }[] = [];
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; command: string }[];
  } catch {
    // a torn record: nothing to trust in it
  }
  let killed = 0;
  for (const { pid, command } of recorded) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    // by the program's name: a launcher (pyenv's shim for moto_server) may have replaced itself with an interpreter
    // (and a server that retitles itself, as redis-server does to "redis-server 127.0.0.1:PORT", keeps its name first)
    if (!cmdline.split('\0').some((arg) => basename(arg.split(' ')[0]!) === basename(command))) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile
    }
    for (let i = 0; i < 50 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 40));
  }
  rmSync(file, { force: true });
  return killed;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until `ready()` answers true, checking every `intervalMs`, or fails after `timeoutMs` (or as soon as the
 * process ends) with a message naming `what`.
 */
export async function waitUntil(what: string, ready: () => Promise<boolean>, options: { timeoutMs: number; intervalMs?: number; process?: Supervised }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.process?.ended === true) throw new Error(`${what}: the process ended before it was ready (its output is above)`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${Math.round(options.timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/** Whether GET `url` answers 200. */
export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status === 200;
}
