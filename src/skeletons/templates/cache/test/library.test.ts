import { newEvent, testSecrets } from '@allframe/platform';
import type { EventHandler } from '@allframe/platform';
import { MemoryCacheStore } from '../src/adapters/memory-store';
import { redisStore } from '../src/adapters/redis-store';
import type { RedisClient } from '../src/adapters/redis-store';
import { invalidationHandler } from '../src/handler';
import { SECRET_NAMES } from '../src/secrets';
import { CacheClient, STRATEGY, WriteBehind, createDependencies, loadConfig, readThrough, writeThrough } from '../src';

const env = { LOG_LEVEL: 'silent' };
const secrets = testSecrets(SECRET_NAMES);
const logger = createDependencies(loadConfig(env), secrets).logger;

/** A fake node-redis client over a Map, recording its lifecycle. */
function fakeRedis() {
  const data = new Map<string, string>();
  const calls: string[] = [];
  const client: RedisClient = {
    on: () => client,
    connect: () => {
      calls.push('connect');
      return Promise.resolve();
    },
    close: () => {
      calls.push('close');
      return Promise.resolve();
    },
    get: (key) => Promise.resolve(data.get(key) ?? null),
    set: (key, value, options) => {
      calls.push(`set ${key} EX ${options.EX}`);
      data.set(key, value);
      return Promise.resolve('OK');
    },
    del: (key) => Promise.resolve(data.delete(key) ? 1 : 0),
  };
  return { client, calls };
}

describe('cache library', () => {
  test('the memory store expires entries', async () => {
    let now = 0;
    const store = new MemoryCacheStore(() => now);
    await store.set('k', 'v', 1);
    expect(await store.get('k')).toBe('v');
    now = 1000;
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', 'v', 1);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });

  test('the redis store connects once, on first use, and closes only when connected', async () => {
    const fake = fakeRedis();
    const unused = redisStore('redis://cache:6379', logger, () => fakeRedis().client);
    await unused.close();
    const { store, close } = redisStore('redis://cache:6379', logger, () => fake.client);
    await store.set('k', 'v', 5);
    expect(await store.get('k')).toBe('v');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    await close();
    expect(fake.calls).toEqual(['connect', 'set k EX 5', 'close']);
    expect(() => redisStore('', logger)).toThrow(/CACHE_URL/);
  });

  test('the client prefixes keys and takes a TTL per entry', async () => {
    const store = new MemoryCacheStore();
    const cache = new CacheClient(store, { prefix: 'p:', ttlSeconds: 60 });
    await cache.set('a', { x: 1 }, 5);
    expect(await store.get('p:a')).toBe('{"x":1}');
    expect(await cache.get('b')).toBeUndefined();
  });

  test('read-through, write-through and write-behind (__strategy__ configured)', async () => {
    expect(STRATEGY).toBe('__strategy__');
    const cache = new CacheClient(new MemoryCacheStore(), { prefix: '', ttlSeconds: 60 });
    const source = new Map<string, number>([['a', 1]]);
    const reader = readThrough(cache, (key) => Promise.resolve(source.get(key) ?? 0));
    expect(await reader.get('a')).toBe(1);
    source.set('a', 2);
    expect(await reader.get('a')).toBe(1);
    await writeThrough<number>(cache, (key, value) => Promise.resolve(void source.set(key, value))).put('b', 3);
    expect([source.get('b'), await cache.get('b')]).toEqual([3, 3]);

    let failing = true;
    const behind = new WriteBehind<number>(cache, (key, value) => (key === 'y' && failing ? Promise.reject(new Error('down')) : Promise.resolve(void source.set(key, value))));
    await behind.put('x', 1);
    await behind.put('y', 2);
    expect(await cache.get('y')).toBe(2);
    await expect(behind.flush()).rejects.toThrow('down');
    expect(source.get('x')).toBe(1);
    failing = false;
    expect(await behind.flush()).toBe(1);
    expect(source.get('y')).toBe(2);
  });

  test('the queue handler invalidates; the wiring rejects an unknown backend', async () => {
    const deps = createDependencies(loadConfig(env), secrets);
    const handler: EventHandler = invalidationHandler(deps);
    await expect(handler(newEvent('Unknown', 'test', {}), { id: 'm', body: '' })).resolves.toBeUndefined();
    const redis = createDependencies(loadConfig({ ...env, CACHE_BACKEND: 'redis', CACHE_URL: 'redis://127.0.0.1:6379' }), secrets);
    await expect(redis.close()).resolves.toBeUndefined();
    expect(() => createDependencies(loadConfig({ ...env, CACHE_BACKEND: 'nope' }), secrets)).toThrow(/CACHE_BACKEND/);
  });
});
