import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Pool } from 'pg';
import { MemoryFirestore } from '../src/firestore';
import type { SqlPool } from '../src/postgres';
import { DynamoDbRepository, FirestoreRepository, MemoryRepository, PostgresRepository, TENANT_POLICY, type Repository } from '../src/repository';
import { fakeAws, fakePool, inputOf } from './fakes';
import { describePutIfContract, type RevisedItem } from './put-if-contract';

interface Order {
  id: string;
  total: number;
  tags?: string[];
}

// Compile-time check: a real pg Pool fits the port.
export const realPoolFits = (pool: Pool): SqlPool => pool;

describe('MemoryRepository', () => {
  it('puts, gets, lists, replaces and deletes copies of items', async () => {
    // GIVEN an empty repository
    const repo: Repository<Order> = new MemoryRepository<Order>();
    const order: Order = { id: 'o1', total: 10, tags: ['a'] };
    // WHEN items are stored and the original object mutated
    await repo.put(order);
    await repo.put({ id: 'o2', total: 20 });
    order.tags?.push('mutated');
    // THEN reads return the stored copies
    expect(await repo.get('o1')).toEqual({ id: 'o1', total: 10, tags: ['a'] });
    expect(await repo.list()).toHaveLength(2);
    expect(await repo.list(1)).toEqual([{ id: 'o1', total: 10, tags: ['a'] }]);
    // AND put replaces, delete removes
    await repo.put({ id: 'o1', total: 11 });
    await repo.delete('o2');
    expect(await repo.list()).toEqual([{ id: 'o1', total: 11 }]);
    expect(await repo.get('o2')).toBeUndefined();
  });
});

describe('DynamoDbRepository', () => {
  it('writes the item with pk = id and reads it back without pk', async () => {
    // GIVEN a fake client holding one item
    const client = fakeAws((cmd) => (cmd instanceof GetCommand ? { Item: { pk: 'o1', id: 'o1', total: 10 } } : {}));
    const repo = new DynamoDbRepository<Order>(client, 'orders');
    // WHEN an item is put and one is read
    await repo.put({ id: 'o1', total: 10 });
    const got = await repo.get('o1');
    // THEN PutCommand and a consistent GetCommand are sent
    expect(client.sent[0]).toBeInstanceOf(PutCommand);
    expect(inputOf(client.sent[0])).toEqual({ TableName: 'orders', Item: { pk: 'o1', id: 'o1', total: 10 } });
    expect(inputOf(client.sent[1])).toEqual({ TableName: 'orders', Key: { pk: 'o1' }, ConsistentRead: true });
    expect(got).toEqual({ id: 'o1', total: 10 });
  });

  it('returns undefined for a missing item, scans for lists and deletes by pk', async () => {
    // GIVEN a fake client
    const client = fakeAws((cmd) => (cmd instanceof ScanCommand ? { Items: [{ pk: 'a', id: 'a', total: 1 }] } : {}));
    const repo = new DynamoDbRepository<Order>(client, 'orders');
    // WHEN
    const missing = await repo.get('x');
    const listed = await repo.list(5);
    const all = await repo.list();
    await repo.delete('a');
    // THEN
    expect(missing).toBeUndefined();
    expect(listed).toEqual([{ id: 'a', total: 1 }]);
    expect(all).toHaveLength(1);
    expect(inputOf(client.sent[1])).toEqual({ TableName: 'orders', Limit: 5 });
    expect(inputOf(client.sent[2])).toEqual({ TableName: 'orders', Limit: 100 });
    expect(client.sent[3]).toBeInstanceOf(DeleteCommand);
    expect(inputOf(client.sent[3])).toEqual({ TableName: 'orders', Key: { pk: 'a' } });
  });

  it('copes with an empty scan and can be created with the real client', async () => {
    const repo = new DynamoDbRepository<Order>(fakeAws(() => ({})), 't');
    expect(await repo.list()).toEqual([]);
    expect(DynamoDbRepository.create<Order>('t')).toBeInstanceOf(DynamoDbRepository);
  });
});

describe('PostgresRepository', () => {
  it('with rowLevelSecurity, makes its table\'s forced row-level security and tenant policy, in one transaction, when missing only', async () => {
    const pool = fakePool();
    await new PostgresRepository<Order>(pool, 'orders', { rowLevelSecurity: true }).ensureTable();
    expect(pool.calls[1]).toMatchObject({ values: [TENANT_POLICY, 'orders'] });
    expect(pool.calls.filter((c) => !c.text.startsWith('select')).map((c) => c.text)).toEqual([
      'create table if not exists orders (id text primary key, data jsonb not null)',
      'alter table orders enable row level security; alter table orders force row level security; ' +
        `drop policy if exists ${TENANT_POLICY} on orders; ` +
        `create policy ${TENANT_POLICY} on orders using (data->>'tenant' = current_setting('allframe.tenant', true)) with check (data->>'tenant' = current_setting('allframe.tenant', true))`,
    ]);
    // a table already secured, with its policy, is not altered again
    const secured = fakePool((text) => (text.startsWith('select c.relrowsecurity') ? [{ secured: true, policy: true }] : []));
    await new PostgresRepository<Order>(secured, 'orders', { rowLevelSecurity: true }).ensureTable();
    expect(secured.calls).toHaveLength(2);
  });

  it('runs parameterised SQL on (id, data jsonb)', async () => {
    // GIVEN a pool returning one row
    const pool = fakePool(() => [{ data: { id: 'o1', total: 10 } }]);
    const repo = new PostgresRepository<Order>(pool, 'orders');
    // WHEN every operation runs
    await repo.ensureTable();
    const got = await repo.get('o1');
    const listed = await repo.list();
    await repo.put({ id: 'o1', total: 10 });
    await repo.delete('o1');
    // THEN results come from data and SQL uses placeholders
    expect(got).toEqual({ id: 'o1', total: 10 });
    expect(listed).toEqual([{ id: 'o1', total: 10 }]);
    expect(pool.calls).toEqual([
      { text: 'create table if not exists orders (id text primary key, data jsonb not null)', values: undefined },
      { text: 'select data from orders where id = $1', values: ['o1'] },
      { text: 'select data from orders order by id limit $1', values: [100] },
      {
        text: 'insert into orders (id, data) values ($1, $2) on conflict (id) do update set data = excluded.data',
        values: ['o1', '{"id":"o1","total":10}'],
      },
      { text: 'delete from orders where id = $1', values: ['o1'] },
    ]);
  });

  it('returns undefined for a missing row', async () => {
    expect(await new PostgresRepository<Order>(fakePool(), 'orders').get('x')).toBeUndefined();
  });

  it('rejects unsafe table names', () => {
    // GIVEN / WHEN / THEN
    for (const bad of ['Orders', 'orders; drop table x', '1orders', '']) {
      expect(() => new PostgresRepository<Order>(fakePool(), bad)).toThrow('invalid table name');
    }
  });
});

