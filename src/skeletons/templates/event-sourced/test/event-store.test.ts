import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { closePools, MemoryFirestore, pgTableName, sharedPool, type AwsClient, type SqlPool } from '@allframe/platform';
import {
  ConcurrencyError,
  DynamoDbEventStore,
  FirestoreEventStore,
  MemoryEventStore,
  PostgresEventStore,
  createEventStore,
  type EventStore,
  type StoredEvent,
} from '../src/adapters/event-store';

type Key = { pk: string; sk: number };

/** A DynamoDB table in memory: conditional transactions, paginated queries, gets and puts. */
class FakeTable implements AwsClient {
  readonly items = new Map<string, Record<string, unknown> & Key>();
  failWith: Error | undefined;

  send(command: object): Promise<unknown> {
    if (this.failWith) return Promise.reject(this.failWith);
    const id = (k: Key) => `${k.pk}|${k.sk}`;
    if (command instanceof TransactWriteCommand) {
      const items = command.input.TransactItems ?? [];
      const ok = items.every((t) =>
        t.ConditionCheck ? this.items.has(id(t.ConditionCheck.Key as Key)) : !this.items.has(id(t.Put!.Item as Key)),
      );
      if (!ok) return Promise.reject(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException' }));
      for (const t of items) if (t.Put) this.items.set(id(t.Put.Item as Key), t.Put.Item as Record<string, unknown> & Key);
      return Promise.resolve({});
    }
    if (command instanceof QueryCommand) {
      const values = command.input.ExpressionAttributeValues as { ':pk': string; ':after': number };
      const start = (command.input.ExclusiveStartKey as Key | undefined)?.sk ?? values[':after'];
      const all = [...this.items.values()].filter((i) => i.pk === values[':pk'] && i.sk > start).sort((x, y) => x.sk - y.sk);
      const page = all.slice(0, 2);
      const last = page[page.length - 1];
      return Promise.resolve({ Items: page, LastEvaluatedKey: all.length > 2 && last ? { pk: last.pk, sk: last.sk } : undefined });
    }
    if (command instanceof GetCommand) return Promise.resolve({ Item: this.items.get(id(command.input.Key as Key)) });
    if (command instanceof PutCommand) {
      this.items.set(id(command.input.Item as Key), command.input.Item as Record<string, unknown> & Key);
      return Promise.resolve({});
    }
    return Promise.reject(new Error('unexpected command'));
  }
}

type Row = { id: string; stream_id: string; version: number; type: string; data: unknown; time: string };

/** PostgreSQL in memory, for PostgresEventStore's statements on the table `events`: its primary key, the snapshots' upsert. */
class FakeSql implements SqlPool {
  readonly rows = new Map<string, Row>();
  readonly snapshots = new Map<string, { version: number; state: unknown }>();
  failWith: Error | undefined;

