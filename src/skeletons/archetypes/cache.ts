/**
 * cache: the cache itself is a managed service (Redis/Valkey), so the package is a small library (a cache-aside
 * client over the platform's CacheStore, with the other strategies as thin wrappers) plus the invalidation
 * function run for cache.invalidation events (Lambda SQS entry, and a container entry with POST /events).
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { containerEntry, lambdaEntry, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { configFile } from '../common';
import { camel, kebab } from '../names';

/** The entity an event is about, as the key namespace: ProductUpdated → product, UserLoggedOut → user. */
function entityOf(event: string): string {
  return kebab(event).split('-')[0]!;
}

const STRATEGY_DOC: Record<string, string> = {
  'cache-aside': 'cache-aside: callers ask the cache first and load from the source on a miss (`cache.getOrLoad`).',
  'read-through': 'read-through: callers read only through the cache, which loads misses with a fixed loader (`readThrough`).',
  'write-through': 'write-through: a write goes to the source, then to the cache, before it returns (`writeThrough`).',
  'write-behind': 'write-behind: a write goes to the cache at once and to the source later, on `flush()` (`WriteBehind`).',
};

export function renderCache(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const spec = s.spec.cache ?? {};
  const backend = spec.backend ?? 'redis';
  const strategy = spec.strategy ?? 'cache-aside';
  const ttl = spec.ttl_seconds ?? 3600;
  const events = spec.invalidation ?? [];
  const files: OutputFile[] = [
    servicePackage(ctx, ['hono', '@redis/client']),
    configFile(ctx, {
      CACHE_BACKEND: { kind: 'string', default: 'memory', description: `memory | redis (redis also serves valkey)${backend === 'memcached' ? '; memcached needs a CacheStore adapter of its own' : ''}` },
      CACHE_URL: { kind: 'string', default: '', description: `redis:// or rediss:// URL of the ${backend} cache (CACHE_BACKEND=redis)` },
      CACHE_KEY_PREFIX: { kind: 'string', default: `${s.name}:`, description: 'Prefix of every key this package writes' },
      CACHE_TTL_SECONDS: { kind: 'int', default: String(ttl), description: 'Lifetime of a cached entry, in seconds' },
    }),
    dockerfile(ctx, 'server'),
  ];

  files.push(
    managed(
      `${ctx.dir}/README.md`,
      `# ${s.name}

${s.spec.responsibility ? `${s.spec.responsibility}\n\n` : ''}A managed ${backend} cache (archetype \`cache\`): the cache runs no code of its own, so this package is

- a library the other services import (\`src/index.ts\`): \`CacheClient\` over the platform's \`CacheStore\`
  (\`RedisCacheStore\` with \`CACHE_BACKEND=redis\` and \`CACHE_URL\`, an in-memory store otherwise), entries living
  \`CACHE_TTL_SECONDS\` (${ttl}) under the \`CACHE_KEY_PREFIX\` prefix;
- an invalidation function for ${events.length > 0 ? events.map((e) => `\`${e}\``).join(', ') : 'no events (cache.invalidation is empty)'}: it deletes the keys
  \`keysFor\` (\`src/application/invalidation-keys.ts\`, yours) derives from each event. It runs on Lambda from
  an SQS queue (\`src/entry/lambda.ts\`) or in a container (\`src/entry/server.ts\`: \`POST /events\` with an event
  envelope).

Strategy: ${STRATEGY_DOC[strategy]} Cache-aside is what \`CacheClient\` implements; the other strategies are thin
wrappers around the same store in \`src/cache-client.ts\`.
${backend === 'memcached' ? '\nmemcached: the platform has no memcached store; implement `CacheStore` over a memcached client and pass it to `createDependencies`.\n' : ''}`,
    ),
    managed(
      `${ctx.dir}/src/adapters/memory-store.ts`,
      `import type { CacheStore } from '${P}';

/** In-process {@link CacheStore} for tests and local runs: entries expire after their TTL. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return Promise.resolve(entry.value);
    this.entries.delete(key);
    return Promise.resolve(undefined);
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/adapters/redis-store.ts`,
      `import { createClient } from '@redis/client';
import { RedisCacheStore } from '${P}';
import type { CacheStore, Logger, RedisLike } from '${P}';

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
`,
    ),
    managed(
      `${ctx.dir}/src/cache-client.ts`,
      `import { cached } from '${P}';
import type { CacheStore } from '${P}';

/** The strategy the architecture file asks for. ${STRATEGY_DOC[strategy]} */
export const STRATEGY = '${strategy}';

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

  /** Cache-aside: the cached value, else \`loader()\`'s result, stored for the TTL. */
  getOrLoad<T>(key: string, loader: () => Promise<T>): Promise<T> {
    return cached(this.store, this.options.prefix + key, this.options.ttlSeconds, loader);
  }
}

/** Read-through: callers read only through the cache, which loads misses with \`load\`. */
export function readThrough<T>(cache: CacheClient, load: (key: string) => Promise<T>): { get(key: string): Promise<T> } {
  return { get: (key) => cache.getOrLoad(key, () => load(key)) };
}

/** Write-through: a write goes to the source (\`write\`), then to the cache, before it returns. */
export function writeThrough<T>(cache: CacheClient, write: (key: string, value: T) => Promise<void>): { put(key: string, value: T): Promise<void> } {
  return {
    put: async (key, value) => {
      await write(key, value);
      await cache.set(key, value);
    },
  };
}

/**
 * Write-behind: a write goes to the cache at once and to the source on \`flush()\` (call it on a timer and at
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
`,
    ),
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createLogger } from '${P}';
import type { Logger } from '${P}';
import { MemoryCacheStore } from './adapters/memory-store';
import { redisStore } from './adapters/redis-store';
import type { StoreConnection } from './adapters/redis-store';
import { CacheClient } from './cache-client';
import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the invalidation function (and a service using the library) needs. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly cache: CacheClient;
  close(): Promise<void>;
}

