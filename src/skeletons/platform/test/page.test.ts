import { PutCommand, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { MemoryFirestore } from '../src/firestore';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodeCursor, encodeCursor, resolvePageQuery } from '../src/page';
import { DynamoDbRepository, FirestoreRepository, MemoryRepository, PostgresRepository } from '../src/repository';
import { fakeAws, fakePool } from './fakes';
import { describePageContract, type PagedItem } from './page-contract';

/** A DynamoDB client that scans an in-memory table as DynamoDB does: in its own order, Limit items evaluated per call. */
function scanningTable() {
  const table = new Map<string, Record<string, unknown>>();
  return fakeAws((command) => {
    if (command instanceof PutCommand) table.set(String(command.input.Item!.pk), command.input.Item!);
    if (!(command instanceof ScanCommand)) return {};
    const input: ScanCommandInput = command.input;
    // scan order: not the ids' order
    const all = [...table.values()].sort((a, b) => String(a.n).localeCompare(String(b.n)));
    const from = input.ExclusiveStartKey ? all.findIndex((i) => i.pk === input.ExclusiveStartKey!.pk) + 1 : 0;
    const evaluated = all.slice(from, from + (input.Limit ?? all.length));
    const conditions = (input.FilterExpression ?? '').split(' AND ').filter((c) => c !== '').map((c) => c.split(' = '));
    const items = evaluated.filter((i) => conditions.every(([f, v]) => i[input.ExpressionAttributeNames![f!]!] === input.ExpressionAttributeValues![v!]));
    return { Items: items, ...(from + evaluated.length < all.length ? { LastEvaluatedKey: { pk: evaluated.at(-1)!.pk } } : {}) };
  });
}

describePageContract('MemoryRepository', () => Promise.resolve(new MemoryRepository<PagedItem>()));
describePageContract('FirestoreRepository', () => Promise.resolve(new FirestoreRepository<PagedItem>(new MemoryFirestore(), 'items')));
describePageContract('DynamoDbRepository', () => Promise.resolve(new DynamoDbRepository<PagedItem>(scanningTable(), 'items')));

describe('page queries', () => {
  it('a cursor is opaque and round-trips; anything else is a 400', () => {
    expect(decodeCursor(encodeCursor('a/b é'))).toBe('a/b é');
    for (const bad of ['', 'x', encodeCursor('').slice(0, 3), Buffer.from('{"after":1}').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ status: 400 }) as Error);
    }
  });

  it('defaults and caps the limit', () => {
    expect(resolvePageQuery()).toEqual({ limit: DEFAULT_PAGE_SIZE, where: [] });
    expect(resolvePageQuery({ limit: MAX_PAGE_SIZE, cursor: encodeCursor('x'), where: { name: 'a' } })).toEqual({ limit: 100, after: 'x', where: [['name', 'a']] });
  });
});

describe('PostgresRepository pages', () => {
  it('asks for limit + 1 rows in id order after the cursor, every value a parameter', async () => {
    // GIVEN a pool answering 3 rows for a page of 2
    const pool = fakePool(() => [1, 2, 3].map((i) => ({ data: { id: `i${i}`, name: 'a', n: i } })));
    const repo = new PostgresRepository<PagedItem>(pool, 'items');
    // WHEN
    const page = await repo.page({ limit: 2, cursor: encodeCursor('i0'), where: { name: 'a' } });
    // THEN
    expect(pool.calls).toEqual([{ text: 'select data from items where id > $1 and data->>$2 = $3 order by id limit $4', values: ['i0', 'name', 'a', 3] }]);
    expect(page).toEqual({ items: [{ id: 'i1', name: 'a', n: 1 }, { id: 'i2', name: 'a', n: 2 }], nextCursor: encodeCursor('i2') });
    await repo.page();
    expect(pool.calls[1]).toEqual({ text: 'select data from items order by id limit $1', values: [21] });
  });
});
