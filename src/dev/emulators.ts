/**
 * The emulators and servers a local run starts, each a supervised child process on loopback: moto (the AWS APIs),
 * PostgreSQL (a throwaway cluster, trust authentication, one database per service) and Redis (no persistence).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PG_USER } from './constants';
import { answers200, listening, waitUntil, type Supervisor } from './processes';


function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user Debian's package creates.
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startMoto(supervisor: Supervisor, motoServer: string, port: number, env: NodeJS.ProcessEnv): Promise<void> {
  const p = supervisor.start('moto', motoServer, ['-H', '127.0.0.1', '-p', String(port)], { env });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil('moto', () => answers200(`${endpoint}/moto-api/`), { timeoutMs: 30_000, process: p });
}

/** Starts PostgreSQL in `dir` (made here), then runs `setup` with the URL of its `postgres` database. */
export async function startPostgres(
  supervisor: Supervisor,
  tools: { initdb: string; postgres: string },
  dir: string,
  port: number,
  env: NodeJS.ProcessEnv,
  setup: (adminUrl: string) => Promise<void>,
): Promise<void> {
  const data = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const owner = postgresOwner();
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  // (as root, the programs run as the owner directly, not through runuser, which delays every stop by 2 s)
  execFileSync(tools.initdb, ['-D', data, '-A', 'trust', '-U', PG_USER, '--no-sync', '-E', 'UTF8', '--locale=C'], { stdio: 'pipe', ...(owner ?? {}) });
  const p = supervisor.start('postgres', tools.postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-F'], { env, ...(owner !== undefined ? { user: owner } : {}) });
  await waitUntil('postgres', () => listening(port), { timeoutMs: 30_000, process: p });
  await waitUntil('postgres', () => setup(`postgres://${PG_USER}@127.0.0.1:${port}/postgres`).then(() => true), { timeoutMs: 15_000, intervalMs: 200, process: p });
}

export async function startRedis(supervisor: Supervisor, redisServer: string, dir: string, port: number, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const p = supervisor.start('redis', redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { env });
  await waitUntil('redis', () => listening(port), { timeoutMs: 15_000, process: p });
}