  query(text: string, values: unknown[] = []): Promise<{ rows: unknown[] }> {
    if (this.failWith) return Promise.reject(this.failWith);
    const [streamId, version, json] = values as [string, number, string];
    const key = (v: number) => `${streamId}|${v}`;
    let rows: unknown[] = [];
    if (text.startsWith('insert into events ')) {
      // nothing unless the stream is at the expected version; the primary key refuses a version taken
      const events = (version === 0 || this.rows.has(key(version)) ? JSON.parse(json) : []) as StoredEvent[];
      if (events.some((e) => this.rows.has(key(e.version)))) {
        return Promise.reject(Object.assign(new Error('duplicate key value violates unique constraint "events_pkey"'), { code: '23505', table: 'events' }));
      }
      for (const e of events) this.rows.set(key(e.version), { id: e.id, stream_id: streamId, version: e.version, type: e.type, data: e.data, time: e.time });
      rows = events.map((e) => ({ version: e.version }));
    } else if (text.startsWith('select id')) {
      rows = [...this.rows.values()].filter((r) => r.stream_id === streamId && r.version > version).sort((x, y) => x.version - y.version);
    } else if (text.startsWith('insert into events_snapshots')) {
      this.snapshots.set(streamId, { version, state: JSON.parse(json) });
    } else if (text.startsWith('select version, state')) {
      rows = this.snapshots.has(streamId) ? [structuredClone(this.snapshots.get(streamId))] : [];
    } else if (!text.startsWith('create table')) {
      return Promise.reject(new Error(`unexpected statement ${text}`));
    }
    return Promise.resolve({ rows: structuredClone(rows) });
  }
}

/** A real PostgreSQL database to run the stores' contract on as well (e.g. postgres://localhost/test); the test's tables are dropped. */
const databaseUrl = process.env.TEST_DATABASE_URL ?? '';
const realTables: string[] = [];

/** A store on TEST_DATABASE_URL, over fresh tables. */
function realPostgres(): PostgresEventStore {
  const name = `es-test-${randomUUID()}`;
  realTables.push(pgTableName(name));
  return PostgresEventStore.create(name, databaseUrl);
}

afterAll(async () => {
  for (const table of realTables) await sharedPool(databaseUrl).query(`drop table if exists ${table}, ${table}_snapshots`);
  await closePools();
});

const stores: [string, () => EventStore][] = [
  ['memory', () => new MemoryEventStore()],
  ['dynamodb', () => new DynamoDbEventStore(new FakeTable(), 'events')],
  ['postgres', () => new PostgresEventStore(new FakeSql(), 'events')],
  ['firestore', () => new FirestoreEventStore(new MemoryFirestore(), 'events')],
  ...(databaseUrl === '' ? [] : [['postgres on a real server (TEST_DATABASE_URL)', realPostgres] as [string, () => EventStore]]),
];

describe.each(stores)('%s event store', (_name, create) => {
  test('appends at the expected version and reads in order, from a version on', async () => {
    // GIVEN a stream with three events
    const store = create();
    await store.append('s', 0, [{ type: 'A', data: { n: 1 } }], '2024-01-01T00:00:00.000Z');
    await store.append('s', 1, [{ type: 'B', data: { n: 2 } }, { type: 'C', data: { n: 3 } }]);
    // THEN
    expect((await store.read('s')).map((e) => [e.version, e.type])).toEqual([[1, 'A'], [2, 'B'], [3, 'C']]);
    expect((await store.read('s', 2)).map((e) => e.type)).toEqual(['C']);
    expect((await store.read('s'))[0]?.time).toBe('2024-01-01T00:00:00.000Z');
    expect(await store.read('other')).toEqual([]);
  });

  test('a stale or future expected version is a ConcurrencyError', async () => {
    const store = create();
    await store.append('s', 0, [{ type: 'A', data: {} }]);
    await expect(store.append('s', 0, [{ type: 'B', data: {} }])).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append('s', 5, [{ type: 'B', data: {} }])).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.read('s')).toHaveLength(1);
  });

  test('an append of several events is all or nothing', async () => {
    // GIVEN a stream at version 1
    const store = create();
    await store.append('s', 0, [{ type: 'A', data: {} }]);
    // WHEN two events are appended at the stale version 0 (version 1 taken, version 2 free)
    await expect(store.append('s', 0, [{ type: 'B', data: {} }, { type: 'C', data: {} }])).rejects.toBeInstanceOf(ConcurrencyError);
    // THEN neither was stored
    expect((await store.read('s')).map((e) => e.type)).toEqual(['A']);
  });

  test('keeps the latest snapshot of a stream', async () => {
    const store = create();
    expect(await store.loadSnapshot('s')).toBeUndefined();
    await store.saveSnapshot({ streamId: 's', version: 2, state: { total: 5 } });
    expect(await store.loadSnapshot<{ total: number }>('s')).toEqual({ streamId: 's', version: 2, state: { total: 5 } });
    await store.saveSnapshot({ streamId: 's', version: 4, state: { total: 9, lines: [{ at: 'ü' }] } });
    expect(await store.loadSnapshot('s')).toEqual({ streamId: 's', version: 4, state: { total: 9, lines: [{ at: 'ü' }] } });
    expect(await store.loadSnapshot('other')).toBeUndefined();
  });

  test('appending nothing returns nothing', async () => {
    await expect(create().append('s', 0, [])).resolves.toEqual([]);
  });
});

describe('DynamoDB event store errors', () => {
  test('other failures are rethrown as they are', async () => {
    const table = new FakeTable();
    table.failWith = new Error('throttled');
    await expect(new DynamoDbEventStore(table, 'events').append('s', 0, [{ type: 'A', data: {} }])).rejects.toThrow('throttled');
  });
});

