import type { Pool } from 'pg';
import {
  assertTableName,
  createPostgresPool,
  pgTableName,
  poolConfig,
  dropTenantSchema,
  postgresOptionsFrom,
  tenantSchemaName,
  tenantSchemaPool,
  tenantSessionPool,
  withSetup,
  type ClosablePool,
  type IamAuthTarget,
} from '../src/postgres';
import { fakePool } from './fakes';

const googleAuths: unknown[] = [];
const accessTokens = ['ya29.first', 'ya29.second', null];
jest.mock('google-auth-library', () => ({
  GoogleAuth: class {
    constructor(options: unknown) {
      googleAuths.push(options);
    }
    getAccessToken() {
      return Promise.resolve(accessTokens.shift());
    }
  },
}));

// Compile-time check: a real pg Pool fits the port.
export const realPoolFits = (pool: Pool): ClosablePool => pool;

describe('postgres helpers', () => {
  it('accepts plain lower-case identifiers only', () => {
    // GIVEN / WHEN / THEN
    expect(() => assertTableName('orders_2')).not.toThrow();
    for (const bad of ['Orders', 'a-b', '1a', 'a;drop', '']) expect(() => assertTableName(bad)).toThrow('invalid table name');
  });

  it('derives table names from resource names', () => {
    expect(pgTableName('Shop-Orders-order')).toBe('shop_orders_order');
    expect(pgTableName('3d-prints')).toBe('_3d_prints');
  });

  it('runs the setup once before the first query, and again after it failed', async () => {
    // GIVEN a setup failing once
    const pool = fakePool();
    const setup = jest.fn<Promise<void>, [unknown]>().mockRejectedValueOnce(new Error('no db')).mockResolvedValue(undefined);
    const prepared = withSetup(pool, setup);
    // WHEN three queries run
    await expect(prepared.query('select 1')).rejects.toThrow('no db');
    await Promise.all([prepared.query('select 2', [1]), prepared.query('select 3')]);
    // THEN the setup ran twice in all (failed, then once for both) and the failed query never reached the pool
    expect(setup).toHaveBeenCalledTimes(2);
    expect(pool.calls.map((c) => c.text)).toEqual(['select 2', 'select 3']);
  });

  it('creates a real pool lazily, without connecting', async () => {
    // GIVEN / WHEN a pool is created (pg connects only on the first query)
    const pool = await createPostgresPool('postgres://u:p@127.0.0.1:1/db');
    // THEN it can be ended cleanly
    await expect(pool.end()).resolves.toBeUndefined();
  });
});