describe('FirestoreRepository', () => {
  it('keeps one document per item, the item as JSON, and reads it back', async () => {
    // GIVEN a repository on an in-memory Firestore
    const db = new MemoryFirestore();
    const repo = new FirestoreRepository<Order & { grid?: number[][] }>(db, 'shop-orders');
    // WHEN items are put, one with an id Firestore could not take as it is and one with arrays of arrays
    await repo.put({ id: 'o/1', total: 10, grid: [[1, 2]] });
    await repo.put({ id: 'o2', total: 20 });
    await repo.put({ id: 'o2', total: 21 });
    // THEN
    expect(db.docs.get('shop-orders/o%2F1')).toEqual({ id: 'o/1', data: '{"id":"o/1","total":10,"grid":[[1,2]]}' });
    expect(await repo.get('o/1')).toEqual({ id: 'o/1', total: 10, grid: [[1, 2]] });
    expect(await repo.list()).toEqual([{ id: 'o/1', total: 10, grid: [[1, 2]] }, { id: 'o2', total: 21 }]);
    expect(await repo.list(1)).toHaveLength(1);
    // AND delete removes, a missing item is undefined
    await repo.delete('o2');
    await repo.delete('never');
    expect(await repo.get('o2')).toBeUndefined();
  });

  it('can be created on the shared client', () => {
    expect(FirestoreRepository.create<Order>('t')).toBeInstanceOf(FirestoreRepository);
  });
});

describePutIfContract('MemoryRepository', () => Promise.resolve(new MemoryRepository<RevisedItem>()));
describePutIfContract('FirestoreRepository', () => Promise.resolve(new FirestoreRepository<RevisedItem>(new MemoryFirestore(), 'items')));

describe('putIf on DynamoDB and PostgreSQL', () => {
  it('DynamoDB: a Put conditional on the field or on no item; a failed condition is false, other errors throw', async () => {
    // GIVEN a table refusing the condition for the item `taken`, and failing for `broken`
    const client = fakeAws((cmd) => {
      const id = (inputOf(cmd).Item as { id: string }).id;
      if (id === 'broken') throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      if (id === 'taken') throw Object.assign(new Error('the conditional request failed'), { name: 'ConditionalCheckFailedException' });
      return {};
    });
    const repo = new DynamoDbRepository<RevisedItem>(client, 'items');
    // WHEN items are written conditionally
    expect(await repo.putIf({ id: 'a', revision: 2 }, 'revision', 1)).toBe(true);
    expect(await repo.putIf({ id: 'b', revision: 1 }, 'revision', undefined)).toBe(true);
    expect(await repo.putIf({ id: 'taken', revision: 1 }, 'revision', undefined)).toBe(false);
    await expect(repo.putIf({ id: 'broken', revision: 1 }, 'revision', undefined)).rejects.toThrow('throttled');
    // THEN the conditions were sent with the puts
    expect(inputOf(client.sent[0])).toEqual({
      TableName: 'items',
      Item: { pk: 'a', id: 'a', revision: 2 },
      ConditionExpression: '#f = :expected',
      ExpressionAttributeNames: { '#f': 'revision' },
      ExpressionAttributeValues: { ':expected': 1 },
    });
    expect(inputOf(client.sent[1])).toEqual({ TableName: 'items', Item: { pk: 'b', id: 'b', revision: 1 }, ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('PostgreSQL: insert on conflict do nothing, or update where the jsonb field equals; written when a row comes back', async () => {
    // GIVEN a pool answering a row for the item `a` only
    const pool = fakePool((_, values) => (values?.[0] === 'a' ? [{ id: 'a' }] : []));
    const repo = new PostgresRepository<RevisedItem>(pool, 'items');
    // WHEN
    const results = [await repo.putIf({ id: 'a', revision: 1 }, 'revision', undefined), await repo.putIf({ id: 'b', revision: 3 }, 'revision', 2)];
    // THEN every value is a parameter
    expect(results).toEqual([true, false]);
    expect(pool.calls).toEqual([
      { text: 'insert into items (id, data) values ($1, $2) on conflict (id) do nothing returning id', values: ['a', '{"id":"a","revision":1}'] },
      { text: 'update items set data = $2 where id = $1 and data -> $3::text = $4::jsonb returning id', values: ['b', '{"id":"b","revision":3}', 'revision', '2'] },
    ]);
  });
});
