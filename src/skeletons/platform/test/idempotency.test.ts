import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Hono } from 'hono';
import { MemoryFirestore } from '../src/firestore';
import {
  DynamoDbIdempotencyStore,
  FirestoreIdempotencyStore,
  idempotency,
  MemoryIdempotencyStore,
  PostgresIdempotencyStore,
  processOnce,
  type IdempotencyStore,
} from '../src/idempotency';
import { tenantMiddleware } from '../src/tenant';
import { fakeAws, fakeClock, fakePool, inputOf } from './fakes';

function appWith(store: IdempotencyStore, options: { header?: string } = {}): { app: Hono; calls: () => number } {
  let calls = 0;
  const app = new Hono();
  app.use('*', idempotency({ store, ttlSeconds: 60, ...options }));
  app.post('/orders', (c) => {
    calls++;
    return c.json({ id: `o${calls}` }, 201);
  });
  app.put('/orders/:id', (c) => {
    calls++;
    return c.body(null, 204);
  });
  app.patch('/orders/:id', (c) => {
    calls++;
    return c.json({ error: 'conflict' }, 409);
  });
  app.get('/orders', (c) => {
    calls++;
    return c.text(`list ${calls}`);
  });
  return { app, calls: () => calls };
}

describe('idempotency middleware', () => {
  it('replays a stored 2xx response with Idempotent-Replayed: true', async () => {
    // GIVEN an app behind the middleware
    const { app, calls } = appWith(new MemoryIdempotencyStore());
    const init = { method: 'POST', headers: { 'Idempotency-Key': 'k1' } };
    // WHEN the same keyed POST is sent twice
    const first = await app.request('/orders', init);
    const second = await app.request('/orders', init);
    // THEN the handler ran once and the second answer is the first, marked as replayed
    expect(calls()).toBe(1);
    expect(first.status).toBe(201);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual({ id: 'o1' });
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(second.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('runs again for a different key, a request without key, or a GET', async () => {
    // GIVEN an app behind the middleware
    const { app, calls } = appWith(new MemoryIdempotencyStore());
    // WHEN requests differ by key, lack a key, or are safe methods
    await app.request('/orders', { method: 'POST', headers: { 'Idempotency-Key': 'a' } });
    await app.request('/orders', { method: 'POST', headers: { 'Idempotency-Key': 'b' } });
    await app.request('/orders', { method: 'POST' });
    await app.request('/orders', { method: 'POST' });
    const get1 = await app.request('/orders', { headers: { 'Idempotency-Key': 'a' } });
    const get2 = await app.request('/orders', { headers: { 'Idempotency-Key': 'a' } });
    // THEN every one reached the handler
    expect(calls()).toBe(6);
    expect(await get2.text()).not.toBe(await get1.text());
  });

  it('does not store non-2xx responses and replays bodiless ones', async () => {
    // GIVEN an app behind the middleware with a custom header
    const { app, calls } = appWith(new MemoryIdempotencyStore(), { header: 'X-Request-Key' });
    const patch = { method: 'PATCH', headers: { 'X-Request-Key': 'p' } };
    const put = { method: 'PUT', headers: { 'X-Request-Key': 'q' } };
    // WHEN a failing PATCH and a 204 PUT are each sent twice
    await app.request('/orders/1', patch);
    const patchAgain = await app.request('/orders/1', patch);
    await app.request('/orders/1', put);
    const putAgain = await app.request('/orders/1', put);
    // THEN the PATCH ran twice (409 is not stored) and the PUT once, replayed without body
    expect(calls()).toBe(3);
    expect(patchAgain.headers.get('Idempotent-Replayed')).toBeNull();
    expect(putAgain.status).toBe(204);
    expect(putAgain.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await putAgain.text()).toBe('');
  });

  it('stores a 2xx response without content type', async () => {
    // GIVEN a store spy and a route answering a bare body
    const store = new MemoryIdempotencyStore();
    const put = jest.spyOn(store, 'put');
    const app = new Hono();
    app.use('*', idempotency({ store }));
    app.delete('/x', () => new Response(new TextEncoder().encode('gone'), { status: 200 }));
    // WHEN a keyed DELETE is sent twice
    await app.request('/x', { method: 'DELETE', headers: { 'Idempotency-Key': 'd' } });
    const again = await app.request('/x', { method: 'DELETE', headers: { 'Idempotency-Key': 'd' } });
    // THEN it is stored for 24 h by default, scoped to method and path, and replayed as is
    expect(put).toHaveBeenCalledWith('DELETE /x d', { status: 200, body: 'gone' }, 86_400);
    expect(await again.text()).toBe('gone');
  });
});

describe('idempotency middleware with tenants', () => {
  it('scopes the keys to the request\'s tenant: the same key of two tenants is two requests, of one tenant one', async () => {
    // GIVEN an app whose requests run for the tenant of their X-Tenant-ID header
    let calls = 0;
    const store = new MemoryIdempotencyStore();
    const app = new Hono();
    app.use('*', tenantMiddleware({ header: 'X-Tenant-ID' }));
    app.use('*', idempotency({ store, ttlSeconds: 60 }));
    app.post('/orders', (c) => c.json({ id: `o${++calls}` }, 201));
    const post = (tenant: string) => app.request('/orders', { method: 'POST', headers: { 'Idempotency-Key': 'k-1', 'X-Tenant-ID': tenant } });
    // WHEN two tenants send the same key, and the first sends it again
    const [a, b, again] = [await post('tenant-a'), await post('tenant-b'), await post('tenant-a')];
    // THEN each tenant's first request ran, and the repeat was replayed from tenant A's own record
    expect(calls).toBe(2);
    expect([await a.json(), await b.json(), await again.json()]).toEqual([{ id: 'o1' }, { id: 'o2' }, { id: 'o1' }]);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await store.get('tenant-b POST /orders k-1')).toMatchObject({ status: 201 });
  });
});

describe('MemoryIdempotencyStore', () => {
  it('forgets entries after their TTL', async () => {
    // GIVEN an entry stored for 10 s on a fake clock
    const clock = fakeClock();
    const store = new MemoryIdempotencyStore(clock.now);
    await store.put('k', { status: 200, body: 'x' }, 10);
    // WHEN time passes
    const before = await store.get('k');
    clock.advance(10_000);
    const after = await store.get('k');
    // THEN it is there before the TTL and gone after
    expect(before).toEqual({ status: 200, body: 'x' });
    expect(after).toBeUndefined();
    expect(await store.get('never')).toBeUndefined();
  });
});

describe('DynamoDbIdempotencyStore', () => {
  it('writes { pk, response, expiresAt } with the TTL in epoch seconds', async () => {
    // GIVEN a store on a fake client and clock
    const client = fakeAws();
    const clock = fakeClock(1_000_000_500);
    const store = new DynamoDbIdempotencyStore(client, 'idem', clock.now);
    // WHEN a response is stored for 60 s
    await store.put('k', { status: 201, body: '{}', contentType: 'application/json' }, 60);
    // THEN one PutCommand carries the item
    expect(client.sent[0]).toBeInstanceOf(PutCommand);
    expect(inputOf(client.sent[0])).toEqual({
      TableName: 'idem',
      Item: { pk: 'k', response: { status: 201, body: '{}', contentType: 'application/json' }, expiresAt: 1_000_060 },
    });
  });

  it('reads consistently and ignores items past expiresAt', async () => {
    // GIVEN items that are live, expired and absent
    const response = { status: 200, body: 'x' };
    const items: Record<string, unknown> = { live: { pk: 'live', response, expiresAt: 2_000 }, old: { pk: 'old', response, expiresAt: 1_000 } };
    const client = fakeAws((cmd) => ({ Item: items[(inputOf(cmd).Key as { pk: string }).pk] }));
    const store = new DynamoDbIdempotencyStore(client, 'idem', () => 1_000_000);
    // WHEN they are read
    const results = [await store.get('live'), await store.get('old'), await store.get('none')];
    // THEN only the live one is returned, via consistent GetCommands
    expect(results).toEqual([response, undefined, undefined]);
    expect(client.sent[0]).toBeInstanceOf(GetCommand);
    expect(inputOf(client.sent[0])).toEqual({ TableName: 'idem', Key: { pk: 'live' }, ConsistentRead: true });
  });

  it('can be created with the real client', () => {
    // GIVEN / WHEN / THEN
    expect(DynamoDbIdempotencyStore.create('idem')).toBeInstanceOf(DynamoDbIdempotencyStore);
  });
});

describe('PostgresIdempotencyStore', () => {
  it('creates its table, upserts with expires_at in epoch seconds and reads only unexpired rows', async () => {
    // GIVEN a pool holding one live row, on a fixed clock
    const response = { status: 201, body: '{}' };
    const pool = fakePool((text, values) => (text.startsWith('select') && values?.[0] === 'live' ? [{ response }] : []));
    const store = new PostgresIdempotencyStore(pool, 'idem', () => 1_000_000_500);
    // WHEN every operation runs
    await store.ensureTable();
    await store.put('k', response, 60);
    const live = await store.get('live');
    const missing = await store.get('other');
    // THEN
    expect([live, missing]).toEqual([response, undefined]);
    expect(pool.calls.slice(0, 3)).toEqual([
      { text: 'create table if not exists idem (key text primary key, response jsonb not null, expires_at bigint not null)', values: undefined },
      {
        text: 'insert into idem (key, response, expires_at) values ($1, $2, $3) on conflict (key) do update set response = excluded.response, expires_at = excluded.expires_at',
        values: ['k', JSON.stringify(response), 1_000_060],
      },
      { text: 'select response from idem where key = $1 and expires_at > $2', values: ['live', 1_000_000] },
    ]);
  });

  it('rejects unsafe table names and defaults to the system clock', async () => {
    expect(() => new PostgresIdempotencyStore(fakePool(), 'Idem')).toThrow('invalid table name');
    const pool = fakePool();
    await new PostgresIdempotencyStore(pool, 'idem').get('k');
    expect(pool.calls[0]?.values?.[1]).toBeGreaterThan(1_700_000_000);
  });
});

describe('FirestoreIdempotencyStore', () => {
  it('stores { key, response, expiresAt } under the encoded key and ignores expired documents', async () => {
    // GIVEN a store on an in-memory Firestore and a fake clock
    const db = new MemoryFirestore();
    const clock = fakeClock(1_000_000);
    const store = new FirestoreIdempotencyStore(db, 'idem', clock.now);
    const response = { status: 201, body: '{}', contentType: 'application/json' };
    // WHEN a response is stored for 60 s under a key with slashes
    await store.put('POST /orders k1', response, 60);
    // THEN it is one document with a timestamp to expire on
    expect(db.docs.get('idem/POST%20%2Forders%20k1')).toEqual({ key: 'POST /orders k1', response, expiresAt: new Date(1_060_000) });
    // AND it is returned until it expires, and nothing for an unknown key
    expect(await store.get('POST /orders k1')).toEqual(response);
    clock.advance(60_000);
    expect(await store.get('POST /orders k1')).toBeUndefined();
    expect(await store.get('other')).toBeUndefined();
  });

  it('defaults to the system clock', async () => {
    const db = new MemoryFirestore();
    await new FirestoreIdempotencyStore(db, 'idem').put('k', { status: 200, body: '' }, 60);
    await expect(new FirestoreIdempotencyStore(db, 'idem').get('k')).resolves.toEqual({ status: 200, body: '' });
    expect(FirestoreIdempotencyStore.create('t')).toBeInstanceOf(FirestoreIdempotencyStore);
  });
});

describe('processOnce', () => {
  it('runs a key once, reports duplicates, and retries after a failure', async () => {
    // GIVEN a store and a handler that fails the first time
    const store = new MemoryIdempotencyStore();
    const fn = jest.fn<Promise<void>, []>().mockRejectedValueOnce(new Error('transient')).mockResolvedValue(undefined);
    // WHEN the same key is processed three times
    await expect(processOnce(store, 'e1', 60, fn)).rejects.toThrow('transient');
    const second = await processOnce(store, 'e1', 60, fn);
    const third = await processOnce(store, 'e1', 60, fn);
    // THEN the failure stored nothing, the retry processed it, and the next call is a duplicate
    expect([second, third]).toEqual(['processed', 'duplicate']);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
