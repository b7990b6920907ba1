import { runWithTenant } from '@allframe/platform';
import { CachedDownstream, DownstreamError, HttpDownstream } from '../src/adapters/downstream';
import { TenantBuckets, TokenBucket } from '../src/adapters/rate-limit';

const policy = { execute: <T>(fn: (signal: AbortSignal) => Promise<T>) => fn(new AbortController().signal), breakerState: () => 'closed' as const };

describe('managed adapters', () => {
  test('HttpDownstream joins URLs, rejects server errors and defaults the content type', async () => {
    const urls: string[] = [];
    const ok = new HttpDownstream('a', 'http://a:8080/', policy, (url) => {
      urls.push(url);
      return Promise.resolve(new Response('x', { status: 200, headers: {} }));
    });
    const res = await ok.get('/p?q=1');
    expect(urls).toEqual(['http://a:8080/p?q=1']);
    expect(res.contentType).toMatch(/text\/plain|application\/octet-stream/);
    const failing = new HttpDownstream('a', 'http://a', policy, () => Promise.resolve(new Response('', { status: 503 })));
    await expect(failing.get('/')).rejects.toBeInstanceOf(DownstreamError);
  });

  test('CachedDownstream caches 200s only, until they expire', async () => {
    let now = 0;
    let status = 200;
    let calls = 0;
    const inner = { name: 'a', get: () => Promise.resolve({ status, contentType: 'application/json', body: String(++calls) }) };
    const cached = new CachedDownstream(inner, 1, () => now);
    expect(cached.name).toBe('a');
    expect((await cached.get('/')).body).toBe('1');
    expect(await cached.get('/')).toMatchObject({ body: '1', cached: true });
    now = 1001;
    status = 404;
    expect((await cached.get('/')).body).toBe('2');
    expect((await cached.get('/')).body).toBe('3');
  });

  test('TokenBucket refills at its rate up to its capacity', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(bucket.retryAfterSeconds()).toBe(1);
    now = 10_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(new TokenBucket(1, 1).take()).toBe(true);
    expect(bucket.bucket()).toBe(bucket);
  });

  test('for a tenant\'s work (architecture.multi_tenant), the calls name the tenant and the cache keeps tenants apart', async () => {
    const sent: (string | undefined)[] = [];
    const http = new HttpDownstream('a', 'http://a', policy, (_url, init) => {
      sent.push(init.headers['__tenantHeaderName__']);
      return Promise.resolve(new Response(String(sent.length), { status: 200 }));
    });
    const cached = new CachedDownstream(http, 60, () => 0);
    const bodies = [await runWithTenant('tenant-a', () => cached.get('/')), await runWithTenant('tenant-b', () => cached.get('/')), await runWithTenant('tenant-a', () => cached.get('/')), await cached.get('/')].map((r) => r.body);
    expect(bodies).toEqual(['1', '2', '1', '3']);
    expect(sent).toEqual(['tenant-a', 'tenant-b', undefined]);
  });

  test('TenantBuckets keeps a bucket per tenant (one outside any), dropping the least recently used beyond its bound', () => {
    const buckets = new TenantBuckets(() => new TokenBucket(1, 1, () => 0), 1);
    expect(runWithTenant('tenant-a', () => [buckets.bucket().take(), buckets.bucket().take(), buckets.bucket().retryAfterSeconds()])).toEqual([true, false, 1]);
    // tenant B's bucket takes the only place: A's next request starts a full bucket
    expect(runWithTenant('tenant-b', () => buckets.bucket().take())).toBe(true);
    expect(runWithTenant('tenant-a', () => buckets.bucket().take())).toBe(true);
    expect([buckets.bucket().take(), buckets.bucket().take()]).toEqual([true, false]);
  });
});
