import { CachedDownstream, DownstreamError, HttpDownstream } from '../src/adapters/downstream';
import { TokenBucket } from '../src/adapters/rate-limit';

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
  });
});