function connect(config: Config, logger: Logger): StoreConnection {
  switch (config.CACHE_BACKEND) {
    case 'memory':
      return { store: new MemoryCacheStore(), close: () => Promise.resolve() };
    case 'redis':
      return redisStore(config.CACHE_URL, logger);
    default:
      throw new Error(\`CACHE_BACKEND must be one of memory, redis, got \${JSON.stringify(config.CACHE_BACKEND)}\`);
  }
}

/** The cache client over the configured store (in memory unless CACHE_BACKEND=redis). */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const connection = connect(config, logger);
  return {
${secretsWiring(ctx).prop}    logger,
    cache: new CacheClient(connection.store, { prefix: config.CACHE_KEY_PREFIX, ttlSeconds: config.CACHE_TTL_SECONDS }),
    close: async () => {
      await connection.close();
      await closePools();
    },
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/handler.ts`,
      `import type { EventEnvelope, EventHandler } from '${P}';
import { keysFor } from './application/invalidation-keys';
import type { Dependencies } from './deps';

/** Deletes the keys \`keysFor\` derives from \`event\` and returns them; other events delete nothing. */
export async function invalidate(deps: Pick<Dependencies, 'cache' | 'logger'>, event: EventEnvelope): Promise<string[]> {
  const keys = keysFor(event);
  if (keys.length === 0) {
    deps.logger.debug({ type: event.type, eventId: event.id }, 'event ignored');
    return [];
  }
  await Promise.all(keys.map((key) => deps.cache.delete(key)));
  deps.logger.info({ type: event.type, eventId: event.id, keys: keys.length }, 'cache entries invalidated');
  return keys;
}

/** {@link invalidate} as a queue consumer's handler. */
export function invalidationHandler(deps: Pick<Dependencies, 'cache' | 'logger'>): EventHandler {
  return async (event) => {
    await invalidate(deps, event);
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { HttpError, createHttpApp, parseEnvelope } from '${P}';
import type { EventEnvelope } from '${P}';
import type { Dependencies } from './deps';
import { invalidate } from './handler';

/** The container's HTTP app: probes, and POST /events with one event envelope to invalidate its keys. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: '${s.name}', logger: deps.logger });
  app.post('/events', async (c) => {
    let event: EventEnvelope;
    try {
      event = parseEnvelope(await c.req.text());
    } catch {
      throw new HttpError(400, 'expected an event envelope');
    }
    return c.json({ deleted: await invalidate(deps, event) });
  });
  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/src/index.ts`,
      `// The library other services import: the cache client, its strategies, and the wiring.
export { CacheClient, readThrough, STRATEGY, WriteBehind, writeThrough } from './cache-client';
export type { CacheOptions } from './cache-client';
export { loadConfig } from './config';
export type { Config } from './config';
export { createDependencies } from './deps';
export type { Dependencies } from './deps';
export { invalidate } from './handler';
`,
    ),
    managed(
      `${ctx.dir}/src/entry/lambda.ts`,
      lambdaEntry(ctx, `import { sqsHandler } from '${P}';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { invalidationHandler } from '../handler';

const deps = createDependencies(loadConfig(process.env));

/** Invalidation from an SQS queue subscribed to ${events.join(', ') || 'the invalidation events'} (enable ReportBatchItemFailures). */
export const handler = sqsHandler(invalidationHandler(deps), { logger: deps.logger });
`),
    ),
    managed(
      `${ctx.dir}/src/entry/server.ts`,
      containerEntry(ctx, `import { serve } from '${P}';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';

const config = loadConfig(process.env);
const deps = createDependencies(config);
serve(buildApp(deps), { port: config.PORT, logger: deps.logger, onShutdown: () => deps.close() });
`),
    ),
    owned(
      `${ctx.dir}/src/application/invalidation-keys.ts`,
      `import type { EventEnvelope } from '${P}';
${
  events.length === 0
    ? ''
    : `
/** The first string field of \`data\` among \`fields\`. */
function idOf(data: unknown, ...fields: string[]): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const value = fields.map((f) => record[f]).find((v) => typeof v === 'string' && v !== '');
  return value as string | undefined;
}
`
}
/**
 * The keys (without the prefix) an event invalidates; none for events this cache does not care about.
 * The defaults delete \`<entity>:<id>\`: write your cached values under the same keys, or change this.
 */
export function keysFor(event: EventEnvelope): string[] {
  switch (event.type) {
${events
  .map((e) => {
    const entity = entityOf(e);
    return `    case '${e}': {
      const id = idOf(event.data, 'id', '${camel(entity)}Id');
      return id === undefined ? [] : [\`${entity}:\${id}\`];
    }
`;
  })
  .join('')}    default:
      return [];
  }
}
`,
    ),
  );

  // tests: the owned behaviour (cache-aside, invalidation) and the managed adapters and wiring
  const env = `{ LOG_LEVEL: 'silent' }`;
  const perEvent = events
    .map(
      (e) => `
  test('${e} deletes ${entityOf(e)}:<id>', async () => {
    // GIVEN a cached entry
    const deps = createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg});
    await deps.cache.set('${entityOf(e)}:42', { name: 'cached' });
    // WHEN the event arrives
    const deleted = await invalidate(deps, newEvent('${e}', 'test', { id: '42' }));
    // THEN the entry is gone
    expect(deleted).toEqual(['${entityOf(e)}:42']);
    expect(await deps.cache.get('${entityOf(e)}:42')).toBeUndefined();
    expect(await invalidate(deps, newEvent('${e}', 'test', { other: 1 }))).toEqual([]);
    expect(await invalidate(deps, newEvent('${e}', 'test', null))).toEqual([]);
  });
