import { createHash } from 'node:crypto';
import type { PoolConfig } from 'pg';
import { readConfig } from './config';
import { assertTenantId, currentTenant } from './tenant-context';

/** The part of a `pg` Pool (or Client) the Postgres adapters use; tests pass a fake that records queries. */
export interface SqlPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** One connection checked out of a pool (a `pg` PoolClient): statements on it share its transaction. */
export interface SqlClient extends SqlPool {
  /** Returns the connection to its pool; with an error, the pool discards it instead. */
  release(error?: Error | boolean): void;
}

/** A pool that can be closed, and lend a connection for a transaction. */
export interface ClosablePool extends SqlPool {
  connect(): Promise<SqlClient>;
  end(): Promise<void>;
}

/** Where an IAM auth token is valid: the database endpoint and user it is signed for. */
export interface IamAuthTarget {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  /** @default - the SDK's region chain (AWS_REGION) */
  readonly region?: string;
}

/**
 * Makes IAM auth tokens for one target: on AWS `@aws-sdk/rds-signer`'s Signer fits (tokens valid 15 minutes); on
 * Google Cloud, OAuth2 access tokens of the service's account.
 */
export interface AuthTokenSigner {
  getAuthToken(): Promise<string>;
}

/** Where the database's IAM authentication lives: RDS/Aurora, or Cloud SQL. */
export type IamProvider = 'aws' | 'gcp';

/** The OAuth2 scope of an access token Cloud SQL accepts as the password of an IAM database user. */
export const CLOUD_SQL_LOGIN_SCOPE = 'https://www.googleapis.com/auth/sqlservice.login';

/** How a pool authenticates. */
export interface PostgresPoolOptions {
  /**
   * Authenticate with an IAM token as the password of the connection string's user (a fresh token per connection),
   * over TLS: an RDS/Aurora IAM auth token, or on Cloud SQL (`iamProvider: 'gcp'`) an OAuth2 access token of the
   * service's account, whose database user is the account's email without `.gserviceaccount.com`.
   * @default false
   */
  readonly iamAuth?: boolean;
  /**
   * Whose IAM authentication: `aws` (RDS/Aurora; the server's certificate is verified) or `gcp` (Cloud SQL).
   * @default 'aws'
   */
  readonly iamProvider?: IamProvider;
  /**
   * The Cloud SQL instance's server CA certificate (PEM), with `iamProvider: 'gcp'`: the server's certificate is
   * verified against it (its name is the instance's, not the private IP connected to, so the name is not checked).
   * @default - the connection is encrypted but the server's certificate is not verified
   */
  readonly serverCa?: string;
  /**
   * Region of the database, for the token.
   * @default - the SDK's region chain
   */
  readonly region?: string;
  /**
   * Creates the signer of a target's tokens; tests pass a fake.
   * @default - `Signer` of `@aws-sdk/rds-signer` with the default credential chain; with `iamProvider: 'gcp'`,
   * google-auth-library's application default credentials with the Cloud SQL login scope
   */
  readonly signer?: (target: IamAuthTarget) => AuthTokenSigner | Promise<AuthTokenSigner>;
  /**
   * At most this many connections in the pool.
   * @default 10 (pg's)
   */
  readonly max?: number;
  /**
   * How long a statement waits for a connection of the pool before it fails, in milliseconds.
   * @default - as long as it takes (pg's)
   */
  readonly connectionTimeoutMillis?: number;
}

/**
 * The pool options the environment asks for: PG_IAM_AUTH (a bool, default false), PG_IAM_PROVIDER (aws | gcp,
 * default aws), PG_SERVER_CA (PEM, for gcp) and AWS_REGION.
 */
export function postgresOptionsFrom(env: Record<string, string | undefined>): PostgresPoolOptions {
  const config = readConfig(
    {
      PG_IAM_AUTH: { kind: 'bool', default: 'false' },
      PG_IAM_PROVIDER: { kind: 'string', default: 'aws' },
      PG_SERVER_CA: { kind: 'string', default: '' },
      AWS_REGION: { kind: 'string', default: '' },
    },
    env,
  );
  const provider = config.PG_IAM_PROVIDER;
  if (provider !== 'aws' && provider !== 'gcp') throw new Error(`PG_IAM_PROVIDER must be one of aws, gcp, got ${JSON.stringify(provider)}`);
  return {
    iamAuth: config.PG_IAM_AUTH,
    ...(provider === 'gcp' ? { iamProvider: provider } : {}),
    ...(config.PG_SERVER_CA === '' ? {} : { serverCa: config.PG_SERVER_CA }),
    ...(config.AWS_REGION === '' ? {} : { region: config.AWS_REGION }),
  };
}

async function rdsSigner(target: IamAuthTarget): Promise<AuthTokenSigner> {
  const { Signer } = await import('@aws-sdk/rds-signer');
  return new Signer(target);
}

