import { ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MemoryPublisher, newEvent, type EventEnvelope, type EventPublisher } from '../src/events';
import { MemoryFirestore } from '../src/firestore';
import { DynamoDbOutbox, FirestoreOutbox, MemoryOutbox, OutboxRelay, PostgresOutbox } from '../src/outbox';
import { fakeAws, fakeLogger, fakePool, inputOf } from './fakes';

const event = (id: string, time = '2026-01-01T00:00:00.000Z'): EventEnvelope => newEvent('t', 's', { id }, { id, time });

describe('MemoryOutbox', () => {
  it('returns pending events oldest first up to the limit and forgets sent ones', async () => {
    // GIVEN three events added (one twice)
    const outbox = new MemoryOutbox();
    await outbox.add([event('a'), event('b')]);
    await outbox.add([event('c'), event('a')]);
    // WHEN two are marked sent (and an unknown id)
    const firstTwo = await outbox.pending(2);
    await outbox.markSent(['a', 'b', 'zzz']);
    // THEN the first page was a, b and only c is left
    expect(firstTwo.map((e) => e.id)).toEqual(['a', 'b']);
    expect((await outbox.pending(10)).map((e) => e.id)).toEqual(['c']);
  });
});

describe('OutboxRelay', () => {
  it('publishes pending events, marks them sent and returns the count', async () => {
    // GIVEN an outbox with 30 events
    const outbox = new MemoryOutbox();
    await outbox.add(Array.from({ length: 30 }, (_, i) => event(`e${i}`)));
    const publisher = new MemoryPublisher();
    const logger = fakeLogger();
    const relay = new OutboxRelay(outbox, publisher, logger);
    // WHEN the relay runs three times with the default limit
    const counts = [await relay.runOnce(), await relay.runOnce(), await relay.runOnce()];
    // THEN 25, then 5, then nothing was relayed, each event once
    expect(counts).toEqual([25, 5, 0]);
    expect(publisher.published).toHaveLength(30);
    expect(logger.info).toHaveBeenCalledWith({ count: 25 }, 'outbox relayed');
  });

  it('marks nothing when publishing fails, so the next run retries', async () => {
    // GIVEN a publisher failing once
    const outbox = new MemoryOutbox();
    await outbox.add([event('a')]);
    const publish = jest.fn<Promise<void>, [readonly EventEnvelope[]]>().mockRejectedValueOnce(new Error('bus down')).mockResolvedValue();
    const publisher: EventPublisher = { publish };
    const markSent = jest.spyOn(outbox, 'markSent');
    const logger = fakeLogger();
    const relay = new OutboxRelay(outbox, publisher, logger);
    // WHEN it runs, fails, and runs again
    await expect(relay.runOnce(5)).rejects.toThrow('bus down');
    const pendingAfterFailure = await outbox.pending(5);
    const second = await relay.runOnce(5);
    // THEN the failure marked nothing and the second run delivered it
    expect(pendingAfterFailure).toHaveLength(1);
    expect(markSent).toHaveBeenCalledTimes(1);
    expect(second).toBe(1);
    expect(logger.error).toHaveBeenCalledWith({ err: new Error('bus down'), count: 1 }, 'outbox publish failed');
  });
});

describe('DynamoDbOutbox', () => {
  it('adds events as pending items with TransactWrite', async () => {
    // GIVEN a fake client
    const client = fakeAws();
    const outbox = new DynamoDbOutbox(client, 'outbox');
    // WHEN 101 events are added
    await outbox.add(Array.from({ length: 101 }, (_, i) => event(`e${i}`)));
    // THEN two transactions of 100 and 1 Put items were written
    expect(client.sent[0]).toBeInstanceOf(TransactWriteCommand);
    const items = inputOf(client.sent[0]).TransactItems as unknown[];
    expect(items).toHaveLength(100);
    expect(items[0]).toEqual({
      Put: { TableName: 'outbox', Item: { pk: 'e0', status: 'pending', createdAt: '2026-01-01T00:00:00.000Z', event: event('e0') } },
    });
    expect(inputOf(client.sent[1]).TransactItems).toHaveLength(1);
  });

  it('scans pending items across pages, oldest first, up to the limit', async () => {
    // GIVEN two pages of pending items, out of order
    const item = (id: string, time: string): Record<string, unknown> => ({ pk: id, status: 'pending', createdAt: time, event: event(id, time) });
    const pages = [
      { Items: [item('b', '2026-01-02T00:00:00Z')], LastEvaluatedKey: { pk: 'b' } },
      { Items: [item('a', '2026-01-01T00:00:00Z'), item('c', '2026-01-03T00:00:00Z')] },
    ];
    let page = 0;
    const client = fakeAws(() => pages[page++]);
    // WHEN two are asked for
    const pending = await new DynamoDbOutbox(client, 'outbox').pending(2);
    // THEN both pages were read with a status filter and the two oldest returned
    expect(pending.map((e) => e.id)).toEqual(['a', 'b']);
    expect(client.sent).toHaveLength(2);
    expect(client.sent[0]).toBeInstanceOf(ScanCommand);
    expect(inputOf(client.sent[0])).toMatchObject({ TableName: 'outbox', FilterExpression: '#status = :pending', ExpressionAttributeValues: { ':pending': 'pending' } });
    expect(inputOf(client.sent[1]).ExclusiveStartKey).toEqual({ pk: 'b' });
  });

  it('stops scanning once the limit is reached and copes with empty pages', async () => {
    // GIVEN a first page that already fills the limit, and an empty table
    const full = fakeAws(() => ({ Items: [{ pk: 'a', createdAt: 'x', event: event('a') }], LastEvaluatedKey: { pk: 'a' } }));
    const empty = fakeAws(() => ({}));
    // WHEN / THEN
    expect(await new DynamoDbOutbox(full, 't').pending(1)).toHaveLength(1);
    expect(full.sent).toHaveLength(1);
    expect(await new DynamoDbOutbox(empty, 't').pending(5)).toEqual([]);
  });

  it('marks ids sent and sets expiresAt after the retention', async () => {
    // GIVEN an outbox with a 1-day retention on a fixed clock
    const client = fakeAws();
    const outbox = new DynamoDbOutbox(client, 'outbox', { retentionSeconds: 86_400, now: () => 1_000_000_000 });
    // WHEN two ids are marked sent
    await outbox.markSent(['a', 'b']);
    // THEN each gets an UpdateCommand
    expect(client.sent).toHaveLength(2);
    expect(client.sent[1]).toBeInstanceOf(UpdateCommand);
    expect(inputOf(client.sent[1])).toEqual({
      TableName: 'outbox',
      Key: { pk: 'b' },
      UpdateExpression: 'SET #status = :sent, expiresAt = :expiresAt',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':expiresAt': 1_000_000 + 86_400 },
    });
  });

  it('keeps sent items 7 days by default and can be created with the real client', async () => {
    // GIVEN / WHEN
    const client = fakeAws();
    const before = Math.floor(Date.now() / 1000);
    await new DynamoDbOutbox(client, 't').markSent(['a']);
    // THEN
    const expiresAt = (inputOf(client.sent[0]).ExpressionAttributeValues as Record<string, number>)[':expiresAt'];
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400);
    expect(DynamoDbOutbox.create('t')).toBeInstanceOf(DynamoDbOutbox);
  });
});

