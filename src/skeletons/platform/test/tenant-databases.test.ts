import type { ClosablePool } from '../src/postgres';
import { runWithTenant } from '../src/tenant';
import { TENANT_REGISTRY, TenantDatabaseOutbox, TenantDatabases, tenantDatabaseName } from '../src/tenant-databases';

/** A server of fake databases: each pool logs `<database>: <statement>`; `fail(database, text)` gives a SQL state, once. */
function fakeServer(fail: (database: string, text: string) => string | undefined = () => undefined, rows: (database: string, text: string) => unknown[] = () => []) {
  const log: string[] = [];
  const ended: string[] = [];
  const failed = new Set<string>();
  const pool = (database: string): ClosablePool => {
    const query = (text: string, values?: unknown[]) => {
      log.push(`${database}: ${text}${values === undefined ? '' : ` ${JSON.stringify(values)}`}`);
      const code = failed.has(`${database} ${text}`) ? undefined : fail(database, text);
      if (code !== undefined) {
        failed.add(`${database} ${text}`);
        return Promise.reject(Object.assign(new Error(`${text}: ${code}`), { code }));
      }
      return Promise.resolve({ rows: rows(database, text) });
    };
    return { query, connect: () => Promise.reject(new Error('no transactions here')), end: () => Promise.resolve(void ended.push(database)) };
  };
  const open = (url: string) => Promise.resolve(pool(new URL(url).pathname.slice(1)));
  return { log, ended, pool, open };
}

const URL_OF_SERVICE = 'postgres://service@db.internal:5432/notes_service?sslmode=disable';
const setup = (table: string) => (sql: { query(text: string): Promise<unknown> }) => sql.query(`create table if not exists ${table} (id text primary key)`).then(() => undefined);

describe('tenantDatabaseName', () => {
  it('names a tenant\'s database after the service\'s and the tenant, within PostgreSQL\'s 63 characters', () => {
    expect(tenantDatabaseName('notes_service', 'acme-eu')).toBe('notes_service_t_acme_eu');
    const long = tenantDatabaseName('notes_service', 'a'.repeat(63));
    expect(long).toMatch(/^notes_service_h_[0-9a-f]{47}$/);
    expect(long).toHaveLength(63);
    expect(tenantDatabaseName('notes_service', `${'a'.repeat(62)}b`)).not.toBe(long);
    // a tenant id is checked before it names a database
    expect(() => tenantDatabaseName('notes_service', 'a; drop database x')).toThrow('invalid tenant id');
  });
});