`,
    )
    .join('');
  files.push(
    owned(
      `${ctx.dir}/test/cache.test.ts`,
      `import { newEvent } from '${P}';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { invalidate } from '../src/handler';

describe('${s.name}', () => {
  test('getOrLoad loads on a miss and serves the cached value on a hit', async () => {
    // GIVEN an empty cache and a counting loader
    const deps = createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg});
    let loads = 0;
    const loader = () => Promise.resolve({ n: ++loads });
    // WHEN the same key is read twice
    const first = await deps.cache.getOrLoad('item:1', loader);
    const second = await deps.cache.getOrLoad('item:1', loader);
    // THEN it was loaded once
    expect(first).toEqual({ n: 1 });
    expect(second).toEqual({ n: 1 });
    expect(loads).toBe(1);
    expect(await deps.cache.getOrLoad('item:2', loader)).toEqual({ n: 2 });
    await deps.close();
  });
${perEvent}
  test('events it does not know are ignored', async () => {
    const deps = createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg});
    await deps.cache.set('x:42', 1);
    expect(await invalidate(deps, newEvent('SomethingElse', 'test', { id: '42' }))).toEqual([]);
    expect(await deps.cache.get('x:42')).toBe(1);
  });

  test('POST /events invalidates; anything but an event envelope is a 400', async () => {
    const app = buildApp(createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg}));
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const res = await post(JSON.stringify(newEvent('SomethingElse', 'test', {})));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: [] });
    expect((await post('{"not":"an event"}')).status).toBe(400);
    expect((await post('nope')).status).toBe(400);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
`,
    ),
    managed(
      `${ctx.dir}/test/library.test.ts`,
      `import { newEvent } from '${P}';
import type { EventHandler } from '${P}';
import { MemoryCacheStore } from '../src/adapters/memory-store';
import { redisStore } from '../src/adapters/redis-store';
import type { RedisClient } from '../src/adapters/redis-store';
import { invalidationHandler } from '../src/handler';
import { CacheClient, STRATEGY, WriteBehind, createDependencies, loadConfig, readThrough, writeThrough } from '../src';

const logger = createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg}).logger;

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
      calls.push(\`set \${key} EX \${options.EX}\`);
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

  test('read-through, write-through and write-behind (${strategy} configured)', async () => {
    expect(STRATEGY).toBe('${strategy}');
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
    const deps = createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg});
    const handler: EventHandler = invalidationHandler(deps);
    await expect(handler(newEvent('Unknown', 'test', {}), { id: 'm', body: '' })).resolves.toBeUndefined();
    const redis = createDependencies(loadConfig({ ...${env}, CACHE_BACKEND: 'redis', CACHE_URL: 'redis://127.0.0.1:6379' })${secretsWiring(ctx).testArg});
    await expect(redis.close()).resolves.toBeUndefined();
    expect(() => createDependencies(loadConfig({ ...${env}, CACHE_BACKEND: 'nope' })${secretsWiring(ctx).testArg})).toThrow(/CACHE_BACKEND/);
  });
});
`,
    ),
  );
  return files;
}