/** Access tokens of the application default credentials (on Cloud Run, the service's account), cached until they expire. */
async function cloudSqlSigner(): Promise<AuthTokenSigner> {
  const { GoogleAuth } = await import('google-auth-library');
  const auth = new GoogleAuth({ scopes: [CLOUD_SQL_LOGIN_SCOPE] });
  return {
    async getAuthToken() {
      const token = await auth.getAccessToken();
      if (!token) throw new Error('no Google access token for the Cloud SQL IAM login');
      return token;
    },
  };
}

/** TLS of an IAM-authenticated connection: the server verified (RDS), or verified against the instance's CA (Cloud SQL). */
function iamTls(options: PostgresPoolOptions): PoolConfig['ssl'] {
  if (options.iamProvider !== 'gcp') return true;
  if (options.serverCa === undefined) return { rejectUnauthorized: false };
  return { ca: options.serverCa, checkServerIdentity: () => undefined };
}

/**
 * The `pg` pool settings for `connectionString`. With IAM authentication the URL is taken apart (pg lets a
 * connection string's empty password override a password function): the password is a fresh token per
 * connection, made by one signer per pool, and TLS is on.
 */
export function poolConfig(connectionString: string, options: PostgresPoolOptions = {}): PoolConfig {
  const size = { ...(options.max === undefined ? {} : { max: options.max }), ...(options.connectionTimeoutMillis === undefined ? {} : { connectionTimeoutMillis: options.connectionTimeoutMillis }) };
  if (options.iamAuth !== true) return { connectionString, ...size };
  const url = new URL(connectionString);
  const target: IamAuthTarget = {
    hostname: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    username: decodeURIComponent(url.username),
    ...(options.region === undefined ? {} : { region: options.region }),
  };
  if (target.username === '') throw new Error('DATABASE_URL must name the database user to authenticate with IAM (PG_IAM_AUTH)');
  const create = options.signer ?? (options.iamProvider === 'gcp' ? cloudSqlSigner : rdsSigner);
  const database = decodeURIComponent(url.pathname.slice(1));
  let signer: Promise<AuthTokenSigner> | undefined;
  return {
    host: target.hostname,
    port: target.port,
    user: target.username,
    ...(database === '' ? {} : { database }),
    password: async () => (await (signer ??= Promise.resolve(create(target)))).getAuthToken(),
    ssl: iamTls(options),
    ...size,
  };
}

/** Creates a real `pg` Pool for `connectionString`, loading `pg` only when called; it connects on first query. */
export async function createPostgresPool(connectionString: string, options: PostgresPoolOptions = {}): Promise<ClosablePool> {
  const { Pool } = await import('pg');
  const pool = new Pool(poolConfig(connectionString, options));
  // An idle connection the server closed (a restart, a failover, a tenant's database dropped) is an error event on
  // the pool, which already dropped the connection; unheard, Node would end the process on it. The next query opens
  // another connection, and fails there if the server is still away.
  pool.on('error', () => undefined);
  return pool;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** Throws unless `table` is a plain lower-case SQL identifier (table names are interpolated into SQL). */
export function assertTableName(table: string): void {
  if (!TABLE_NAME.test(table)) throw new Error(`invalid table name ${JSON.stringify(table)}`);
}

/** Turns a resource name such as `shop-orders-order` into a valid table name (`shop_orders_order`). */
export function pgTableName(name: string): string {
  const table = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[0-9]/.test(table) ? `_${table}` : table;
}

/** Wraps `pool` so that `setup` (e.g. `create table if not exists`) runs once, before the first query. */
export function withSetup(pool: SqlPool, setup: (pool: SqlPool) => Promise<void>): SqlPool {
  let ready: Promise<void> | undefined;
  return {
    async query(text, values) {
      ready ??= setup(pool).catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
      await ready;
      return pool.query(text, values);
    },
  };
}

/**
 * The PostgreSQL setting that names the tenant a transaction runs for (`current_setting('allframe.tenant', true)`):
 * the row-level security policies of tenant tables compare each row's tenant with it.
 */
export const TENANT_SETTING = 'allframe.tenant';

/** Settings for one transaction, as `[name, value]` pairs; undefined: run the statement as it is. */
type LocalSettings = readonly (readonly [string, string])[] | undefined;

/**
 * `pool`, with each statement for which `settingsOf()` gives settings run in a transaction of its own on one
 * connection, which first makes them with `set_config(name, value, true)`: they end with the transaction and never
 * reach the next user of the connection. A failed statement is rolled back; a connection whose rollback failed (it
 * may still be inside the transaction) is dropped from the pool.
 */
function withLocalSettings(pool: ClosablePool, settingsOf: () => LocalSettings): SqlPool {
  return {
    async query(text, values) {
      const settings = settingsOf();
      if (settings === undefined) return pool.query(text, values);
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        for (const [name, value] of settings) await client.query('select set_config($1, $2, true)', [name, value]);
        const result = await client.query(text, values);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw err;
      } finally {
        client.release(broken ?? false);
      }
    },
  };
}

