/**
 * The literal defaults the targets build with, in one place: a service's sizing, the archetype blocks the targets
 * size and schedule it with, and the file-level settings they read. The JSON Schema writes them as its `default`s
 * (schema.ts) and the resolver fills them into the model (`ResolvedService.sizing`, `ResolvedArchitecture.platform`),
 * so a target never falls back on a literal of its own. What depends on the target or the compute (a floor, a
 * compute's own concurrency) is decided by the resolver, from these.
 */
import type { Compute } from './constants';

/** services[] sizing keys (and environments.<name>.overrides.<service>, which inherit the service's). */
export const SIZING_DEFAULTS = {
  memory_mb: 512,
  cpu: 256,
  timeout_seconds: 30,
  min_instances: 0,
  max_instances: 10,
} as const;

/**
 * Concurrent requests one instance handles when `services[].concurrency` is absent: the compute's own. A Lambda
 * function takes one request at a time; Cloud Run serves 80 per instance by default, and allframe gives a
 * Fargate task the same; a Fly Machine's default hard limit is 25.
 */
export const COMPUTE_CONCURRENCY: Readonly<Record<Compute, number>> = {
  lambda: 1,
  fargate: 80,
  'cloud-run': 80,
  'fly-machine': 25,
};

/** Defaults of the archetype blocks' scalars (services[].consumer, .saga, .schedule, .acl, .subscriptions, .stream.windowing). */
export const BLOCK_DEFAULTS = {
  consumer: { max_retries: 5, concurrency: 10, batch_size: 10 },
  saga: { timeout_seconds: 300 },
  schedule: { timezone: 'UTC', timeout_minutes: 15, overlap_policy: 'skip', retry_attempts: 2 },
  acl: { protocol: 'rest', sync_strategy: 'on-demand', polling_interval_seconds: 60 },
  subscriptions: { authorization: 'jwt' },
  windowing: { type: 'tumbling', duration_seconds: 60 },
  idempotency: { key_header: 'Idempotency-Key', ttl_hours: 24 },
  cqrs: { snapshot_frequency: 100 },
  bffCaching: { ttl_seconds: 60 },
  websocket: { heartbeat_interval_ms: 30_000, max_connections_per_instance: 1000 },
  cache: { backend: 'redis', strategy: 'cache-aside', ttl_seconds: 3600 },
} as const;

/** Defaults of the file-level settings the targets read (cloud.aws / cloud.gcp, settings.events, observability.sampling). */
export const FILE_DEFAULTS = {
  aws: { nat: 'gateway' },
  gcp: { region: 'us-central1' },
  fly: { org: 'personal', primary_region: 'iad', cpu_kind: 'shared', bus_volume_gb: 10 },
  deployment: { strategy: 'rolling', rollback_on_failure: true },
  events: { format: 'json-schema', compatibility: 'backward' },
  sampling: { rate: 0.1 },
  apiDocs: false,
  version: '0.1.0',
} as const;
