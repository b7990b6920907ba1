import { randomUUID } from 'node:crypto';
import {
  closePools,
  FirestoreOutbox, // @if outbox
  PostgresOutbox, // @if outbox
  sharedPool,
  testSecrets,
} from '@allframe/platform';
import { FirestoreEventStore, PostgresEventStore } from '../src/adapters/event-store';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

describe('dependency wiring', () => {
  test('defaults to in-memory adapters and the snapshot frequency of the architecture', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    expect(deps.snapshotEvery).toBe(/*=snapshotFrequency*/ 100);
    await expect(deps.store.read('none')).resolves.toEqual([]);
    await expect(deps.relay.runOnce()).resolves.toBe(0); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with EVENT_STORE=firestore and STORE=firestore, streams__outboxNote__ and read models are in Firestore (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ EVENT_STORE: 'firestore', STORE: 'firestore', FIRESTORE_DATABASE: 'shop' }), testSecrets(SECRET_NAMES));
    expect(deps.store).toBeInstanceOf(FirestoreEventStore);
    expect(deps.events.outbox).toBeInstanceOf(FirestoreOutbox); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with EVENT_STORE=postgres and STORE=postgres, streams__outboxNote__ and read models are in PostgreSQL (connected on first use)', async () => {
    const deps = createDependencies(loadConfig({ EVENT_STORE: 'postgres', STORE: 'postgres', DATABASE_URL: 'postgres://app@127.0.0.1:1/ledger' }), testSecrets(SECRET_NAMES));
    expect(deps.store).toBeInstanceOf(PostgresEventStore);
    expect(deps.events.outbox).toBeInstanceOf(PostgresOutbox); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });
});

/** A real PostgreSQL database to start the service on as well (e.g. postgres://localhost/test); the test's tables are dropped. */
const databaseUrl = process.env.TEST_DATABASE_URL ?? '';

(databaseUrl === '' ? describe.skip : describe)('the wiring on a real PostgreSQL (TEST_DATABASE_URL)', () => {
  const prefix = `deps_test_${randomUUID().replace(/-/g, '')}`;
  afterAll(async () => {
    const pool = sharedPool(databaseUrl);
    const { rows } = await pool.query('select tablename from pg_tables where starts_with(tablename, $1)', [prefix]);
    for (const { tablename } of rows as { tablename: string }[]) await pool.query(`drop table ${tablename}`);
    await closePools();
  });

  test('with EVENT_STORE=postgres and STORE=postgres, as the targets set them, a command keeps its stream, snapshot__outboxNote__ and read models there', async () => {
    // GIVEN the service on PostgreSQL, snapshotting every event
    const config = loadConfig({ EVENT_STORE: 'postgres', STORE: 'postgres', DATABASE_URL: databaseUrl, TABLE_PREFIX: prefix, SNAPSHOT_FREQUENCY: '1' });
    const deps = createDependencies(config, testSecrets(SECRET_NAMES));
    // WHEN a command runs
    const res = await buildApp(deps).request('/__entitiesPath__/p1/commands/__firstCommand__', { method: 'POST', body: JSON.stringify({ step: 1 }), headers: { 'content-type': 'application/json' } });
    // THEN its event, the snapshot and the read models are in the database
    expect(res.status).toBe(200);
    expect((await deps.store.read('p1')).map((e) => [e.version, e.type])).toEqual([[1, '__firstEvent__']]);
    expect(await deps.store.loadSnapshot('p1')).toMatchObject({ streamId: 'p1', version: 1 });
    expect(await deps.projections.__projection__.get('p1')).toMatchObject({ id: 'p1', version: 1 }); // @each projections
    // @if outbox
    expect(await deps.relay.runOnce()).toBe(1); // @if publishes
    // @end
    await deps.close();
  });
});
