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
import { assertTenantId, currentTenant, tenantContext } from './tenant-context';

/** The table of the service's own database that lists its tenants' databases. */
export const TENANT_REGISTRY = 'allframe_tenants';

/** What the service's own database may be called for a database per tenant (see {@link tenantDatabaseName}). */
const BASE_NAME = /^[a-z_][a-z0-9_]{0,43}$/;

/**
 * The database of `tenant` beside the service's database `base`: `<base>_t_<tenant>` (`-` as `_`: tenant ids hold no
 * `_`); a name too long for PostgreSQL's 63 characters is `<base>_h_` and a digest of the tenant id. The service's
 * database name holds neither `_t_` nor `_h_` (TenantDatabases refuses one that does), so no two services' tenants,
 * nor a plain and a digested name, share a database.
 */
export function tenantDatabaseName(base: string, tenant: string): string {
  const name = `${base}_t_${assertTenantId(tenant).replace(/-/g, '_')}`;
  return name.length <= 63 ? name : `${base}_h_${createHash('sha256').update(tenant).digest('hex').slice(0, 60 - base.length)}`;
}

/** SQL states of a statement that found the tenant's database or table gone (offboarded): nothing of it ran. */
const GONE = new Set(['3D000', '42P01']);

/** How long a retired pool (evicted, or of an offboarded tenant) still serves the statements that hold it, in ms. */
const RETIRE_AFTER_MS = 30_000;

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
  private readonly retired = new Map<Promise<ClosablePool>, NodeJS.Timeout>();
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
    if (!BASE_NAME.test(name) || name.includes('_t_') || name.includes('_h_')) {
      throw new Error(`DATABASE_URL must name the service's database for a database per tenant (tenant.isolation database): lowercase letters, digits and _, at most 44 characters, with neither _t_ nor _h_ in it; got ${JSON.stringify(name)}`);
    }
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
          // offboarded by another instance: nothing of the statement ran; start the tenant anew
          this.forget(tenant);
          return (await this.of(tenant)).query(text, values);
        }
      },
    };
  }

  /**
   * A pool whose statements run in the current tenant's existing database, which it never makes: the relay's, which
   * must not bring an offboarded tenant back. A tenant whose database is gone fails with its SQL state (3D000).
   */
  existing(): SqlPool {
    return {
      query: async (text, values) => {
        const tenant = currentTenant();
        if (tenant === undefined) return this.base.query(text, values);
        return (await this.open(tenant)).query(text, values);
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
    const name = tenantDatabaseName(this.baseName, tenant);
    // off the registry first, so that no relay sweeps the database while it goes
    await this.ensureRegistry();
    await this.base.query(`delete from ${TENANT_REGISTRY} where tenant = $1`, [tenant]);
    this.forget(tenant);
    await this.base.query(`drop database if exists "${name}" with (force)`);
  }

  /** Closes every tenant's pool, retired ones included (the service's own pool is its owner's to close). */
  async end(): Promise<void> {
    for (const timer of this.retired.values()) clearTimeout(timer);
    const pools = [...this.pools.values(), ...this.retired.keys()];
    this.pools.clear();
    this.retired.clear();
    this.provisioned.clear();
    await Promise.all(pools.map(async (p) => (await p).end().catch(() => undefined)));
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
        await this.base.query(`create database "${name}"`);
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
      const open = this.options.open ?? ((u: string) => createPostgresPool(u, { ...this.options.pool, max: 2, connectionTimeoutMillis: 10_000 }));
      pool = open(url.toString());
      pool.catch(() => this.pools.delete(tenant));
    }
    this.pools.delete(tenant);
    this.pools.set(tenant, pool);
    if (this.pools.size > (this.options.maxPools ?? 50)) {
      const [oldest, closing] = this.pools.entries().next().value as [string, Promise<ClosablePool>];
      this.pools.delete(oldest);
      this.retire(closing);
    }
    return pool;
  }

  /** Forgets the tenant's database as made here, and retires its pool. */
  private forget(tenant: string): void {
    this.provisioned.delete(tenant);
    const pool = this.pools.get(tenant);
    this.pools.delete(tenant);
    if (pool !== undefined) this.retire(pool);
  }

  /**
   * Ends `pool` once the statements that took it before it was retired are done: ended at once, pg would leave the
   * statements waiting for one of its connections waiting for ever.
   */
  private retire(pool: Promise<ClosablePool>): void {
    const timer = setTimeout(() => {
      this.retired.delete(pool);
      void pool.then((p) => p.end()).catch(() => undefined);
    }, RETIRE_AFTER_MS);
    timer.unref();
    this.retired.set(pool, timer);
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
  /** The outbox as the relay reads it: in each tenant's existing database, never making one. */
  private readonly sweep: PostgresOutbox;
  /** Where the next sweep starts in the registry's list, so that no tenant's backlog holds the others back. */
  private next = 0;

  constructor(
    private readonly databases: TenantDatabases,
    table: string,
  ) {
    super(databases.pool((sql) => new PostgresOutbox(sql, table).ensureTable()), table);
    this.sweep = new PostgresOutbox(databases.existing(), table);
  }

  override async pending(limit: number): Promise<EventEnvelope[]> {
    if (currentTenant() !== undefined) return super.pending(limit);
    const out: EventEnvelope[] = [];
    this.tenantOf.clear();
    const tenants = await this.databases.tenants();
    const start = tenants.length === 0 ? 0 : this.next % tenants.length;
    this.next = start + 1;
    for (const tenant of [...tenants.slice(start), ...tenants.slice(0, start)]) {
      if (out.length >= limit) break;
      let events: EventEnvelope[];
      try {
        events = await tenantContext.run(tenant, () => this.sweep.pending(limit - out.length));
      } catch (err) {
        // offboarded since the registry was read
        if (GONE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      }
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
    for (const [tenant, group] of byTenant) await tenantContext.run(tenant, () => this.sweep.markSent(group));
  }
}