/**
 * `pool`, with each statement run for the tenant the current work runs for (tenant.isolation row-level on
 * PostgreSQL): in a transaction of its own on one connection, which first sets {@link TENANT_SETTING} with
 * `set_config(..., true)`, so the setting ends with the transaction and never reaches the next user of the
 * connection (a pooled connection serves every tenant in turn). A statement of no tenant's work (start-up, the outbox
 * relay) runs as it is, with no tenant set: the row-level security policies then show it no tenant's rows.
 *
 * Every repository statement is one statement (a unit of work writes its state and outbox rows in one), so a
 * transaction per statement is the unit of work's own transaction; it costs three round trips more per statement.
 *
 * @param tenantOf the current tenant; tests pass their own
 */
export function tenantSessionPool(pool: ClosablePool, tenantOf: () => string | undefined = currentTenant): SqlPool {
  return withLocalSettings(pool, () => {
    const tenant = tenantOf();
    return tenant === undefined ? undefined : [[TENANT_SETTING, tenant]];
  });
}

/**
 * The PostgreSQL schema of a tenant's tables (tenant.isolation schema): `t_` and the tenant id with `-` as `_`
 * (tenant ids hold no `_`, so no two tenants share one); an id too long for PostgreSQL's 63 characters is `h_` and a
 * digest of it (a prefix no plain name has, so no tenant id can be made to name another's schema).
 */
export function tenantSchemaName(tenant: string): string {
  const name = `t_${assertTenantId(tenant).replace(/-/g, '_')}`;
  return name.length <= 63 ? name : `h_${createHash('sha256').update(tenant).digest('hex').slice(0, 40)}`;
}

/** The SQL state of a statement naming a table or schema that does not exist (42P01, 3F000): nothing of it ran. */
const MISSING = new Set(['42P01', '3F000']);

/** Marks a pool whose statements run in the current tenant's schema (a unit of work names the shared tables as public's). */
export const SCHEMA_PER_TENANT = Symbol('allframe.schemaPerTenant');

/**
 * `pool`, with each statement of a tenant's work run in that tenant's own schema (tenant.isolation schema): in a
 * transaction of its own whose `search_path` is the tenant's schema alone ({@link tenantSchemaName}), so the
 * statement's tables are the tenant's and no other: a table missing there is an error, never a table of the same name
 * elsewhere. The tables every tenant shares (the outbox, the idempotency records) stay in `public`: the repositories'
 * statements do not name them, and a unit of work names the outbox as `public.<table>`. A statement of no tenant's
 * work runs as it is.
 *
 * The tenant's schema and its tables are made when the tenant first comes to the service (its onboarding there):
 * `create schema if not exists`, then `setup` with the schema as the search path (the repository's `ensureTable`),
 * once per tenant and process. A statement that finds its tenant's schema or table gone (the tenant was offboarded,
 * {@link dropTenantSchema}, by another instance) makes them again and runs once more: nothing of it had run.
 *
 * @param setup makes the repository's tables, given a pool whose statements run in the tenant's schema
 * @param tenantOf the current tenant; tests pass their own
 */
export function tenantSchemaPool(pool: ClosablePool, setup: (sql: SqlPool) => Promise<void>, tenantOf: () => string | undefined = currentTenant): SqlPool {
  const ready = new Map<string, Promise<void>>();
  const inSchema = (tenant: string) => withLocalSettings(pool, () => [['search_path', tenantSchemaName(tenant)]]);
  const prepare = (tenant: string): Promise<void> => {
    let made = ready.get(tenant);
    if (made === undefined) {
      made = (async () => {
        await createSchema(pool, tenantSchemaName(tenant));
        await setup(inSchema(tenant));
      })();
      made.catch(() => ready.delete(tenant));
      ready.set(tenant, made);
    }
    return made;
  };
  return {
    [SCHEMA_PER_TENANT]: true,
    async query(text, values) {
      const tenant = tenantOf();
      if (tenant === undefined) return pool.query(text, values);
      await prepare(tenant);
      try {
        return await inSchema(tenant).query(text, values);
      } catch (err) {
        if (!MISSING.has((err as { code?: string }).code ?? '')) throw err;
        ready.delete(tenant);
        await prepare(tenant);
        return inSchema(tenant).query(text, values);
      }
    },
  } as SqlPool;
}

/** Whether `pool` runs a tenant's statements in the tenant's schema ({@link tenantSchemaPool}). */
export function isSchemaPerTenant(pool: SqlPool): boolean {
  return (pool as { [SCHEMA_PER_TENANT]?: boolean })[SCHEMA_PER_TENANT] === true;
}

/** `create schema if not exists`, which two instances making the same tenant's schema at once may both try. */
async function createSchema(pool: SqlPool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists ${schema}`);
  } catch (err) {
    // the other instance's creation won the race (a unique violation on the catalogue, or the schema exists)
    if (!['23505', '42P06'].includes((err as { code?: string }).code ?? '')) throw err;
  }
}

/**
 * Offboards `tenant` from a service whose tenants have schemas of their own: drops the tenant's schema and every
 * table in it (`drop schema ... cascade`). The tenant's data is gone; a later request of the tenant starts it anew.
 */
export async function dropTenantSchema(pool: SqlPool, tenant: string): Promise<void> {
  await pool.query(`drop schema if exists ${tenantSchemaName(tenant)} cascade`);
}
