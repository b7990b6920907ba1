import type { Clock } from './idempotency';

/** Options for {@link TtlCache}. */
export interface TtlCacheOptions {
  ttlMs: number;
  /** Oldest entries are evicted beyond this many; 1000 by default. */
  maxEntries?: number;
  now?: Clock;
}

/** In-process cache whose entries expire `ttlMs` after being set. */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<T>>();
  private readonly now: Clock;
  private readonly maxEntries: number;

  constructor(private readonly options: TtlCacheOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 1000;
  }

  /** The unexpired value under `key`. */
  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Stores `value`, evicting the oldest entry when full. */
  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Removes `key`. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Cache-aside: the cached value, else `loader()`'s result (stored); concurrent misses share one load. */
  async getOrLoad(key: string, loader: () => Promise<T>): Promise<T> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = loader()
        .then((value) => {
          this.set(key, value);
          return value;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }
}

/** Port: a shared string cache (Redis, Memorystore…). */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The part of a node-redis v4+ client the store uses. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { EX: number }): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** {@link CacheStore} over a Redis client. */
export class RedisCacheStore implements CacheStore {
  constructor(private readonly client: RedisLike) {}

  /** The value, or undefined when absent. */
  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  /** Sets the value with an expiry (`SET key value EX ttl`). */
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.client.set(key, value, { EX: ttlSeconds });
  }

  /** Deletes the key. */
  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }
}

/** Cache-aside over a {@link CacheStore} with JSON values: the cached value, else `loader()`'s result (stored). */
export async function cached<T>(
  store: CacheStore,
  key: string,
  ttlSeconds: number,
  loader: () => Promise<T>,
): Promise<T> {
  const hit = await store.get(key);
  if (hit !== undefined) return JSON.parse(hit) as T;
  const value = await loader();
  await store.set(key, JSON.stringify(value), ttlSeconds);
  return value;
}