describe('IAM authentication', () => {
  const url = 'postgresql://app@db.cluster-x.eu-west-1.rds.amazonaws.com:5433/orders?sslmode=require';
  const password = (config: { password?: unknown }) => (config.password as () => Promise<string>)();

  /** A signer factory that records its targets and numbers its tokens. */
  function fakeSigner() {
    const targets: IamAuthTarget[] = [];
    let n = 0;
    const signer = (target: IamAuthTarget) => {
      targets.push(target);
      return { getAuthToken: () => Promise.resolve(`token-${++n}`) };
    };
    return { targets, signer };
  }

  it('is off by default: the connection string is used as it is', () => {
    expect(poolConfig(url)).toEqual({ connectionString: url });
    expect(poolConfig(url, { iamAuth: false })).toEqual({ connectionString: url });
  });

  it('uses a fresh token per connection as the password, from one signer, over TLS', async () => {
    // GIVEN IAM authentication with a fake signer
    const { targets, signer } = fakeSigner();
    const config = poolConfig(url, { iamAuth: true, region: 'eu-west-1', signer });
    // THEN the URL's parts, no connection string (its empty password would win), and TLS
    expect(config).toMatchObject({ host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: 5433, user: 'app', database: 'orders', ssl: true });
    expect(config.connectionString).toBeUndefined();
    // WHEN two connections ask for the password
    await expect(password(config)).resolves.toBe('token-1');
    await expect(password(config)).resolves.toBe('token-2');
    // THEN each got its own token, signed for the endpoint and user, by one signer
    expect(targets).toEqual([{ hostname: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: 5433, username: 'app', region: 'eu-west-1' }]);
  });

  it('defaults the port to 5432 and the database to the user (pg), the region to the SDK chain', async () => {
    const { targets, signer } = fakeSigner();
    const config = poolConfig('postgres://app%2Bro@db.local', { iamAuth: true, signer });
    expect(config).toMatchObject({ host: 'db.local', port: 5432, user: 'app+ro' });
    expect(config).not.toHaveProperty('database');
    await password(config);
    expect(targets).toEqual([{ hostname: 'db.local', port: 5432, username: 'app+ro' }]);
  });

  it('needs the user in the URL', () => {
    expect(() => poolConfig('postgres://db.local/x', { iamAuth: true })).toThrow('DATABASE_URL must name the database user');
  });

  it('signs with @aws-sdk/rds-signer by default', async () => {
    // GIVEN credentials in the environment (the first link of the default chain)
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    try {
      // WHEN a connection asks for the password
      const token = await password(poolConfig(url, { iamAuth: true, region: 'eu-west-1' }));
      // THEN it is a presigned rds-db connect request for the user
      expect(token).toMatch(/^db\.cluster-x\.eu-west-1\.rds\.amazonaws\.com:5433\/\?Action=connect&DBUser=app&/);
      expect(token).toContain('X-Amz-Credential=AKIDEXAMPLE%2F');
      expect(token).toContain('%2Feu-west-1%2Frds-db%2Faws4_request');
    } finally {
      process.env = saved;
    }
  });

  it('reads PG_IAM_AUTH, PG_IAM_PROVIDER, PG_SERVER_CA and AWS_REGION from the environment', () => {
    expect(postgresOptionsFrom({})).toEqual({ iamAuth: false });
    expect(postgresOptionsFrom({ PG_IAM_AUTH: 'true', AWS_REGION: 'eu-west-1' })).toEqual({ iamAuth: true, region: 'eu-west-1' });
    expect(postgresOptionsFrom({ PG_IAM_AUTH: 'true', PG_IAM_PROVIDER: 'aws' })).toEqual({ iamAuth: true });
    expect(postgresOptionsFrom({ PG_IAM_AUTH: 'true', PG_IAM_PROVIDER: 'gcp', PG_SERVER_CA: 'PEM' })).toEqual({ iamAuth: true, iamProvider: 'gcp', serverCa: 'PEM' });
    expect(() => postgresOptionsFrom({ PG_IAM_AUTH: 'maybe' })).toThrow('PG_IAM_AUTH');
    expect(() => postgresOptionsFrom({ PG_IAM_PROVIDER: 'azure' })).toThrow('PG_IAM_PROVIDER must be one of aws, gcp, got "azure"');
  });

  it('creates a real pool with IAM authentication, without connecting', async () => {
    const pool = await createPostgresPool(url, { iamAuth: true, signer: fakeSigner().signer });
    await expect(pool.end()).resolves.toBeUndefined();
  });
});

describe('IAM authentication on Cloud SQL (PG_IAM_PROVIDER=gcp)', () => {
  const url = 'postgres://orders-sa%40shop-prod.iam@10.20.0.3/orders';
  const password = (config: { password?: unknown }) => (config.password as () => Promise<string>)();

  it('uses an access token of the service account with the Cloud SQL login scope, asked for per connection', async () => {
    // GIVEN IAM authentication on Cloud SQL with the default signer
    const config = poolConfig(url, { iamAuth: true, iamProvider: 'gcp' });
    // THEN the URL's parts, the IAM user (the account's email without .gserviceaccount.com), and TLS
    expect(config).toMatchObject({ host: '10.20.0.3', port: 5432, user: 'orders-sa@shop-prod.iam', database: 'orders' });
    expect(config.connectionString).toBeUndefined();
    // WHEN two connections ask for the password
    await expect(password(config)).resolves.toBe('ya29.first');
    await expect(password(config)).resolves.toBe('ya29.second');
    // THEN each got the token google-auth-library had then, from one GoogleAuth with the login scope
    expect(googleAuths).toEqual([{ scopes: ['https://www.googleapis.com/auth/sqlservice.login'] }]);
    // AND no token is an error, not an empty password
    await expect(password(config)).rejects.toThrow('no Google access token');
  });

  it('encrypts, verifying the server against the instance CA when given (not the name: the IP differs from it)', () => {
    const plain = poolConfig(url, { iamAuth: true, iamProvider: 'gcp' });
    expect(plain.ssl).toEqual({ rejectUnauthorized: false });
    const verified = poolConfig(url, { iamAuth: true, iamProvider: 'gcp', serverCa: '-----BEGIN CERTIFICATE-----' });
    expect(verified.ssl).toMatchObject({ ca: '-----BEGIN CERTIFICATE-----' });
    const check = (verified.ssl as { checkServerIdentity: () => unknown }).checkServerIdentity;
    expect(check()).toBeUndefined();
    expect(poolConfig(url, { iamAuth: true }).ssl).toBe(true);
  });
});