describe('TenantDatabases', () => {
  it('needs the service\'s database in the URL, named so that no two services\' tenants can share a database', () => {
    const server = fakeServer();
    for (const url of ['postgres://service@db:5432', 'postgres://service@db:5432/orders_t_x', 'postgres://service@db:5432/Orders', `postgres://service@db:5432/${'a'.repeat(45)}`]) {
      expect(() => new TenantDatabases(server.pool('postgres'), url, { open: server.open })).toThrow('DATABASE_URL must name the service\'s database');
    }
  });

  it('makes a tenant\'s database with every table of the service at its first statement, registers it, then runs statements there', async () => {
    // GIVEN a service with two tables kept per tenant
    const server = fakeServer();
    const databases = new TenantDatabases(server.pool('notes_service'), URL_OF_SERVICE, { open: server.open });
    const notes = databases.pool(setup('notes'));
    databases.pool(setup('outbox'));
    // WHEN a tenant's statements run, and one of no tenant's work
    await runWithTenant('acme', () => notes.query('select 1'));
    await runWithTenant('acme', () => notes.query('select 2'));
    await notes.query('select 3');
    // THEN its database is made once, with both tables, and registered; no tenant's work stays in the service's
    expect(server.log).toEqual([
      `notes_service: create table if not exists ${TENANT_REGISTRY} (tenant text primary key, database text not null)`,
      'notes_service: select 1 from pg_database where datname = $1 ["notes_service_t_acme"]',
      'notes_service: create database "notes_service_t_acme"',
      'notes_service_t_acme: create table if not exists notes (id text primary key)',
      'notes_service_t_acme: create table if not exists outbox (id text primary key)',
      `notes_service: insert into ${TENANT_REGISTRY} (tenant, database) values ($1, $2) on conflict (tenant) do nothing ["acme","notes_service_t_acme"]`,
      'notes_service_t_acme: select 1',
      'notes_service_t_acme: select 2',
      'notes_service: select 3',
    ]);
  });

  it('takes a database another instance made first, and one that exists already, as made', async () => {
    const server = fakeServer((_db, text) => (text.startsWith('create database') ? '42P04' : undefined), (db, text) => (text.includes('pg_database') && db === 'notes_service' && server.log.length > 6 ? [{ '?column?': 1 }] : []));
    const databases = new TenantDatabases(server.pool('notes_service'), URL_OF_SERVICE, { open: server.open });
    const notes = databases.pool(setup('notes'));
    await runWithTenant('acme', () => notes.query('select 1'));
    await runWithTenant('globex', () => notes.query('select 1'));
    expect(server.log.filter((l) => l.includes('create database'))).toEqual(['notes_service: create database "notes_service_t_acme"']);
    expect(server.log).toContain('notes_service_t_globex: select 1');
  });

  it('starts a tenant anew when its database is gone (offboarded by another instance), and passes other failures on', async () => {
    const server = fakeServer((db, text) => (db === 'notes_service_t_acme' && text === 'select 1' ? '3D000' : text === 'select 2' ? '22P02' : undefined));
    const databases = new TenantDatabases(server.pool('notes_service'), URL_OF_SERVICE, { open: server.open });
    const notes = databases.pool(setup('notes'));
    await runWithTenant('acme', () => notes.query('select 1'));
    expect(server.log.filter((l) => l.includes('create database') || l.endsWith('select 1'))).toEqual([
      'notes_service: create database "notes_service_t_acme"',
      'notes_service_t_acme: select 1',
      'notes_service: create database "notes_service_t_acme"',
      'notes_service_t_acme: select 1',
    ]);
    // the old pool is retired, not ended under the statements that may still hold it
    expect(server.ended).toEqual([]);
    await expect(runWithTenant('acme', () => notes.query('select 2'))).rejects.toThrow('22P02');
    await databases.end();
    expect(server.ended).toEqual(['notes_service_t_acme', 'notes_service_t_acme']);
  });

  it('keeps at most maxPools tenants\' pools open, closing the least recently used; a tenant whose database could not be made is tried again', async () => {
    const server = fakeServer((_db, text) => (text === 'create database "notes_service_t_c"' ? '42501' : undefined));
    const databases = new TenantDatabases(server.pool('notes_service'), URL_OF_SERVICE, { open: server.open, maxPools: 2 });
    const notes = databases.pool(setup('notes'));
    await runWithTenant('a', () => notes.query('select 1'));
    await runWithTenant('b', () => notes.query('select 1'));
    await runWithTenant('a', () => notes.query('select 1'));
    await expect(runWithTenant('c', () => notes.query('select 1'))).rejects.toThrow('42501');
    await runWithTenant('c', () => notes.query('select 1'));
    // b's pool is retired (ended after a grace period), a's and c's open; end() closes all
    expect(server.ended).toEqual([]);
    await runWithTenant('b', () => notes.query('select 1'));
    await databases.end();
    expect(server.ended.sort()).toEqual(['notes_service_t_a', 'notes_service_t_b', 'notes_service_t_b', 'notes_service_t_c']);
  });

  it('offboards a tenant: its registry entry deleted, its database dropped with the connections to it', async () => {
    const server = fakeServer(undefined, (_db, text) => (text.startsWith('select tenant') ? [{ tenant: 'acme' }] : []));
    const databases = new TenantDatabases(server.pool('notes_service'), URL_OF_SERVICE, { open: server.open });
    const notes = databases.pool(setup('notes'));
    await runWithTenant('acme', () => notes.query('select 1'));
    expect(await databases.tenants()).toEqual(['acme']);
    server.log.length = 0;
    await databases.drop('acme');
    // off the registry first (no relay sweeps it while it goes), then dropped with the connections to it
    expect(server.log).toEqual([`notes_service: delete from ${TENANT_REGISTRY} where tenant = $1 ["acme"]`, 'notes_service: drop database if exists "notes_service_t_acme" with (force)']);
    await expect(databases.drop('ACME; drop database notes_service')).rejects.toThrow('invalid tenant id');
  });
});

