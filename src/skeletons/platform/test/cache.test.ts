import { cached, RedisCacheStore, TtlCache, type CacheStore, type RedisLike } from '../src/cache';
import { fakeClock } from './fakes';

describe('TtlCache', () => {
  it('returns values until their TTL passes', () => {
    // GIVEN a 1 s cache on a fake clock
    const clock = fakeClock();
    const cache = new TtlCache<number>({ ttlMs: 1_000, now: clock.now });
    cache.set('a', 1);
    // WHEN time passes
    const before = cache.get('a');
    clock.advance(1_000);
    // THEN the value expires
    expect(before).toBe(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('never')).toBeUndefined();
  });

  it('deletes and evicts the oldest entry beyond maxEntries', () => {
    // GIVEN a cache holding at most 2 entries
    const cache = new TtlCache<string>({ ttlMs: 1_000, maxEntries: 2 });
    // WHEN three are set (a re-set moves b to the newest) and one deleted
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('b', 'B2');
    cache.set('c', 'C');
    // THEN a was evicted
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'B2', 'C']);
    cache.delete('b');
    expect(cache.get('b')).toBeUndefined();
  });

  it('getOrLoad loads once on a miss, shares concurrent loads and reloads after expiry', async () => {
    // GIVEN an empty cache and a counting loader
    const clock = fakeClock();
    const cache = new TtlCache<string>({ ttlMs: 100, now: clock.now });
    let loads = 0;
    const loader = jest.fn(() => Promise.resolve(`v${++loads}`));
    // WHEN two concurrent reads miss, then a hit, then a read after expiry
    const [a, b] = await Promise.all([cache.getOrLoad('k', loader), cache.getOrLoad('k', loader)]);
    const hit = await cache.getOrLoad('k', loader);
    clock.advance(100);
    const reloaded = await cache.getOrLoad('k', loader);
    // THEN the loader ran once for the misses and again after expiry
    expect([a, b, hit, reloaded]).toEqual(['v1', 'v1', 'v1', 'v2']);
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('does not cache a failed load', async () => {
    // GIVEN a loader failing once
    const cache = new TtlCache<string>({ ttlMs: 1_000 });
    const loader = jest.fn<Promise<string>, []>().mockRejectedValueOnce(new Error('down')).mockResolvedValue('up');
    // WHEN / THEN
    await expect(cache.getOrLoad('k', loader)).rejects.toThrow('down');
    await expect(cache.getOrLoad('k', loader)).resolves.toBe('up');
  });
});

describe('RedisCacheStore', () => {
  function fakeRedis(): RedisLike & { data: Map<string, string>; set: jest.Mock } {
    const data = new Map<string, string>();
    return {
      data,
      get: (key: string) => Promise.resolve(data.get(key) ?? null),
      set: jest.fn((key: string, value: string) => Promise.resolve(data.set(key, value))),
      del: (key: string) => Promise.resolve(data.delete(key)),
    };
  }

  it('sets with EX, gets (null as undefined) and deletes', async () => {
    // GIVEN a store over a fake client
    const redis = fakeRedis();
    const store: CacheStore = new RedisCacheStore(redis);
    // WHEN a value is set, read, deleted and read again
    await store.set('k', 'v', 30);
    const first = await store.get('k');
    await store.delete('k');
    // THEN
    expect(redis.set).toHaveBeenCalledWith('k', 'v', { EX: 30 });
    expect(first).toBe('v');
    expect(await store.get('k')).toBeUndefined();
  });

  it('cached() loads on a miss, stores JSON with the TTL, and serves hits', async () => {
    // GIVEN an empty store
    const redis = fakeRedis();
    const store = new RedisCacheStore(redis);
    const loader = jest.fn(() => Promise.resolve({ total: 3 }));
    // WHEN read twice through the cache
    const first = await cached(store, 'order:1', 60, loader);
    const second = await cached(store, 'order:1', 60, loader);
    // THEN the loader ran once and the JSON was stored
    expect([first, second]).toEqual([{ total: 3 }, { total: 3 }]);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(redis.set).toHaveBeenCalledWith('order:1', '{"total":3}', { EX: 60 });
  });
});