describe('tenantSessionPool (row-level security on PostgreSQL)', () => {
  /** A pool lending connections that record their statements; `fail` names the statements that throw. */
  function lendingPool(fail: (text: string) => boolean = () => false) {
    const log: string[] = [];
    const released: (Error | boolean | undefined)[] = [];
    const answer = (who: string) => (text: string, values?: unknown[]) => {
      log.push(`${who}: ${text}${values === undefined ? '' : ` ${JSON.stringify(values)}`}`);
      return fail(text) ? Promise.reject(new Error(`${text} failed`)) : Promise.resolve({ rows: [{ text }] });
    };
    const pool: ClosablePool = {
      query: answer('pool'),
      connect: () => Promise.resolve({ query: answer('client'), release: (error?: Error | boolean) => void released.push(error) }),
      end: () => Promise.resolve(),
    };
    return { pool, log, released };
  }

  it('runs a tenant\'s statement in a transaction of its own that sets the tenant first, then gives the connection back', async () => {
    // GIVEN a tenant's work
    const { pool, log, released } = lendingPool();
    const sql = tenantSessionPool(pool, () => 'acme');
    // WHEN it runs a statement
    const result = await sql.query('select data from items where id = $1', ['acme:1']);
    // THEN begin, the tenant set for the transaction only, the statement, commit; its rows come back
    expect(result.rows).toEqual([{ text: 'select data from items where id = $1' }]);
    expect(log).toEqual([
      'client: begin',
      'client: select set_config($1, $2, true) ["allframe.tenant","acme"]',
      'client: select data from items where id = $1 ["acme:1"]',
      'client: commit',
    ]);
    expect(released).toEqual([false]);
  });

  it('runs a statement of no tenant\'s work as it is, on the pool', async () => {
    const { pool, log } = lendingPool();
    await tenantSessionPool(pool, () => undefined).query('select 1');
    expect(log).toEqual(['pool: select 1']);
  });

  it('rolls a failed statement back and gives the connection back; one whose rollback failed is dropped', async () => {
    // GIVEN a statement that fails
    const failing = lendingPool((text) => text.startsWith('insert'));
    await expect(tenantSessionPool(failing.pool, () => 'acme').query('insert into items values (1)')).rejects.toThrow('insert into items values (1) failed');
    expect(failing.log.slice(-1)).toEqual(['client: rollback']);
    expect(failing.released).toEqual([false]);
    // AND a connection that cannot even roll back (it may still hold the tenant's transaction)
    const broken = lendingPool((text) => text.startsWith('insert') || text === 'rollback');
    await expect(tenantSessionPool(broken.pool, () => 'acme').query('insert into items values (1)')).rejects.toThrow('insert into items values (1) failed');
    expect(broken.released).toEqual([new Error('rollback failed')]);
  });
});

