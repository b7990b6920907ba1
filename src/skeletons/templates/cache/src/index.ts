// The library other services import: the cache client, its strategies, and the wiring.
export { CacheClient, readThrough, STRATEGY, WriteBehind, writeThrough } from './cache-client';
export type { CacheOptions } from './cache-client';
export { loadConfig } from './config';
export type { Config } from './config';
export { createDependencies } from './deps';
export type { Dependencies } from './deps';
export { invalidate } from './handler';
