/**
 * What every flavour of a local run has alike beside its cloud's emulators: PostgreSQL for the services with a
 * PostgreSQL database or event store (one database each, named as on the cloud), Redis for caches, and the local
 * value of a secret nobody set.
 */
import { join } from 'node:path';
import { databaseName } from '../model/names';
import type { ResolvedArchitecture, ResolvedService } from '../resolve/model';
import { EMULATOR_PORTS, PG_SERVICE_USER, PG_USER } from './constants';
import { createDatabases } from './databases';
import { startPostgres, startRedis } from './emulators';
import type { FlavourContext } from './flavour';
import type { Tool } from './tools';

/** The services with a PostgreSQL database or event store. */
function postgresServices(model: ResolvedArchitecture): ResolvedService[] {
  return model.services.filter((s) => s.database === 'postgres' || s.eventStore === 'postgres');
}

/** The PostgreSQL databases of a local run: one per service that has one. */
export function localDatabases(model: ResolvedArchitecture): string[] {
  return postgresServices(model).map((s) => databaseName(s.name));
}

/** Which servers the architecture needs: PostgreSQL (a database of a service) and Redis (a cache). */
export function localServers(model: ResolvedArchitecture): { readonly postgres: boolean; readonly redis: boolean } {
  return { postgres: postgresServices(model).length > 0, redis: model.services.some((s) => s.kind === 'cache') };
}

/** A secret's value when the environment does not set the variable of its name. */
export function localSecretDefault(variable: string): string {
  return `local-${variable.toLowerCase()}`;
}

/** PostgreSQL and Redis of a run at port `base`, as a flavour takes them into its tools, ports, emulators and start. */
export interface DataServers {
  readonly tools: readonly Tool[];
  readonly ports: readonly (readonly [string, number])[];
  readonly emulators: readonly (readonly [string, string])[];
  readonly notes: readonly string[];
  readonly databaseUrl: (database: string) => string;
  readonly cacheUrl: string;
  /** Starts what the architecture needs, and creates its databases. */
  start(ctx: FlavourContext): Promise<void>;
}

export function dataServers(model: ResolvedArchitecture, base: number): DataServers {
  const { postgres, redis } = localServers(model);
  const pgPort = base + EMULATOR_PORTS.postgres;
  const redisPort = base + EMULATOR_PORTS.redis;
  return {
    tools: [...(postgres ? (['initdb', 'postgres'] as const) : []), ...(redis ? (['redis-server'] as const) : [])],
    ports: [...(postgres ? [['postgres', pgPort] as const] : []), ...(redis ? [['redis', redisPort] as const] : [])],
    emulators: [...(postgres ? [['postgres', `postgres://${PG_USER}@127.0.0.1:${pgPort}`] as const] : []), ...(redis ? [['redis', `redis://127.0.0.1:${redisPort}`] as const] : [])],
    notes: postgres ? [`PostgreSQL: trust authentication on loopback (PG_IAM_AUTH=false), one database per service, owned by ${PG_SERVICE_USER} (no superuser: row-level security holds)`] : [],
    databaseUrl: (db) => `postgres://${PG_SERVICE_USER}@127.0.0.1:${pgPort}/${db}`,
    cacheUrl: `redis://127.0.0.1:${redisPort}`,
    async start({ supervisor, tools, req, state, childEnv }) {
      if (postgres) await startPostgres(supervisor, { initdb: tools.initdb!, postgres: tools.postgres! }, join(state, 'postgres'), pgPort, childEnv, (url) => createDatabases(req, url, localDatabases(model)));
      if (redis) await startRedis(supervisor, tools['redis-server']!, join(state, 'redis'), redisPort, childEnv);
    },
  };
}
