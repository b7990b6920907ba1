import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { newEvent } from '../src/events';
import { MemoryFirestore } from '../src/firestore';
import { DynamoDbOutbox, FirestoreOutbox, MemoryOutbox, PostgresOutbox } from '../src/outbox';
import { DynamoDbRepository, FirestoreRepository, MemoryRepository, PostgresRepository } from '../src/repository';
import { runWithTenant } from '../src/tenant';
import { TenantScopedRepository } from '../src/tenant-repository';
import { createUnitOfWork } from '../src/unit-of-work';
import { createEventSink } from '../src/wiring';
import { MemoryPublisher } from '../src/events';
import type { SqlPool } from '../src/postgres';
import { fakeAws, inputOf } from './fakes';

interface Item {
  id: string;
  name: string;
}

const event = newEvent('ItemCreated', 'test', { id: 'a' }, { id: 'e1', time: '2026-01-01T00:00:00.000Z' });

function fakeSql(): SqlPool & { queries: { text: string; values?: unknown[] }[] } {
  const queries: { text: string; values?: unknown[] }[] = [];
  return {
    queries,
    query(text: string, values?: unknown[]) {
      queries.push({ text, ...(values ? { values } : {}) });
      return Promise.resolve({ rows: [] });
    },
  };
}

describe('createUnitOfWork', () => {
  test('DynamoDB: the item and its outbox events go in ONE TransactWrite', async () => {
    // GIVEN a DynamoDB repository and a DynamoDB outbox
    const client = fakeAws();
    const unit = createUnitOfWork(new DynamoDbRepository<Item>(client, 'items'), createEventSink(new MemoryPublisher(), new DynamoDbOutbox(fakeAws(), 'outbox')));
    // WHEN
    await unit.commit({ put: { id: 'a', name: 'x' }, events: [event] });
    await unit.commit({ remove: 'a', events: [] });
    // THEN
    expect(client.sent).toHaveLength(2);
    expect(client.sent[0]).toBeInstanceOf(TransactWriteCommand);
    expect(inputOf(client.sent[0]).TransactItems).toEqual([
      { Put: { TableName: 'items', Item: { id: 'a', name: 'x', pk: 'a' } } },
      { Put: { TableName: 'outbox', Item: { pk: 'e1', status: 'pending', createdAt: event.time, event } } },
    ]);
    expect(inputOf(client.sent[1]).TransactItems).toEqual([{ Delete: { TableName: 'items', Key: { pk: 'a' } } }]);
  });

  test('a tenant-scoped repository commits through its adapter\'s transaction, with the tenant\'s keys and items', async () => {
    // GIVEN row-level tenancy over a DynamoDB repository and outbox
    const client = fakeAws();
    const repository = new TenantScopedRepository<Item>(new DynamoDbRepository<Item & { tenant: string }>(client, 'items'));
    const unit = createUnitOfWork(repository, createEventSink(new MemoryPublisher(), new DynamoDbOutbox(fakeAws(), 'outbox')));
    // WHEN tenant acme commits a change with its event, then a removal
    await runWithTenant('acme', () => unit.commit({ put: { id: 'a', name: 'x' }, events: [event] }));
    await runWithTenant('acme', () => unit.commit({ remove: 'a' }));
    // THEN one TransactWrite each, on the tenant's key
    expect(inputOf(client.sent[0]).TransactItems).toEqual([
      { Put: { TableName: 'items', Item: { id: 'acme:a', name: 'x', tenant: 'acme', pk: 'acme:a' } } },
      { Put: { TableName: 'outbox', Item: { pk: 'e1', status: 'pending', createdAt: event.time, event } } },
    ]);
    expect(inputOf(client.sent[1]).TransactItems).toEqual([{ Delete: { TableName: 'items', Key: { pk: 'acme:a' } } }]);
    // AND without a tenant nothing is written
    expect(() => unit.commit({ put: { id: 'b', name: 'y' } })).toThrow(/no tenant/);
    expect(client.sent).toHaveLength(2);
    // AND in memory (published directly) the tenant's item is stored and read back as its own
    const memory = new TenantScopedRepository<Item>(new MemoryRepository<Item & { tenant: string }>());
    const publisher = new MemoryPublisher();
    await runWithTenant('acme', () => createUnitOfWork(memory, createEventSink(publisher)).commit({ put: { id: 'a', name: 'x' }, events: [event] }));
    expect(await runWithTenant('acme', () => memory.get('a'))).toEqual({ id: 'a', name: 'x' });
    expect(await runWithTenant('other', () => memory.get('a'))).toBeUndefined();
  });

  test('DynamoDB: more than 100 writes is refused rather than split', async () => {
    const unit = createUnitOfWork(new DynamoDbRepository<Item>(fakeAws(), 'items'), createEventSink(new MemoryPublisher(), new DynamoDbOutbox(fakeAws(), 'outbox')));
    const many = Array.from({ length: 100 }, (_, i) => newEvent('E', 'test', {}, { id: `e${i}` }));
    await expect(unit.commit({ put: { id: 'a', name: 'x' }, events: many })).rejects.toThrow('at most 100');
    await expect(createUnitOfWork(new DynamoDbRepository<Item>(fakeAws(), 'items'), createEventSink(new MemoryPublisher(), new DynamoDbOutbox(fakeAws(), 'outbox'))).commit({})).resolves.toBeUndefined();
  });

  test('PostgreSQL: the row and its outbox rows are written by ONE statement', async () => {
    // GIVEN a Postgres repository and outbox on the same database
    const sql = fakeSql();
    const unit = createUnitOfWork(new PostgresRepository<Item>(sql, 'items'), createEventSink(new MemoryPublisher(), new PostgresOutbox(sql, 'outbox')));
    // WHEN
    await unit.commit({ put: { id: 'a', name: 'x' }, events: [event] });
    await unit.commit({ remove: 'a' });
    // THEN the tables are ensured once, then each commit is a single statement writing both tables
    const writes = sql.queries.filter((q) => q.text.startsWith('with s as'));
    expect(writes).toHaveLength(2);
    expect(writes[0]!.text).toContain('insert into items');
    expect(writes[0]!.text).toContain('insert into outbox');
    expect(writes[0]!.text).toContain('jsonb_array_elements($3::jsonb)');
    expect(writes[0]!.values).toEqual(['a', JSON.stringify({ id: 'a', name: 'x' }), JSON.stringify([event])]);
    expect(writes[1]!.text).toContain('delete from items where id = $1');
    expect(writes[1]!.values).toEqual(['a', '[]']);
    expect(sql.queries.filter((q) => q.text.startsWith('create table')).length).toBe(2);
  });

  test('Firestore: the document and its outbox documents are committed in ONE batch', async () => {
    // GIVEN a Firestore repository and outbox on one database
    const db = new MemoryFirestore();
    const batches = jest.spyOn(db, 'batch');
    const outbox = new FirestoreOutbox(db, 'outbox');
    const unit = createUnitOfWork(new FirestoreRepository<Item>(db, 'items'), createEventSink(new MemoryPublisher(), outbox));
    // WHEN an item is put with its event, then removed without events
    await unit.commit({ put: { id: 'a', name: 'x' }, events: [event] });
    expect([...db.docs.keys()]).toEqual(['items/a', 'outbox/e1']);
    await unit.commit({ remove: 'a' });
    await unit.commit({});
    // THEN each change was one batch, and the event waits in the outbox
    expect(batches).toHaveBeenCalledTimes(2);
    expect([...db.docs.keys()]).toEqual(['outbox/e1']);
    expect(await outbox.pending(10)).toEqual([event]);
  });

  test('Firestore: more than 500 writes is refused rather than split', async () => {
    const db = new MemoryFirestore();
    const unit = createUnitOfWork(new FirestoreRepository<Item>(db, 'items'), createEventSink(new MemoryPublisher(), new FirestoreOutbox(db, 'outbox')));
    const many = Array.from({ length: 500 }, (_, i) => newEvent('E', 'test', {}, { id: `e${i}` }));
    await expect(unit.commit({ put: { id: 'a', name: 'x' }, events: many })).rejects.toThrow('at most 500');
    expect(db.docs.size).toBe(0);
  });

  test('otherwise (memory, or direct publishing): write, then emit', async () => {
    // GIVEN
    const repository = new MemoryRepository<Item>();
    const outbox = new MemoryOutbox();
    const publisher = new MemoryPublisher();
    // WHEN
    await createUnitOfWork(repository, createEventSink(publisher, outbox)).commit({ put: { id: 'a', name: 'x' }, events: [event] });
    await createUnitOfWork(repository, createEventSink(publisher)).commit({ remove: 'a', events: [event] });
    await createUnitOfWork(repository, createEventSink(publisher)).commit({ put: { id: 'b', name: 'y' } });
    // THEN
    expect(await outbox.pending(10)).toEqual([event]);
    expect(publisher.published).toEqual([event]);
    expect(await repository.get('a')).toBeUndefined();
    expect(await repository.get('b')).toEqual({ id: 'b', name: 'y' });
  });
});