describe('tenantSchemaPool (a schema per tenant on PostgreSQL)', () => {
  /** A pool whose statements are logged; `fail(text)` gives the SQL state a statement fails with, once each. */
  function schemaPool(fail: (text: string) => string | undefined = () => undefined) {
    const log: string[] = [];
    const failed = new Set<string>();
    const answer = (who: string) => (text: string, values?: unknown[]) => {
      log.push(`${who}: ${text}${values === undefined ? '' : ` ${JSON.stringify(values)}`}`);
      const code = failed.has(text) ? undefined : fail(text);
      if (code === undefined) return Promise.resolve({ rows: [] });
      failed.add(text);
      return Promise.reject(Object.assign(new Error(`${text}: ${code}`), { code }));
    };
    const pool: ClosablePool = { query: answer('pool'), connect: () => Promise.resolve({ query: answer('client'), release: () => undefined }), end: () => Promise.resolve() };
    return { pool, log };
  }
  const setup = (sql: { query(text: string): Promise<unknown> }) => sql.query('create table if not exists items (id text primary key, data jsonb not null)').then(() => undefined);
  const inSchema = (schema: string, text: string) => ['client: begin', `client: select set_config($1, $2, true) ["search_path","${schema}"]`, `client: ${text}`, 'client: commit'];

  it('names a tenant\'s schema after it, within PostgreSQL\'s 63 characters', () => {
    expect(tenantSchemaName('acme-eu')).toBe('t_acme_eu');
    const long = tenantSchemaName('a'.repeat(63));
    expect(long).toMatch(/^h_[0-9a-f]{40}$/);
    expect(() => tenantSchemaName('a; drop schema public')).toThrow('invalid tenant id');
    expect(tenantSchemaName('a'.repeat(62) + 'b')).not.toBe(long);
  });

  it('makes the tenant\'s schema and tables at its first statement, then runs each statement with the schema alone on the search path', async () => {
    const { pool, log } = schemaPool();
    const sql = tenantSchemaPool(pool, setup, () => 'acme');
    await sql.query('select data from items');
    await sql.query('select data from items where id = $1', ['1']);
    expect(log).toEqual([
      'pool: create schema if not exists t_acme',
      ...inSchema('t_acme', 'create table if not exists items (id text primary key, data jsonb not null)'),
      ...inSchema('t_acme', 'select data from items'),
      ...inSchema('t_acme', 'select data from items where id = $1 ["1"]'),
    ]);
  });

  it('runs a statement of no tenant\'s work in public, as it is', async () => {
    const { pool, log } = schemaPool();
    await tenantSchemaPool(pool, setup, () => undefined).query('select 1');
    expect(log).toEqual(['pool: select 1']);
  });

  it('makes the schema again when it is gone (offboarded elsewhere), and takes another instance\'s race to make it as made', async () => {
    // GIVEN a statement that finds its table gone, once; and a schema another instance made at the same moment
    const { pool, log } = schemaPool((text) => (text === 'select data from items' ? '42P01' : text.startsWith('create schema') ? '42P06' : undefined));
    const sql = tenantSchemaPool(pool, setup, () => 'acme');
    await sql.query('select data from items');
    // THEN the schema and table are made again and the statement runs once more
    expect(log.filter((l) => l.startsWith('pool:') || l.includes('items'))).toEqual([
      'pool: create schema if not exists t_acme',
      'client: create table if not exists items (id text primary key, data jsonb not null)',
      'client: select data from items',
      'pool: create schema if not exists t_acme',
      'client: create table if not exists items (id text primary key, data jsonb not null)',
      'client: select data from items',
    ]);
  });

  it('passes other failures on; a tenant whose schema could not be made is tried again at its next statement', async () => {
    const { pool, log } = schemaPool((text) => (text.startsWith('create schema') ? '42501' : text === 'select 2' ? '22P02' : undefined));
    const sql = tenantSchemaPool(pool, setup, () => 'acme');
    await expect(sql.query('select 1')).rejects.toThrow('42501');
    await sql.query('select 1');
    await expect(sql.query('select 2')).rejects.toThrow('22P02');
    expect(log.filter((l) => l.startsWith('pool:'))).toEqual(['pool: create schema if not exists t_acme', 'pool: create schema if not exists t_acme']);
  });

  it('offboards a tenant by dropping its schema and everything in it', async () => {
    const pool = fakePool();
    await dropTenantSchema(pool, 'acme-eu');
    expect(pool.calls).toEqual([{ text: 'drop schema if exists t_acme_eu cascade', values: undefined }]);
  });
});
