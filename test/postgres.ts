/**
 * A private PostgreSQL server for tests: a fresh cluster in a temporary directory (initdb, trust authentication,
 * C collation, no fsync), listening only on a Unix socket in that directory, started with pg_ctl and removed
 * afterwards. Uses the server binaries of Debian's `postgresql` package (/usr/lib/postgresql/<major>/bin); its
 * `pg_ctlcluster` on PATH is the referee (test/referees.ts). As root, the server runs as the `postgres` user, as
 * PostgreSQL refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';

export interface Postgres {
  /** A pool on the server's `postgres` database, as the superuser `allframe`. */
  readonly pool: Pool;
  /** The connection string of the same database (over the Unix socket), for a program of its own. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The newest PostgreSQL server's bin directory that Debian installed. */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server under ${root}: apt-get install postgresql`);
  return join(root, majors[0]!, 'bin');
}

export function startPostgres(): Postgres {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'allframe-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, tool), args, { stdio: 'pipe' });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'allframe', '--no-sync', '-E', 'UTF8', '--locale=C']);
  run('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-k ${dir} -c listen_addresses= -F -p 5432`, 'start']);
  const pool = new Pool({ host: dir, port: 5432, user: 'allframe', database: 'postgres', max: 4 });
  return {
    pool,
    url: `postgresql://allframe@localhost:5432/postgres?host=${encodeURIComponent(dir)}`,
    async stop() {
      await pool.end();
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
