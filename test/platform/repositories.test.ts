/**
 * Pagination and compare-and-set on real backends, each a required referee in CI: a DynamoDB API (moto_server), a
 * PostgreSQL server (Debian's postgresql, test/postgres.ts) and Google's Firestore emulator (gcloud,
 * test/gcp/firestore-emulator.ts). The generated services' repositories (src/skeletons/platform) walk pages by cursor,
 * with and without a filter, and return every item exactly once; their `putIf` writes only at the expected value, one
 * writer of several racing; the CRDT documents' log (websocket.crdt) takes concurrent writers without a loss or a gap
 * and compacts into one snapshot; row-level tenant isolation (TenantScopedRepository) lets no tenant read, list, page
 * or change another's items, and on PostgreSQL its row-level security (the tenant set per transaction, the policy
 * forced on the table's owner, a database user without BYPASSRLS) holds SQL of the user's own to the tenant's rows
 * too. The in-memory, Firestore and fake-scan runs of the same contracts are the platform's own
 * tests (src/skeletons/platform/test/page.test.ts, repository.test.ts).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createFirestore } from '../../src/skeletons/platform/src/firestore';
import { Pool } from 'pg';
import { createLogger } from '../../src/skeletons/platform/src/logger';
import { OutboxRelay, PostgresOutbox } from '../../src/skeletons/platform/src/outbox';
import { TenantDatabaseOutbox, TenantDatabases } from '../../src/skeletons/platform/src/tenant-databases';
import { dropTenantSchema, tenantSchemaName, tenantSchemaPool, tenantSessionPool } from '../../src/skeletons/platform/src/postgres';
import { DynamoDbRepository, FirestoreRepository, PostgresRepository, TENANT_POLICY } from '../../src/skeletons/platform/src/repository';
import { runWithTenant } from '../../src/skeletons/platform/src/tenant';
import { TenantScopedRepository } from '../../src/skeletons/platform/src/tenant-repository';
import { createUnitOfWork } from '../../src/skeletons/platform/src/unit-of-work';
import { closePools, createMessaging, createRepository } from '../../src/skeletons/platform/src/wiring';
import { describePageContract, type PagedItem } from '../../src/skeletons/platform/test/page-contract';
import { describePutIfContract, type RevisedItem } from '../../src/skeletons/platform/test/put-if-contract';
import { describeCrdtStoreContract } from '../../src/skeletons/platform/test/crdt-contract';
import { describeTenantIsolationContract, type TenantItem } from '../../src/skeletons/platform/test/tenant-isolation-contract';
import type { CrdtEntry } from '../../src/skeletons/platform/src/crdt';
import { startFirestoreEmulator, type FirestoreEmulator } from '../gcp/firestore-emulator';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_REGION, startMoto, type Moto } from '../aws/moto';
import { startPostgres, type Postgres } from '../postgres';
import { describeWithReferee } from '../referees';

describeWithReferee('moto_server', 'DynamoDB pages on moto', () => {
  let moto: Moto;
  let client: DynamoDBClient;
  let tables = 0;

  beforeAll(async () => {
    moto = await startMoto();
    client = new DynamoDBClient({ endpoint: moto.endpoint, region: MOTO_DEFAULT_REGION, credentials: MOTO_CREDENTIALS });
  }, 30_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  // A fresh table per repository: the partition key `pk`, as the targets create it.
  const freshTable = async <T extends { id: string }>() => {
    const name = `items-${++tables}`;
    await client.send(new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
    return new DynamoDbRepository<T>(DynamoDBDocumentClient.from(client), name);
  };
  describePageContract('DynamoDbRepository on moto', () => freshTable<PagedItem>());
  describePutIfContract('DynamoDbRepository on moto', () => freshTable<RevisedItem>());
  describeCrdtStoreContract('DynamoDbRepository on moto', () => freshTable<CrdtEntry>());
  describeTenantIsolationContract('DynamoDbRepository on moto', () => freshTable<TenantItem & { tenant: string }>());
});

describeWithReferee('pg_ctlcluster', 'PostgreSQL pages on a real server', () => {
  let pg: Postgres;
  let tables = 0;
  beforeAll(() => {
    pg = startPostgres();
  }, 60_000);
  afterAll(async () => pg?.stop());

  // A fresh table per repository, as the generated services create it.
  const freshTable = async <T extends { id: string }>() => {
    const repo = new PostgresRepository<T>(pg.pool, `items_${++tables}`);
    await repo.ensureTable();
    return repo;
  };
  describePageContract('PostgresRepository on PostgreSQL', () => freshTable<PagedItem>());
  describePutIfContract('PostgresRepository on PostgreSQL', () => freshTable<RevisedItem>());
  describeCrdtStoreContract('PostgresRepository on PostgreSQL', () => freshTable<CrdtEntry>());
  describeTenantIsolationContract('PostgresRepository on PostgreSQL', () => freshTable<TenantItem & { tenant: string }>());

  describe('tenants on PostgreSQL: row-level security (tenant.isolation row-level), a schema per tenant (schema)', () => {
    // The service's own database user: no superuser, no BYPASSRLS, owner of the tables it creates (so the policy
    // holds only because it is forced on the owner).
    let service: Pool;
    beforeAll(async () => {
      await pg.pool.query('create role service login nosuperuser nobypassrls');
      await pg.pool.query('grant create, usage on schema public to service');
      // (schema isolation: the service makes its tenants' schemas, as the owner of its database may)
      await pg.pool.query('grant create on database postgres to service');
      service = new Pool({ connectionString: pg.url.replace('allframe@', 'service@'), max: 2 });
    });
    afterAll(async () => service?.end());

    const freshTenantTable = async <T extends { id: string }>(tenantOf?: () => string | undefined) => {
      const table = `tenant_items_${++tables}`;
      const sql = tenantSessionPool(service, tenantOf);
      await new PostgresRepository(service, table, { rowLevelSecurity: true }).ensureTable();
      return { table, sql, repo: new PostgresRepository<T>(sql, table, { rowLevelSecurity: true }) };
    };
    describeTenantIsolationContract('PostgresRepository with row-level security', async () => (await freshTenantTable<TenantItem & { tenant: string }>()).repo);

    const rowsOf = async (sql: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> }, text: string) => ((await sql.query(text)).rows as { data: { name: string } }[]).map((r) => r.data.name).sort();

    it('lets SQL of the user\'s own on the table see and change the current tenant\'s rows only', async () => {
      const { table, sql, repo } = await freshTenantTable<TenantItem & { tenant: string }>();
      const items = new TenantScopedRepository<TenantItem>(repo);
      await runWithTenant('tenant-a', async () => {
        await items.put({ id: 'a1', name: 'a-1' });
        await items.put({ id: 'a2', name: 'a-2' });
      });
      await runWithTenant('tenant-b', () => items.put({ id: 'b1', name: 'b-1' }));

      // every row is there (the superuser is not held by policies)
      expect(await rowsOf(pg.pool, `select data from ${table}`)).toEqual(['a-1', 'a-2', 'b-1']);
      // a statement with no where clause sees its tenant's rows only; with no tenant, none
      expect(await runWithTenant('tenant-b', () => rowsOf(sql, `select data from ${table}`))).toEqual(['b-1']);
      expect(await runWithTenant('tenant-a', () => rowsOf(sql, `select data from ${table}`))).toEqual(['a-1', 'a-2']);
      expect(await rowsOf(sql, `select data from ${table}`)).toEqual([]);
      // B can neither write a row as A's, nor change or delete A's rows
      await expect(runWithTenant('tenant-b', () => sql.query(`insert into ${table} (id, data) values ('tenant-a:x', '{"name":"forged","tenant":"tenant-a"}')`))).rejects.toThrow(/row-level security/);
      await expect(runWithTenant('tenant-b', () => sql.query(`update ${table} set data = jsonb_set(data, '{tenant}', '"tenant-a"')`))).rejects.toThrow(/row-level security/);
      await runWithTenant('tenant-b', () => sql.query(`update ${table} set data = jsonb_set(data, '{name}', '"changed"')`));
      await runWithTenant('tenant-b', () => sql.query(`delete from ${table}`));
      expect(await rowsOf(pg.pool, `select data from ${table}`)).toEqual(['a-1', 'a-2']);
      // the table's security, forced on its owner
      const { rows } = await pg.pool.query('select relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) as owner from pg_class where relname = $1', [table]);
      expect(rows).toEqual([{ relrowsecurity: true, relforcerowsecurity: true, owner: 'service' }]);
    });

    it('sets the tenant per transaction: it never outlives the statement on a pooled connection, and a failed statement rolls back', async () => {
      const one = new Pool({ connectionString: pg.url.replace('allframe@', 'service@'), max: 1 });
      try {
        const table = `tenant_items_${++tables}`;
        await new PostgresRepository(one, table, { rowLevelSecurity: true }).ensureTable();
        const sql = tenantSessionPool(one);
        await runWithTenant('tenant-a', () => sql.query(`insert into ${table} (id, data) values ('tenant-a:1', '{"name":"a-1","tenant":"tenant-a"}')`));
        // the one connection, used next with no tenant: the setting is gone
        const { rows } = await sql.query("select coalesce(current_setting('allframe.tenant', true), '') as tenant");
        expect(rows).toEqual([{ tenant: '' }]);
        // a statement that fails inside the tenant's transaction is rolled back, and the connection serves the next tenant
        await expect(runWithTenant('tenant-a', () => sql.query(`insert into ${table} (id, data) values ('tenant-a:1', '{"name":"again","tenant":"tenant-a"}')`))).rejects.toThrow(/duplicate key/);
        expect(await runWithTenant('tenant-b', () => rowsOf(sql, `select data from ${table}`))).toEqual([]);
        expect(await runWithTenant('tenant-a', () => rowsOf(sql, `select data from ${table}`))).toEqual(['a-1']);
        // ensureTable again (every start-up) keeps one policy
        await new PostgresRepository(one, table, { rowLevelSecurity: true }).ensureTable();
        const policies = await pg.pool.query('select policyname from pg_policies where tablename = $1', [table]);
        expect(policies.rows).toEqual([{ policyname: TENANT_POLICY }]);
      } finally {
        await one.end();
      }
    });

    it('commits a unit of work (the tenant\'s row and its outbox rows in one statement) in the tenant\'s transaction', async () => {
      const { table, repo } = await freshTenantTable<TenantItem & { tenant: string }>();
      const outbox = new PostgresOutbox(service, `outbox_${tables}`);
      await outbox.ensureTable();
      const items = new TenantScopedRepository<TenantItem>(repo);
      const work = createUnitOfWork<TenantItem>(items, { outbox, emit: () => Promise.reject(new Error('the outbox is written, nothing published')) });
      const event = { id: 'e-1', type: 'ItemCreated', source: 'items', time: '2026-12-07T00:00:00.000Z', tenant: 'tenant-a', data: {} };
      await runWithTenant('tenant-a', () => work.commit({ put: { id: 'x', name: 'a-x' }, events: [event as never] }));
      expect(await rowsOf(pg.pool, `select data from ${table}`)).toEqual(['a-x']);
      expect((await pg.pool.query(`select id, status from outbox_${tables}`)).rows).toEqual([{ id: 'e-1', status: 'pending' }]);
      // the relay reads the outbox with no tenant: the outbox is no tenant table
      expect((await service.query(`select count(*)::int as n from outbox_${tables}`)).rows).toEqual([{ n: 1 }]);
    });

    describe('a schema per tenant (tenant.isolation schema)', () => {
      const freshSchemaTable = <T extends { id: string }>(pool: Pool = service) => {
        const table = `schema_items_${++tables}`;
        const sql = tenantSchemaPool(pool, (s) => new PostgresRepository(s, table).ensureTable());
        return { table, sql, repo: new PostgresRepository<T>(sql, table) };
      };
      describeTenantIsolationContract('PostgresRepository with a schema per tenant', () => Promise.resolve(freshSchemaTable<TenantItem & { tenant: string }>().repo));

      it('keeps each tenant\'s rows in its own schema, made at its first statement; SQL of the user\'s own sees its tenant\'s table only', async () => {
        const { table, sql, repo } = freshSchemaTable<TenantItem & { tenant: string }>();
        const items = new TenantScopedRepository<TenantItem>(repo);
        await runWithTenant('tenant-a', () => items.put({ id: 'a1', name: 'a-1' }));
        await runWithTenant('tenant-b', () => items.put({ id: 'b1', name: 'b-1' }));
        // each tenant's table in its schema, owned by the service's user; none in public
        expect(await rowsOf(pg.pool, `select data from t_tenant_a.${table}`)).toEqual(['a-1']);
        expect(await rowsOf(pg.pool, `select data from t_tenant_b.${table}`)).toEqual(['b-1']);
        const where = await pg.pool.query('select schemaname, tableowner from pg_tables where tablename = $1 order by 1', [table]);
        expect(where.rows).toEqual([
          { schemaname: 't_tenant_a', tableowner: 'service' },
          { schemaname: 't_tenant_b', tableowner: 'service' },
        ]);
        // a statement without a where clause reaches its tenant's table only
        expect(await runWithTenant('tenant-b', () => rowsOf(sql, `select data from ${table}`))).toEqual(['b-1']);
        await runWithTenant('tenant-b', () => sql.query(`delete from ${table}`));
        expect(await rowsOf(pg.pool, `select data from t_tenant_a.${table}`)).toEqual(['a-1']);
      });

      it('commits a unit of work in the tenant\'s table, with its outbox rows in the shared outbox, in one statement', async () => {
        const { table, repo } = freshSchemaTable<TenantItem & { tenant: string }>();
        const outbox = new PostgresOutbox(service, `schema_outbox_${tables}`);
        await outbox.ensureTable();
        const work = createUnitOfWork<TenantItem>(new TenantScopedRepository<TenantItem>(repo), { outbox, emit: () => Promise.reject(new Error('the outbox is written, nothing published')) });
        const event = { id: 'e-2', type: 'ItemCreated', source: 'items', time: '2026-12-07T00:00:00.000Z', tenant: 'tenant-c', data: {} };
        await runWithTenant('tenant-c', () => work.commit({ put: { id: 'x', name: 'c-x' }, events: [event as never] }));
        expect(await rowsOf(pg.pool, `select data from t_tenant_c.${table}`)).toEqual(['c-x']);
        expect((await pg.pool.query(`select id from public.schema_outbox_${tables}`)).rows).toEqual([{ id: 'e-2' }]);
      });

      it('offboarding drops the tenant\'s schema and data; a later request of the tenant starts anew, even on an instance that had made it', async () => {
        const { table, repo } = freshSchemaTable<TenantItem & { tenant: string }>();
        const items = new TenantScopedRepository<TenantItem>(repo);
        await runWithTenant('tenant-d', () => items.put({ id: 'd1', name: 'd-1' }));
        // WHEN the tenant is offboarded (by any instance)
        await dropTenantSchema(service, 'tenant-d');
        expect((await pg.pool.query("select 1 from pg_namespace where nspname = 't_tenant_d'")).rows).toEqual([]);
        // THEN this instance, which had made the schema, finds nothing of the tenant's, and its writes work again
        expect(await runWithTenant('tenant-d', () => items.list())).toEqual([]);
        await runWithTenant('tenant-d', () => items.put({ id: 'd2', name: 'd-2' }));
        expect(await rowsOf(pg.pool, `select data from t_tenant_d.${table}`)).toEqual(['d-2']);
      });

      it('is what createRepository builds for a service of tenant.isolation schema, on a long tenant id too', async () => {
        const url = pg.url.replace('allframe@', 'service@');
        const items = createRepository<TenantItem>('postgres', 'wired-schema-items', url, { tenants: 'schema' });
        const long = `acme-${'x'.repeat(58)}`;
        try {
          await runWithTenant(long, () => items.put({ id: 'x', name: 'long-x' }));
          await runWithTenant('tenant-e', () => items.put({ id: 'x', name: 'e-x' }));
          expect(await runWithTenant('tenant-e', () => items.list())).toEqual([{ id: 'x', name: 'e-x' }]);
          expect(tenantSchemaName(long)).toMatch(/^h_[0-9a-f]{40}$/);
          expect(await rowsOf(pg.pool, `select data from ${tenantSchemaName(long)}.wired_schema_items`)).toEqual(['long-x']);
          expect((await pg.pool.query("select 1 from pg_tables where schemaname = 'public' and tablename = 'wired_schema_items'")).rows).toEqual([]);
        } finally {
          await closePools();
        }
      });
    });

    describe('a database per tenant (tenant.isolation database)', () => {
      let bases = 0;
      const urlOf = (database: string) => pg.url.replace('allframe@', 'service@').replace('/postgres?', `/${database}?`);
      const opened: TenantDatabases[] = [];
      const servicePools: Pool[] = [];
      beforeAll(async () => pg.pool.query('alter role service createdb'));
      afterAll(async () => {
        await Promise.all(opened.map((d) => d.end()));
        await Promise.all(servicePools.map((p) => p.end()));
      });
      /** A service database of its own (as `allframe dev` makes one per service), and its tenants' databases. */
      const freshService = async () => {
        const base = `svc_${++bases}`;
        await pg.pool.query(`create database ${base} owner service`);
        const own = new Pool({ connectionString: urlOf(base), max: 2 });
        servicePools.push(own);
        const databases = new TenantDatabases(own, urlOf(base));
        opened.push(databases);
        return { base, own, databases };
      };
      const freshRepo = async <T extends { id: string }>() => {
        const { base, own, databases } = await freshService();
        const sql = databases.pool((s) => new PostgresRepository(s, 'items').ensureTable());
        return { base, own, databases, sql, repo: new PostgresRepository<T>(sql, 'items') };
      };
      describeTenantIsolationContract('PostgresRepository with a database per tenant', async () => (await freshRepo<TenantItem & { tenant: string }>()).repo);

      const databasesNamed = async (prefix: string) => ((await pg.pool.query('select datname from pg_database where datname like $1 order by 1', [`${prefix}%`])).rows as { datname: string }[]).map((r) => r.datname);

      it('keeps each tenant\'s rows in its own database, made at its first statement and listed in the service\'s registry', async () => {
        const { base, databases, sql, repo } = await freshRepo<TenantItem & { tenant: string }>();
        const items = new TenantScopedRepository<TenantItem>(repo);
        await runWithTenant('tenant-a', () => items.put({ id: 'a1', name: 'a-1' }));
        await runWithTenant('tenant-b', () => items.put({ id: 'b1', name: 'b-1' }));
        expect(await databasesNamed(`${base}_`)).toEqual([`${base}_t_tenant_a`, `${base}_t_tenant_b`]);
        expect(await databases.tenants()).toEqual(['tenant-a', 'tenant-b']);
        // a statement without a where clause reaches its tenant's database only
        expect(await runWithTenant('tenant-b', () => rowsOf(sql, 'select data from items'))).toEqual(['b-1']);
        await runWithTenant('tenant-b', () => sql.query('delete from items'));
        expect(await runWithTenant('tenant-a', () => rowsOf(sql, 'select data from items'))).toEqual(['a-1']);
        // owned by the service's user, who made them
        const owners = await pg.pool.query('select distinct pg_get_userbyid(datdba) as owner from pg_database where datname like $1', [`${base}_t_%`]);
        expect(owners.rows).toEqual([{ owner: 'service' }]);
      });

      it('commits a unit of work with its outbox rows in the tenant\'s database; the relay publishes every tenant\'s events and marks them sent there', async () => {
        const { databases, sql, repo } = await freshRepo<TenantItem & { tenant: string }>();
        const outbox = new TenantDatabaseOutbox(databases, 'outbox');
        const work = createUnitOfWork<TenantItem>(new TenantScopedRepository<TenantItem>(repo), { outbox, emit: () => Promise.reject(new Error('the outbox is written, nothing published')) });
        const event = (id: string, tenant: string) => ({ id, type: 'ItemCreated', source: 'items', time: `2026-12-07T00:00:0${id.slice(-1)}.000Z`, tenant, data: {} }) as never;
        await runWithTenant('tenant-a', () => work.commit({ put: { id: 'x', name: 'a-x' }, events: [event('e-1', 'tenant-a')] }));
        await runWithTenant('tenant-b', () => work.commit({ put: { id: 'y', name: 'b-y' }, events: [event('e-2', 'tenant-b'), event('e-3', 'tenant-b')] }));
        const published: string[] = [];
        const publisher = {
          publish: (events: readonly { id: string }[]) => {
            published.push(...events.map((e) => e.id));
            return Promise.resolve();
          },
        };
        const relay = new OutboxRelay(outbox, publisher, createLogger({ service: 'test', level: 'silent' }));
        expect(await relay.runOnce(2)).toBe(2);
        expect(await relay.runOnce(25)).toBe(1);
        expect(await relay.runOnce(25)).toBe(0);
        expect(published).toEqual(['e-1', 'e-2', 'e-3']);
        // each event marked sent in its tenant's database
        for (const [tenant, ids] of [['tenant-a', ['e-1']], ['tenant-b', ['e-2', 'e-3']]] as const) {
          const { rows } = await runWithTenant(tenant, () => sql.query('select id, status from outbox order by id'));
          expect(rows).toEqual(ids.map((id) => ({ id, status: 'sent' })));
        }
      });

      it('offboarding drops the tenant\'s database and registry entry; another instance holding a pool on it starts the tenant anew', async () => {
        const { base, own, databases, repo } = await freshRepo<TenantItem & { tenant: string }>();
        const items = new TenantScopedRepository<TenantItem>(repo);
        // a second instance of the service, with its own pools
        const other = new TenantDatabases(own, urlOf(base));
        opened.push(other);
        const otherItems = new TenantScopedRepository<TenantItem>(new PostgresRepository(other.pool((s) => new PostgresRepository(s, 'items').ensureTable()), 'items'));
        await runWithTenant('tenant-d', () => items.put({ id: 'd1', name: 'd-1' }));
        expect(await runWithTenant('tenant-d', () => otherItems.list())).toEqual([{ id: 'd1', name: 'd-1' }]);
        // WHEN the first instance offboards the tenant
        await databases.drop('tenant-d');
        expect(await databasesNamed(`${base}_t_tenant_d`)).toEqual([]);
        expect(await databases.tenants()).toEqual([]);
        // THEN the other instance's next statement finds nothing of the tenant's, on a new database
        expect(await runWithTenant('tenant-d', () => otherItems.list())).toEqual([]);
        await runWithTenant('tenant-d', () => otherItems.put({ id: 'd2', name: 'd-2' }));
        expect(await runWithTenant('tenant-d', () => items.list())).toEqual([{ id: 'd2', name: 'd-2' }]);
        expect(await databases.tenants()).toEqual(['tenant-d']);
      });

      it('is what createRepository and createMessaging build for a service of tenant.isolation database', async () => {
        const { base } = await freshService();
        const url = urlOf(base);
        const items = createRepository<TenantItem>('postgres', 'wired-db-items', url, { tenants: 'database' });
        const messaging = createMessaging({ SERVICE_NAME: 'items', LOG_LEVEL: 'silent', PII_FIELDS: [], EVENT_BUS: 'memory', EVENT_TARGET: '', STORE: 'postgres', TABLE_PREFIX: 'items', DATABASE_URL: url }, { outbox: true, tenants: 'database' });
        expect(messaging.outbox).toBeInstanceOf(TenantDatabaseOutbox);
        try {
          await runWithTenant('tenant-e', () => items.put({ id: 'x', name: 'e-x' }));
          expect(await runWithTenant('tenant-e', () => items.list())).toEqual([{ id: 'x', name: 'e-x' }]);
          // the outbox table was made in the tenant's database with the repository's, before the tenant's first statement
          const tenantDb = new Pool({ connectionString: pg.url.replace('/postgres?', `/${base}_t_tenant_e?`), max: 1 });
          try {
            const tables = await tenantDb.query("select tablename from pg_tables where schemaname = 'public' order by 1");
            expect(tables.rows).toEqual([{ tablename: 'items_outbox' }, { tablename: 'wired_db_items' }]);
          } finally {
            await tenantDb.end();
          }
        } finally {
          await closePools();
        }
      });
    });

    it('is what createRepository builds for a multi-tenant service on postgres', async () => {
      const url = pg.url.replace('allframe@', 'service@');
      const items = createRepository<TenantItem>('postgres', 'wired-tenant-items', url, { tenants: 'row-level' });
      expect(items).toBeInstanceOf(TenantScopedRepository);
      try {
        await runWithTenant('tenant-a', () => items.put({ id: 'x', name: 'a-x' }));
        await runWithTenant('tenant-b', () => items.put({ id: 'x', name: 'b-x' }));
        expect(await runWithTenant('tenant-b', () => items.list())).toEqual([{ id: 'x', name: 'b-x' }]);
        const { rows } = await pg.pool.query("select relrowsecurity, relforcerowsecurity from pg_class where relname = 'wired_tenant_items'");
        expect(rows).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
        expect(await rowsOf(pg.pool, 'select data from wired_tenant_items')).toEqual(['a-x', 'b-x']);
      } finally {
        await closePools();
      }
    });
  });
});

describeWithReferee('gcloud', 'Firestore pages on the Firestore emulator', () => {
  let emulator: FirestoreEmulator;
  let collections = 0;
  const before = process.env.FIRESTORE_EMULATOR_HOST;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  }, 90_000);
  afterAll(async () => {
    if (before === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = before;
    await emulator?.stop();
  });

  // A fresh collection per repository, on one client of the emulator.
  const freshCollection = <T extends { id: string }>() => {
    const client = createFirestore({ projectId: 'allframe-test' });
    return Promise.resolve(new FirestoreRepository<T>(() => client, `items-${++collections}`));
  };
  describePageContract('FirestoreRepository on the emulator', () => freshCollection<PagedItem>());
  describePutIfContract('FirestoreRepository on the emulator', () => freshCollection<RevisedItem>());
  describeCrdtStoreContract('FirestoreRepository on the emulator', () => freshCollection<CrdtEntry>());
  describeTenantIsolationContract('FirestoreRepository on the emulator', () => freshCollection<TenantItem & { tenant: string }>());
});
