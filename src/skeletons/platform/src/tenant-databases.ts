/**
 * A PostgreSQL database per tenant (`tenant.isolation: database`): every statement of a tenant's work runs in the
 * tenant's own database on the service's server, made at the tenant's first statement (its onboarding in the service)
 * with every table the service keeps there, the outbox among them, so that a unit of work still commits its state and
 * its events in one statement. The outbox relay, which runs for no tenant, sweeps each tenant's database in turn.
 *
 * The service's own database (DATABASE_URL) keeps what every tenant shares: the registry of the tenants' databases
 * (`allframe_tenants`) and the idempotency records (whose keys are the tenant's). The database user needs CREATEDB.
 */
import { createHash } from 'node:crypto';
import { PostgresOutbox } from './outbox';
import { createPostgresPool, type ClosablePool, type PostgresPoolOptions, type SqlPool } from './postgres';
import type { EventEnvelope } from './events';
import { currentTenant, tenantContext } from './tenant-context';

/** The table of the service's own database that lists its tenants' databases. */
export const TENANT_REGISTRY = 'allframe_tenants';

/**
 * The database of `tenant` beside the service's database `base`: `<base>_t_<tenant>` (`-` as `_`, other characters
 * PostgreSQL would need quoted as `_`); a name too long for PostgreSQL's 63 characters keeps the first 46 characters
 * and a digest of the whole.
 */