describe('Firestore event store', () => {
  test('of two writers appending at the same version, one wins and the other gets a ConcurrencyError', async () => {
    // GIVEN a stream at version 1
    const db = new MemoryFirestore();
    const store = new FirestoreEventStore(() => Promise.resolve(db), 'events');
    await store.append('s/1', 0, [{ type: 'A', data: {} }]);
    // WHEN two appends race at version 1
    const results = await Promise.allSettled([store.append('s/1', 1, [{ type: 'B', data: {} }]), store.append('s/1', 1, [{ type: 'C', data: {} }])]);
    // THEN one landed, the other was refused, and the stream holds 2 events under its encoded id
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(ConcurrencyError) as unknown });
    expect(await store.read('s/1')).toHaveLength(2);
    expect(db.docs.get('events/s%2F1')).toEqual({ streamId: 's/1', version: 2 });
  });

  test('a lost race reported by Firestore is a ConcurrencyError, other failures are rethrown', async () => {
    const failing = (error: Error) => {
      const db = new MemoryFirestore();
      jest.spyOn(db, 'runTransaction').mockRejectedValue(error);
      return new FirestoreEventStore(db, 'events').append('s', 0, [{ type: 'A', data: {} }]);
    };
    await expect(failing(Object.assign(new Error('contention'), { code: 10 }))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(failing(Object.assign(new Error('exists'), { code: 6 }))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(failing(new Error('unavailable'))).rejects.toThrow('unavailable');
  });
});

describe('PostgreSQL event store', () => {
  test('a unique violation on its table is a lost race; one elsewhere (tables created in a race) and other failures are rethrown', async () => {
    const failing = (error: Error) => {
      const sql = new FakeSql();
      sql.failWith = error;
      return new PostgresEventStore(sql, 'events').append('s', 0, [{ type: 'A', data: {} }]);
    };
    await expect(failing(Object.assign(new Error('duplicate'), { code: '23505', table: 'events' }))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(failing(Object.assign(new Error('duplicate type'), { code: '23505', table: 'pg_type' }))).rejects.toThrow('duplicate type');
    await expect(failing(new Error('connection refused'))).rejects.toThrow('connection refused');
  });

  test('creates its tables before the first query, and refuses a table name that is not a plain identifier', async () => {
    const sql = new FakeSql();
    const query = jest.spyOn(sql, 'query');
    await new PostgresEventStore(sql, 'events').ensureTable();
    expect(query.mock.calls.map(([text]) => text.split(' (')[0])).toEqual(['create table if not exists events', 'create table if not exists events_snapshots']);
    expect(() => new PostgresEventStore(sql, 'events; drop table x')).toThrow('invalid table name');
  });
});

(databaseUrl === '' ? describe.skip : describe)('PostgreSQL event store on a real server (TEST_DATABASE_URL)', () => {
  test('of several writers appending at the same version, one wins and the others get a ConcurrencyError', async () => {
    // GIVEN a stream at version 1
    const store = realPostgres();
    await store.append('s', 0, [{ type: 'A', data: {} }]);
    // WHEN four appends of two events each race at version 1
    const results = await Promise.allSettled(['B', 'C', 'D', 'E'].map((t) => store.append('s', 1, [{ type: t, data: {} }, { type: `${t}2`, data: {} }])));
    // THEN one landed whole, the others were refused
    const winner = results.find((r): r is PromiseFulfilledResult<StoredEvent[]> => r.status === 'fulfilled');
    expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown)).toEqual([expect.any(ConcurrencyError), expect.any(ConcurrencyError), expect.any(ConcurrencyError)]);
    expect((await store.read('s')).map((e) => [e.version, e.type])).toEqual([[1, 'A'], ...(winner?.value ?? []).map((e) => [e.version, e.type])]);
  });

  test('event data keeps its JSON: nesting, arrays, numbers, text', async () => {
    const store = realPostgres();
    const data = { amount: 12.5, lines: [{ sku: 'a', qty: 2 }], note: 'ünïcode "quoted"', none: null, ok: true };
    const [stored] = await store.append('s', 0, [{ type: 'A', data }]);
    expect(await store.read('s')).toEqual([stored]);
  });
});

describe('createEventStore', () => {
  test('memory, dynamodb, postgres (on DATABASE_URL), firestore, and a clear error for anything else', () => {
    expect(createEventStore('memory', 't')).toBeInstanceOf(MemoryEventStore);
    expect(createEventStore('dynamodb', 't')).toBeInstanceOf(DynamoDbEventStore);
    expect(createEventStore('postgres', 'shop-ledger-events', 'postgres://app@127.0.0.1:1/ledger')).toBeInstanceOf(PostgresEventStore);
    expect(() => createEventStore('postgres', 't')).toThrow('DATABASE_URL is required for postgres');
    expect(createEventStore('firestore', 't')).toBeInstanceOf(FirestoreEventStore);
    expect(() => createEventStore('cassandra', 't')).toThrow('EVENT_STORE must be one of memory, dynamodb, postgres, firestore');
  });
});
