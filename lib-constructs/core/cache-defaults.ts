/** Defaults of every ElastiCache Serverless cache allframe builds. */

/** The cache engines a serverless cache may run. */
export type CacheEngine = 'valkey' | 'redis';

/** Valkey: the open-source fork, cheaper than Redis OSS on ElastiCache Serverless. */
export const DEFAULT_CACHE_ENGINE: CacheEngine = 'valkey';

/** The major version of each engine. */
export const DEFAULT_MAJOR_ENGINE_VERSION: Readonly<Record<CacheEngine, string>> = { valkey: '8', redis: '7' };

/** Days of daily snapshots kept. */
export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 1;

/** The ports of a serverless cache: 6379 (primary endpoint) and 6380 (reader endpoint). */
export const CACHE_PORT = 6379;
export const CACHE_READER_PORT = 6380;
