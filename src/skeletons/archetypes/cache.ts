/**
 * cache: the cache itself is a managed service (Redis/Valkey), so the package is a small library (a cache-aside
 * client over the platform's CacheStore, with the other strategies as thin wrappers) plus the invalidation
 * function run for cache.invalidation events (Lambda SQS entry, and a container entry with POST /events and a
 * JetStream consumer). The code is in templates/cache/.
 */
import { OutputFile, managed } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { inputSubjects, natsInputConfig } from '../nats-config';
import { apiDocsVar, serviceConfig, serviceData, serviceOpenApiTest } from '../service-files';
import { templateFile, type Names } from '../template';
import { camel, kebab } from '../names';

/** The entity an event is about, as the key namespace: ProductUpdated → product, UserLoggedOut → user. */
function entityOf(event: string): string {
  return kebab(event).split('-')[0]!;
}

/** The names of an invalidation event in the templates: `UserLoggedOut`, `user` (keys), `userId` (field). */
function eventNames(event: string): Names {
  const entity = entityOf(event);
  return { event, entityKey: entity, entityId: `${camel(entity)}Id` };
}

const STRATEGY_DOC: Record<string, string> = {
  'cache-aside': 'cache-aside: callers ask the cache first and load from the source on a miss (`cache.getOrLoad`).',
  'read-through': 'read-through: callers read only through the cache, which loads misses with a fixed loader (`readThrough`).',
  'write-through': 'write-through: a write goes to the source, then to the cache, before it returns (`writeThrough`).',
  'write-behind': 'write-behind: a write goes to the cache at once and to the source later, on `flush()` (`WriteBehind`).',
};

/** The service's settings from the architecture file. */
function cacheSpec(ctx: ServiceContext) {
  const { backend, strategy, ttl_seconds } = ctx.service.sizing.cache;
  return { backend, strategy, ttl: ttl_seconds, events: ctx.service.spec.cache?.invalidation ?? [] };
}

function cacheReadme(ctx: ServiceContext): OutputFile {
  const s = ctx.service;
  const { backend, strategy, ttl, events } = cacheSpec(ctx);
  return managed(
    `${ctx.dir}/README.md`,
    `# ${s.name}

${s.spec.responsibility ? `${s.spec.responsibility}\n\n` : ''}A managed ${backend} cache (archetype \`cache\`): the cache runs no code of its own, so this package is

- a library the other services import (\`src/index.ts\`): \`CacheClient\` over the platform's \`CacheStore\`
  (\`RedisCacheStore\` with \`CACHE_BACKEND=redis\` and \`CACHE_URL\`, an in-memory store otherwise), entries living
  \`CACHE_TTL_SECONDS\` (${ttl}) under the \`CACHE_KEY_PREFIX\` prefix;
- an invalidation function for ${events.length > 0 ? events.map((e) => `\`${e}\``).join(', ') : 'no events (cache.invalidation is empty)'}: it deletes the keys
  \`keysFor\` (\`src/application/invalidation-keys.ts\`, yours) derives from each event. It runs on Lambda from
  an SQS queue (\`src/entry/lambda.ts\`) or in a container (\`src/entry/server.ts\`: \`POST /events\` with an event
  envelope; its OpenAPI document at \`/openapi.json\`, committed as \`openapi.json\`; and, with \`NATS_URL\`, a
  NATS JetStream consumer, \`src/entry/jetstream.ts\`).

Strategy: ${STRATEGY_DOC[strategy]} Cache-aside is what \`CacheClient\` implements; the other strategies are thin
wrappers around the same store in \`src/cache-client.ts\`.
${backend === 'memcached' ? '\nmemcached: the platform has no memcached store; implement `CacheStore` over a memcached client and pass it to `createDependencies`.\n' : ''}`,
  );
}

export function renderCache(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const { backend, strategy, ttl, events } = cacheSpec(ctx);
  const data = serviceData(ctx, {
    names: {
      strategy,
      strategyDoc: STRATEGY_DOC[strategy] ?? '',
      subscribedTo: events.length > 0 ? events.join(', ') : 'the invalidation events',
      firstEvent: events[0] ?? '',
    },
    flags: { events: events.length > 0 },
    lists: { events: events.map(eventNames) },
  });
  const file = (kind: 'managed' | 'owned', path: string) => templateFile(kind, ctx.dir, `cache/${path}`, data);
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod', '@redis/client']),
    serviceConfig(ctx, {
      CACHE_BACKEND: { kind: 'string', default: 'memory', description: `memory | redis (redis also serves valkey)${backend === 'memcached' ? '; memcached needs a CacheStore adapter of its own' : ''}` },
      CACHE_URL: { kind: 'string', default: '', description: `redis:// or rediss:// URL of the ${backend} cache (CACHE_BACKEND=redis)` },
      CACHE_KEY_PREFIX: { kind: 'string', default: `${s.name}:`, description: 'Prefix of every key this package writes' },
      CACHE_TTL_SECONDS: { kind: 'int', default: String(ttl), description: 'Lifetime of a cached entry, in seconds' },
      ...natsInputConfig(ctx, inputSubjects(ctx), 'durable'),
      API_DOCS: apiDocsVar(ctx),
    }),
    dockerfile(ctx, 'server'),
    cacheReadme(ctx),
    file('managed', 'src/adapters/memory-store.ts'),
    file('managed', 'src/adapters/redis-store.ts'),
    file('managed', 'src/cache-client.ts'),
    file('managed', 'src/deps.ts'),
    file('managed', 'src/handler.ts'),
    file('managed', 'src/app.ts'),
    file('managed', 'src/index.ts'),
    file('managed', 'src/entry/lambda.ts'),
    file('managed', 'src/entry/server.ts'),
    file('managed', 'src/entry/jetstream.ts'),
    // the owned behaviour (invalidation keys, cache-aside and invalidation tests), and the managed library's test
    file('owned', 'src/application/invalidation-keys.ts'),
    file('owned', 'test/cache.test.ts'),
    file('managed', 'test/library.test.ts'),
    file('managed', 'test/jetstream.test.ts'),
    serviceOpenApiTest(ctx),
  ];
}