export function tenantDatabaseName(base: string, tenant: string): string {
  const name = `${base}_t_${tenant}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (name.length <= 63) return name;
  return `${name.slice(0, 46)}_${createHash('sha256').update(`${base}\n${tenant}`).digest('hex').slice(0, 16)}`;
}

/** SQL states after which a tenant's database or table is gone, or its connection was closed by an offboarding. */
const GONE = new Set(['3D000', '42P01', '57P01', '57P02', '57P03']);

/** Options of {@link TenantDatabases}. */
export interface TenantDatabasesOptions {
  /** How the pools authenticate (as the service's own pool). @default - postgresOptions of the environment, as given */
  readonly pool?: PostgresPoolOptions;
  /**
   * At most this many tenants' pools open at once in this process (each of at most 2 connections); the least recently
   * used is closed first.
   * @default 50
   */
  readonly maxPools?: number;
  /** Opens a pool on a connection string; tests pass their own. @default - a `pg` Pool of at most 2 connections */
  readonly open?: (url: string) => Promise<ClosablePool>;
}

/** The tenants' databases of one service database, and a pool on each, opened as tenants come. */
export class TenantDatabases {
  private readonly base: ClosablePool;
  private readonly baseName: string;
  private readonly setups: ((sql: SqlPool) => Promise<void>)[] = [];
  private readonly provisioned = new Map<string, Promise<void>>();
  private readonly pools = new Map<string, Promise<ClosablePool>>();
  private registry: Promise<void> | undefined;

  /**
   * @param base the pool on the service's own database (DATABASE_URL)
   * @param url its connection string: the tenants' databases are on the same server, for the same user
   */
  constructor(
    base: ClosablePool,
    private readonly url: string,
    private readonly options: TenantDatabasesOptions = {},
  ) {
    this.base = base;
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    if (name === '') throw new Error('DATABASE_URL must name the service\'s database for a database per tenant (tenant.isolation database)');
    this.baseName = name;
  }

  /**
   * A pool whose statements run in the current tenant's database (outside any tenant's work, in the service's own).
   * `setup` makes the pool's table in a tenant's database; every pool's setup runs in each tenant's database when it
   * is made, so the tables a unit of work writes together (the state and the outbox) are there together.
   */
  pool(setup: (sql: SqlPool) => Promise<void>): SqlPool {
    this.setups.push(setup);
    return {
      query: async (text, values) => {
        const tenant = currentTenant();
        if (tenant === undefined) return this.base.query(text, values);
        try {
          return await (await this.of(tenant)).query(text, values);
        } catch (err) {
          if (!GONE.has((err as { code?: string }).code ?? '')) throw err;
          // offboarded by another instance (or this one's pool was closed under it): start the tenant anew
          await this.forget(tenant);
          return (await this.of(tenant)).query(text, values);
        }
      },
    };
  }

  /** The tenants with a database, from the registry. */
  async tenants(): Promise<string[]> {
    await this.ensureRegistry();
    const { rows } = await this.base.query(`select tenant from ${TENANT_REGISTRY} order by tenant`);
    return (rows as { tenant: string }[]).map((r) => r.tenant);
  }

  /**
   * Offboards `tenant`: drops its database and everything in it (closing the connections other instances hold to
   * it), and takes it off the registry. A later request of the tenant starts it anew.
   */
  async drop(tenant: string): Promise<void> {
    await this.forget(tenant);
    await this.base.query(`drop database if exists ${tenantDatabaseName(this.baseName, tenant)} with (force)`);
    await this.ensureRegistry();
    await this.base.query(`delete from ${TENANT_REGISTRY} where tenant = $1`, [tenant]);
  }

  /** Closes every tenant's pool (the service's own pool is its owner's to close). */
  async end(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.provisioned.clear();
    await Promise.all(pools.map(async (p) => (await p).end()));
  }

  /** The tenant's pool, its database made and set up first; now the most recently used. */
  private async of(tenant: string): Promise<ClosablePool> {
    let made = this.provisioned.get(tenant);
    if (made === undefined) {
      made = this.provision(tenant);
      made.catch(() => this.provisioned.delete(tenant));
      this.provisioned.set(tenant, made);
    }
    await made;
    return this.open(tenant);
  }

  private async provision(tenant: string): Promise<void> {
    const name = tenantDatabaseName(this.baseName, tenant);
    await this.ensureRegistry();
    const { rows } = await this.base.query('select 1 from pg_database where datname = $1', [name]);
    if (rows.length === 0) {
      try {
        await this.base.query(`create database ${name}`);
      } catch (err) {
        // another instance made it first
        if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
      }
    }
    const pool = await this.open(tenant);
    for (const setup of this.setups) await setup(pool);
    await this.base.query(`insert into ${TENANT_REGISTRY} (tenant, database) values ($1, $2) on conflict (tenant) do nothing`, [tenant, name]);
  }

  private open(tenant: string): Promise<ClosablePool> {
    let pool = this.pools.get(tenant);
    if (pool === undefined) {
      const url = new URL(this.url);
      url.pathname = `/${tenantDatabaseName(this.baseName, tenant)}`;
      pool = (this.options.open ?? ((u: string) => createPostgresPool(u, { ...this.options.pool, max: 2 })))(url.toString());
      pool.catch(() => this.pools.delete(tenant));
    }
    this.pools.delete(tenant);
    this.pools.set(tenant, pool);
    if (this.pools.size > (this.options.maxPools ?? 50)) {
      const [oldest, closing] = this.pools.entries().next().value as [string, Promise<ClosablePool>];
      this.pools.delete(oldest);
      void closing.then((p) => p.end()).catch(() => undefined);
    }
    return pool;
  }

  private async forget(tenant: string): Promise<void> {
    this.provisioned.delete(tenant);
    const pool = this.pools.get(tenant);
    this.pools.delete(tenant);
    if (pool !== undefined) await (await pool).end().catch(() => undefined);
  }

  private ensureRegistry(): Promise<void> {
    this.registry ??= this.base
      .query(`create table if not exists ${TENANT_REGISTRY} (tenant text primary key, database text not null)`)
      .then(() => undefined)
      .catch((err: unknown) => {
        this.registry = undefined;
        throw err;
      });
    return this.registry;
  }
}

/**
 * The outbox of a service with a database per tenant: a tenant's events are written in the tenant's database, with
 * the state change that raised them; the relay, which runs for no tenant, takes the pending events of each tenant's
 * database in turn (so a relay run costs a statement per tenant) and marks them sent there.
 */
export class TenantDatabaseOutbox extends PostgresOutbox {
  /** The tenant of each event the relay was last given (it marks them sent in that tenant's database). */
  private readonly tenantOf = new Map<string, string>();

  constructor(
    private readonly databases: TenantDatabases,
    table: string,
  ) {
    super(databases.pool((sql) => new PostgresOutbox(sql, table).ensureTable()), table);
  }

  override async pending(limit: number): Promise<EventEnvelope[]> {
    if (currentTenant() !== undefined) return super.pending(limit);
    const out: EventEnvelope[] = [];
    this.tenantOf.clear();
    for (const tenant of await this.databases.tenants()) {
      if (out.length >= limit) break;
      const events = await tenantContext.run(tenant, () => super.pending(limit - out.length));
      for (const e of events) this.tenantOf.set(e.id, tenant);
      out.push(...events);
    }
    return out;
  }

  override async markSent(ids: readonly string[]): Promise<void> {
    if (currentTenant() !== undefined) return super.markSent(ids);
    const byTenant = new Map<string, string[]>();
    for (const id of ids) {
      const tenant = this.tenantOf.get(id);
      if (tenant === undefined) continue;
      byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), id]);
    }
    for (const [tenant, group] of byTenant) await tenantContext.run(tenant, () => super.markSent(group));
  }
}
