import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { MemoryFirestore, type AwsClient } from '@allframe/platform';
import { ConcurrencyError, DynamoDbEventStore, FirestoreEventStore, MemoryEventStore, createEventStore, type EventStore } from '../src/adapters/event-store';

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

const stores: [string, () => EventStore][] = [
  ['memory', () => new MemoryEventStore()],
  ['dynamodb', () => new DynamoDbEventStore(new FakeTable(), 'events')],
  ['firestore', () => new FirestoreEventStore(new MemoryFirestore(), 'events')],
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

  test('keeps the latest snapshot of a stream', async () => {
    const store = create();
    expect(await store.loadSnapshot('s')).toBeUndefined();
    await store.saveSnapshot({ streamId: 's', version: 2, state: { total: 5 } });
    expect(await store.loadSnapshot<{ total: number }>('s')).toEqual({ streamId: 's', version: 2, state: { total: 5 } });
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

describe('createEventStore', () => {
  test('memory, dynamodb, firestore, and a clear error for anything else', () => {
    expect(createEventStore('memory', 't')).toBeInstanceOf(MemoryEventStore);
    expect(createEventStore('dynamodb', 't')).toBeInstanceOf(DynamoDbEventStore);
    expect(createEventStore('firestore', 't')).toBeInstanceOf(FirestoreEventStore);
    expect(() => createEventStore('cassandra', 't')).toThrow('EVENT_STORE must be one of memory, dynamodb, firestore');
  });
});