describe('PostgresOutbox', () => {
  it('creates its table, inserts pending events, selects the oldest and marks them sent', async () => {
    // GIVEN a pool answering the pending query with one row
    const pool = fakePool((text) => (text.startsWith('select') ? [{ event: event('a') }] : []));
    const outbox = new PostgresOutbox(pool, 'orders_outbox');
    // WHEN every operation runs
    await outbox.ensureTable();
    await outbox.add([event('a'), event('b')]);
    const pending = await outbox.pending(10);
    await outbox.markSent(['a']);
    // THEN the SQL is parameterised and the event comes back from jsonb
    expect(pending).toEqual([event('a')]);
    expect(pool.calls).toEqual([
      {
        text: 'create table if not exists orders_outbox (id text primary key, status text not null, created_at text not null, event jsonb not null)',
        values: undefined,
      },
      { text: "create index if not exists orders_outbox_pending on orders_outbox (created_at) where status = 'pending'", values: undefined },
      {
        text: "insert into orders_outbox (id, status, created_at, event) values ($1, 'pending', $2, $3) on conflict (id) do nothing",
        values: ['a', '2026-01-01T00:00:00.000Z', JSON.stringify(event('a'))],
      },
      expect.objectContaining({ values: ['b', '2026-01-01T00:00:00.000Z', JSON.stringify(event('b'))] }) as unknown,
      { text: "select event from orders_outbox where status = 'pending' order by created_at limit $1", values: [10] },
      { text: "update orders_outbox set status = 'sent' where id = any($1)", values: [['a']] },
    ]);
  });

  it('rejects unsafe table names', () => {
    expect(() => new PostgresOutbox(fakePool(), 'outbox; drop')).toThrow('invalid table name');
  });
});

describe('FirestoreOutbox', () => {
  it('adds pending events, returns them oldest first up to the limit and marks them sent', async () => {
    // GIVEN events added out of order on an in-memory Firestore
    const db = new MemoryFirestore();
    const outbox = new FirestoreOutbox(db, 'shop-outbox', { retentionSeconds: 60, now: () => 1_000_000 });
    await outbox.add([event('b', '2026-01-02T00:00:00.000Z'), event('a', '2026-01-01T00:00:00.000Z')]);
    await outbox.add([event('c', '2026-01-03T00:00:00.000Z')]);
    // WHEN two are read and marked sent (with an id never added)
    const firstTwo = await outbox.pending(2);
    await outbox.markSent(['a', 'b', 'zzz']);
    // THEN the oldest two came first and only c is left pending
    expect(firstTwo.map((e) => e.id)).toEqual(['a', 'b']);
    expect(firstTwo[0]).toEqual(event('a', '2026-01-01T00:00:00.000Z'));
    expect((await outbox.pending(10)).map((e) => e.id)).toEqual(['c']);
    // AND a sent document keeps its event and expires after the retention
    expect(db.docs.get('shop-outbox/a')).toEqual({
      status: 'sent',
      createdAt: '2026-01-01T00:00:00.000Z',
      pendingSince: null,
      event: JSON.stringify(event('a', '2026-01-01T00:00:00.000Z')),
      expiresAt: new Date(1_000_000 + 60_000),
    });
  });

  it('writes more than 500 events in batches of 500, and keeps sent events 7 days by default', async () => {
    const db = new MemoryFirestore();
    const commits = jest.spyOn(db, 'batch');
    const outbox = new FirestoreOutbox(() => Promise.resolve(db), 'o');
    await outbox.add(Array.from({ length: 501 }, (_, i) => event(`e${i}`)));
    expect(commits).toHaveBeenCalledTimes(2);
    const before = Date.now();
    await outbox.markSent(['e0']);
    expect((db.docs.get('o/e0')?.expiresAt as Date).getTime()).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(FirestoreOutbox.create('t')).toBeInstanceOf(FirestoreOutbox);
  });
});
