import { cached } from '@allframe/platform';
import type { CacheStore } from '@allframe/platform';

/** The strategy the architecture file asks for. __strategyDoc__ */
export const STRATEGY = '__strategy__';

export interface CacheOptions {
  /** Prepended to every key. */
  readonly prefix: string;
  /** Lifetime of an entry, in seconds. */
  readonly ttlSeconds: number;
}

/** JSON values in a {@link CacheStore}, under a key prefix, with a default TTL. */
export class CacheClient {
  constructor(
    private readonly store: CacheStore,
    private readonly options: CacheOptions,
  ) {}

  /** The cached value, if any. */
  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.store.get(this.options.prefix + key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  set(key: string, value: unknown, ttlSeconds = this.options.ttlSeconds): Promise<void> {
    return this.store.set(this.options.prefix + key, JSON.stringify(value), ttlSeconds);
  }

  delete(key: string): Promise<void> {
    return this.store.delete(this.options.prefix + key);
  }

  /** Cache-aside: the cached value, else `loader()`'s result, stored for the TTL. */
  getOrLoad<T>(key: string, loader: () => Promise<T>): Promise<T> {
    return cached(this.store, this.options.prefix + key, this.options.ttlSeconds, loader);
  }
}

/** Read-through: callers read only through the cache, which loads misses with `load`. */
export function readThrough<T>(cache: CacheClient, load: (key: string) => Promise<T>): { get(key: string): Promise<T> } {
  return { get: (key) => cache.getOrLoad(key, () => load(key)) };
}

/** Write-through: a write goes to the source (`write`), then to the cache, before it returns. */
export function writeThrough<T>(cache: CacheClient, write: (key: string, value: T) => Promise<void>): { put(key: string, value: T): Promise<void> } {
  return {
    put: async (key, value) => {
      await write(key, value);
      await cache.set(key, value);
    },
  };
}

/**
 * Write-behind: a write goes to the cache at once and to the source on `flush()` (call it on a timer and at
 * shutdown). Unflushed writes are lost if the process dies; a failed write is queued again unless overwritten.
 */
export class WriteBehind<T> {
  private readonly pending = new Map<string, T>();

  constructor(
    private readonly cache: CacheClient,
    private readonly write: (key: string, value: T) => Promise<void>,
  ) {}

  async put(key: string, value: T): Promise<void> {
    await this.cache.set(key, value);
    this.pending.set(key, value);
  }

  /** Writes what is pending to the source; returns how many were written. */
  async flush(): Promise<number> {
    const batch = [...this.pending];
    this.pending.clear();
    let written = 0;
    for (const [key, value] of batch) {
      try {
        await this.write(key, value);
        written++;
      } catch (err) {
        for (const [k, v] of batch.slice(written)) if (!this.pending.has(k)) this.pending.set(k, v);
        throw err;
      }
    }
    return written;
  }
}
