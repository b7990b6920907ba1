import { closePools, createLogger } from '@allframe/platform';
import type { Logger } from '@allframe/platform';
import { MemoryCacheStore } from './adapters/memory-store';
import { redisStore } from './adapters/redis-store';
import type { StoreConnection } from './adapters/redis-store';
import { CacheClient } from './cache-client';
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Everything the invalidation function (and a service using the library) needs. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly cache: CacheClient;
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  close(): Promise<void>;
}

function connect(config: Config, logger: Logger): StoreConnection {
  switch (config.CACHE_BACKEND) {
    case 'memory':
      return { store: new MemoryCacheStore(), close: () => Promise.resolve() };
    case 'redis':
      return redisStore(config.CACHE_URL, logger);
    default:
      throw new Error(`CACHE_BACKEND must be one of memory, redis, got ${JSON.stringify(config.CACHE_BACKEND)}`);
  }
}

/** The cache client over the configured store (in memory unless CACHE_BACKEND=redis). */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const connection = connect(config, logger);
  return {
    secrets,
    logger,
    cache: new CacheClient(connection.store, { prefix: config.CACHE_KEY_PREFIX, ttlSeconds: config.CACHE_TTL_SECONDS }),
    apiDocs: config.API_DOCS,
    close: async () => {
      await connection.close();
      await closePools();
    },
  };
}
