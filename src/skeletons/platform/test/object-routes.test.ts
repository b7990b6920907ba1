import { createApiApp } from '../src/api';
import { createLogger } from '../src/logger';
import { mountObjectRoutes } from '../src/object-routes';
import { MemoryObjectStore, readOnlyObjectStore } from '../src/object-store';

async function setup() {
  const own = new MemoryObjectStore();
  const archive = new MemoryObjectStore();
  await own.put('notes/a.txt', 'own');
  for (const day of ['01', '02', '03']) await archive.put(`events/Reading/2026/12/${day}/x.json`, `{"day":"${day}"}`, { contentType: 'application/json' });
  await archive.put('other/z.bin', new Uint8Array([1, 2, 3]));
  const app = createApiApp({ service: 'query-service', version: '1.0.0', logger: createLogger({ service: 'test', level: 'silent' }), docs: false });
  mountObjectRoutes(app, { 'query-service': own, 'storage-service': readOnlyObjectStore(archive, 'storage-service') });
  return app;
}

describe('the read routes over buckets', () => {
  test('a page of objects by prefix, in key order, with a cursor to the next', async () => {
    const app = await setup();
    const first = await app.request('/buckets/storage-service/objects?prefix=events/&limit=2');
    expect(first.status).toBe(200);
    const page = (await first.json()) as { items: { key: string; size: number }[]; nextCursor?: string };
    expect(page.items).toEqual([
      { key: 'events/Reading/2026/12/01/x.json', size: 12 },
      { key: 'events/Reading/2026/12/02/x.json', size: 12 },
    ]);
    const rest = (await (await app.request(`/buckets/storage-service/objects?prefix=events/&limit=2&cursor=${encodeURIComponent(page.nextCursor!)}`)).json()) as { items: { key: string }[]; nextCursor?: string };
    expect(rest.items.map((o) => o.key)).toEqual(['events/Reading/2026/12/03/x.json']);
    expect(rest.nextCursor).toBeUndefined();
  });

  test('one object, with the content type it was written with; its own bucket too', async () => {
    const app = await setup();
    const res = await app.request(`/buckets/storage-service/object?key=${encodeURIComponent('events/Reading/2026/12/02/x.json')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"day":"02"}');
    const bytes = await app.request('/buckets/storage-service/object?key=other/z.bin');
    expect(bytes.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(await (await app.request('/buckets/query-service/object?key=notes/a.txt')).text()).toBe('own');
  });

  test('an unknown bucket and a missing object are 404s, a bad key a 400, a bad limit or a stray parameter a 422', async () => {
    const app = await setup();
    const unknown = await app.request('/buckets/billing/objects');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toContain('readable: query-service, storage-service');
    expect((await app.request('/buckets/storage-service/object?key=nope')).status).toBe(404);
    expect((await app.request(`/buckets/storage-service/object?key=${encodeURIComponent('../etc/passwd')}`)).status).toBe(400);
    expect((await app.request('/buckets/storage-service/objects?limit=0')).status).toBe(422);
    expect((await app.request('/buckets/storage-service/objects?delete=1')).status).toBe(422);
    expect((await app.request('/buckets/storage-service/objects?cursor=garbage')).status).toBe(400);
  });

  test('the routes are read-only: other methods are not served', async () => {
    const app = await setup();
    expect((await app.request('/buckets/storage-service/object?key=x', { method: 'PUT', body: 'x' })).status).toBe(404);
    expect((await app.request('/buckets/storage-service/object?key=other/z.bin', { method: 'DELETE' })).status).toBe(404);
  });
});
