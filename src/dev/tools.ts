/**
 * The programs a local run needs, found before anything starts: a missing one is named with how to install it, all
 * of them in one message.
 */
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type Tool = 'moto_server' | 'postgres' | 'initdb' | 'redis-server' | 'gcloud' | 'nats-server';

/** How to install each tool (on Debian, or from the tool's own distribution where Debian has none). */
export const INSTALL_HINTS: Readonly<Record<Tool, string>> = {
  moto_server: 'the AWS API emulator moto: pipx install "moto[server]" (or pip install "moto[server]")',
  postgres: 'the PostgreSQL server: apt-get install postgresql',
  initdb: 'the PostgreSQL server: apt-get install postgresql',
  'redis-server': 'the Redis server: apt-get install redis-server',
  gcloud: 'the Google Cloud CLI with its emulators: gcloud components install beta pubsub-emulator cloud-firestore-emulator',
  'nats-server': 'the NATS server (JetStream): apt-get install nats-server',
};

/**
 * Directories searched after PATH: where Debian puts the PostgreSQL server's programs, and the system directories
 * (Debian's nats-server is /usr/sbin/nats-server, which a user's PATH often leaves out).
 */
function extraDirs(): string[] {
  const root = '/usr/lib/postgresql';
  const system = ['/usr/local/sbin', '/usr/sbin'];
  if (!existsSync(root)) return system;
  const postgres = readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(b) - Number(a))
    .map((d) => join(root, d, 'bin'));
  return [...postgres, ...system];
}

/** The path of `tool` on PATH (then Debian's PostgreSQL directories), or undefined. */
export function findTool(tool: Tool, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...extraDirs()];
  for (const dir of dirs) {
    const path = join(dir, tool);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Every tool of `tools` that is missing, each with how to install it. */
export class MissingToolsError extends Error {
  constructor(readonly missing: readonly Tool[]) {
    super(['allframe dev needs programs that are not installed:', ...missing.map((t) => `  ${t}: ${INSTALL_HINTS[t]}`)].join('\n'));
    this.name = 'MissingToolsError';
  }
}

/** The paths of `tools`, or MissingToolsError naming every one that is missing. */
export function requireTools(tools: readonly Tool[], env: Readonly<Record<string, string | undefined>> = process.env): Record<Tool, string> {
  const found: Partial<Record<Tool, string>> = {};
  const missing: Tool[] = [];
  for (const tool of [...new Set(tools)]) {
    const path = findTool(tool, env);
    if (path === undefined) missing.push(tool);
    else found[tool] = path;
  }
  if (missing.length > 0) throw new MissingToolsError(missing);
  return found as Record<Tool, string>;
}
