/**
 * A private nats-server for tests, run with the configuration allframe renders for a Fly.io bus app
 * (lib-constructs/fly/nats-bus.ts): on free loopback ports, JetStream in a temporary directory, every password from
 * the environment as on Fly. Debian's `nats-server` on PATH is the referee (test/referees.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_ADMIN_PASSWORD_VARIABLE, NATS_ADMIN_USER } from '../lib-constructs/core/nats-defaults';
import { natsPasswordVariable, renderNatsServerConfig, type NatsBusProps } from '../lib-constructs/fly/nats-bus';

export interface NatsServer {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** The password of each service (its user name), and of the admin user under `_admin`. */
  readonly passwords: Readonly<Record<string, string>>;
  /** `http://127.0.0.1:<monitoring port>` (`/healthz`, `/varz`, `/connz`). */
  readonly monitorUrl: string;
  /** The server's version, from its monitoring endpoint. */
  readonly version: string;
  /** What the server printed so far (its log). */
  log(): string;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same ports and store (a bus deploy): JetStream keeps its streams. */
  restart(): Promise<void>;
}

/**
 * A logger recording its calls (the platform's test fakes import its GraphQL module, whose types bring the DOM
 * library into allframe's own type-check).
 */
export function recordingLogger(): { [K in 'debug' | 'info' | 'warn' | 'error']: jest.Mock } {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

export { freePort };

/** The password of `user` in tests: letters and digits starting with a letter, as the configuration needs. */
function passwordOf(user: string): string {
  return `p${Buffer.from(user).toString('hex')}x`;
}

/** Starts nats-server with the rendered configuration of `props` and waits until its `/healthz` answers ok. */
export async function startNatsServer(props: Omit<NatsBusProps, 'host' | 'port' | 'monitorPort' | 'storeDir'>): Promise<NatsServer> {
  const passwords: Record<string, string> = { [NATS_ADMIN_USER]: passwordOf(NATS_ADMIN_USER) };
  const env: Record<string, string> = { [NATS_ADMIN_PASSWORD_VARIABLE]: passwords[NATS_ADMIN_USER]! };
  for (const s of props.services) {
    passwords[s.name] = passwordOf(s.name);
    env[natsPasswordVariable(s.name)] = passwords[s.name]!;
  }
  return runNatsServer((ports) => renderNatsServerConfig({ ...props, host: '127.0.0.1', ...ports }), env, passwords);
}

/** Starts nats-server with JetStream and no users (as `nats-server -js` on a developer's machine). */
export function startPlainNatsServer(): Promise<NatsServer> {
  return runNatsServer(({ port, monitorPort, storeDir }) => `listen: "127.0.0.1:${port}"\nhttp: "127.0.0.1:${monitorPort}"\njetstream { store_dir: ${JSON.stringify(storeDir)} }\n`, {}, {});
}

/** Runs nats-server with the configuration `config` writes for free ports and a temporary store, once it answers. */
async function runNatsServer(
  config: (at: { port: number; monitorPort: number; storeDir: string }) => string,
  env: Record<string, string>,
  passwords: Record<string, string>,
): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'allframe-nats-'));
  const [port, monitorPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'nats.conf'), config({ port, monitorPort, storeDir: join(dir, 'jetstream') }));
  let output = '';
  /** Starts the process; resolves once it exited with its output read to the end. */
  const start = () => {
    const child = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return { child, closed };
  };
  let running = start();
  const kill = async (): Promise<void> => {
    const { child, closed } = running;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
  };
  const stop = async (): Promise<void> => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  /** Ready when the monitoring endpoint says so (JetStream included); a server that exits fails at once. Its version. */
  const ready = async (): Promise<string> => {
    for (;;) {
      if (running.child.exitCode !== null) throw new Error(`nats-server exited (${running.child.exitCode}):\n${output}`);
      try {
        const health = await fetch(`http://127.0.0.1:${monitorPort}/healthz`);
        if (health.ok) return ((await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { version: string }).version;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const restart = async (): Promise<void> => {
    await kill();
    running = start();
    await ready();
  };
  try {
    const version = await ready();
    return { url: `nats://127.0.0.1:${port}`, monitorUrl: `http://127.0.0.1:${monitorPort}`, passwords, version, log: () => output, stop, restart };
  } catch (err) {
    await stop();
    throw err;
  }
}
