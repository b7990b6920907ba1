import { createClient } from '@redis/client';
import { RedisCacheStore } from '@allframe/platform';
import type { CacheStore, Logger, RedisLike } from '@allframe/platform';

/** The part of a node-redis client the store uses. */
export interface RedisClient extends RedisLike {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<void>;
}

/** A store and its connection. */
export interface StoreConnection {
  readonly store: CacheStore;
  close(): Promise<void>;
}

/** {@link RedisCacheStore} over a Redis or Valkey client that connects on first use. */
export function redisStore(url: string, logger: Logger, create: (url: string) => RedisClient = (u) => createClient({ url: u })): StoreConnection {
  if (url === '') throw new Error('CACHE_URL is required for CACHE_BACKEND=redis');
  const client = create(url);
  client.on('error', (err) => logger.error({ err }, 'cache connection error'));
  let connecting: Promise<unknown> | undefined;
  const ready = async (): Promise<RedisLike> => {
    await (connecting ??= client.connect());
    return client;
  };
  const lazy: RedisLike = {
    get: async (key) => (await ready()).get(key),
    set: async (key, value, options) => (await ready()).set(key, value, options),
    del: async (key) => (await ready()).del(key),
  };
  return { store: new RedisCacheStore(lazy), close: async () => (connecting ? client.close() : undefined) };
}