describe('TenantDatabaseOutbox', () => {
  const event = (id: string, tenant: string) => ({ id, type: 'NoteCreated', source: 'notes', time: '2026-12-07T00:00:00.000Z', tenant, data: {} });

  it('is written in the tenant\'s database in a tenant\'s work; the relay takes each tenant\'s pending events in turn and marks them sent there', async () => {
    // GIVEN two tenants with pending events in their databases
    const pending: Record<string, unknown[]> = { notes_service_t_acme: [{ event: event('e-1', 'acme') }], notes_service_t_globex: [{ event: event('e-2', 'globex') }] };
    const server = fakeServer(undefined, (db, text) => (text.startsWith('select tenant') ? [{ tenant: 'acme' }, { tenant: 'globex' }] : text.startsWith('select event') ? (pending[db] ?? []) : []));
    const databases = new TenantDatabases(server.pool('notes_service'), URL_OF_SERVICE, { open: server.open });
    const outbox = new TenantDatabaseOutbox(databases, 'outbox');
    // WHEN a tenant's work adds an event, and the relay (no tenant's work) takes two, then the rest, and marks them
    await runWithTenant('acme', () => outbox.add([event('e-0', 'acme') as never]));
    expect((await outbox.pending(2)).map((e) => e.id)).toEqual(['e-1', 'e-2']);
    await outbox.markSent(['e-1', 'e-2', 'e-unknown']);
    // THEN each went to its tenant's database
    const writes = server.log.filter((l) => l.includes('insert into outbox') || l.includes('update outbox') || l.includes('select event'));
    expect(writes).toEqual([
      'notes_service_t_acme: insert into outbox (id, status, created_at, event) values ($1, \'pending\', $2, $3) on conflict (id) do nothing ["e-0","2026-12-07T00:00:00.000Z","{\\"id\\":\\"e-0\\",\\"type\\":\\"NoteCreated\\",\\"source\\":\\"notes\\",\\"time\\":\\"2026-12-07T00:00:00.000Z\\",\\"tenant\\":\\"acme\\",\\"data\\":{}}"]',
      'notes_service_t_acme: select event from outbox where status = \'pending\' order by created_at limit $1 [2]',
      'notes_service_t_globex: select event from outbox where status = \'pending\' order by created_at limit $1 [1]',
      'notes_service_t_acme: update outbox set status = \'sent\' where id = any($1) [["e-1"]]',
      'notes_service_t_globex: update outbox set status = \'sent\' where id = any($1) [["e-2"]]',
    ]);
    // AND the next sweep starts at the next tenant; one whose database is gone since the registry was read is skipped
    server.log.length = 0;
    await outbox.pending(5);
    expect(server.log.filter((l) => l.includes('select event')).map((l) => l.split(':')[0])).toEqual(['notes_service_t_globex', 'notes_service_t_acme']);
    // AND in a tenant's work, the outbox is that tenant's alone
    server.log.length = 0;
    await runWithTenant('globex', async () => {
      await outbox.pending(5);
      await outbox.markSent(['e-3']);
    });
    expect(server.log.filter((l) => l.includes('select event') || l.includes('update outbox'))).toEqual([
      'notes_service_t_globex: select event from outbox where status = \'pending\' order by created_at limit $1 [5]',
      'notes_service_t_globex: update outbox set status = \'sent\' where id = any($1) [["e-3"]]',
    ]);
  });
});
