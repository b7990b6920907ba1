/**
 * A service's sizing, and the file-level settings the targets read (resolvePlatform), decided in one place: the
 * file's values, else the defaults the JSON Schema documents (src/model/defaults.ts), then what the target or
 * compute requires. The targets read the result (`ResolvedService.sizing`, `ResolvedArchitecture.platform`) and
 * keep no defaults of their own; a layout test holds them to it.
 *
 * Where the target or compute decides:
 * - memory_mb: on gcp at least Cloud Run's minimum, 512 MiB (LIMITS.cloudRunMinMemoryMb); smaller values are raised.
 * - min_instances: at least 1 on Fargate, but for a queue worker (consumer, which scales to zero on its queue's
 *   depth): every other Fargate service sits behind a load balancer, which cannot start a task for a request.
 * - concurrency: the compute's own when the file names none (COMPUTE_CONCURRENCY: 1 on Lambda, 80 on Cloud Run
 *   and Fargate, 25 on Fly Machines).
 */
import type { ArchetypeKind } from '../model/archetypes';
import type { Compute, TargetId } from '../model/constants';
import type { ArchitectureFile, ServiceSpec } from '../model/schema';
import { BLOCK_DEFAULTS, COMPUTE_CONCURRENCY, FILE_DEFAULTS, SIZING_DEFAULTS } from '../model/defaults';
import { LIMITS } from '../model/targets';
import type { ResolvedPlatform, ServiceSizing } from './model';

/** The sizing of one service (`spec` after schema defaults and environment overrides) on `target`. */
export function resolveSizing(spec: ServiceSpec, kind: ArchetypeKind, compute: Compute, target: TargetId): ServiceSizing {
  const memory = spec.memory_mb ?? SIZING_DEFAULTS.memory_mb;
  const minInstances = spec.min_instances ?? SIZING_DEFAULTS.min_instances;
  const consumer = spec.consumer;
  const schedule = spec.schedule;
  const windowing = spec.stream?.windowing;
  return {
    cpu: spec.cpu ?? SIZING_DEFAULTS.cpu,
    memory_mb: target === 'gcp' ? Math.max(LIMITS.cloudRunMinMemoryMb, memory) : memory,
    min_instances: compute === 'fargate' && kind !== 'consumer' ? Math.max(1, minInstances) : minInstances,
    max_instances: spec.max_instances ?? SIZING_DEFAULTS.max_instances,
    timeout_seconds: spec.timeout_seconds ?? SIZING_DEFAULTS.timeout_seconds,
    concurrency: spec.concurrency ?? COMPUTE_CONCURRENCY[compute],
    consumer: {
      max_retries: consumer?.max_retries ?? BLOCK_DEFAULTS.consumer.max_retries,
      batch_size: consumer?.batch_size ?? BLOCK_DEFAULTS.consumer.batch_size,
      concurrency: consumer?.concurrency ?? BLOCK_DEFAULTS.consumer.concurrency,
      ...(consumer?.visibility_timeout_seconds !== undefined ? { visibility_timeout_seconds: consumer.visibility_timeout_seconds } : {}),
    },
    saga: { timeout_seconds: spec.saga?.timeout_seconds ?? BLOCK_DEFAULTS.saga.timeout_seconds },
    schedule: {
      timezone: schedule?.timezone ?? BLOCK_DEFAULTS.schedule.timezone,
      timeout_minutes: schedule?.timeout_minutes ?? BLOCK_DEFAULTS.schedule.timeout_minutes,
      overlap_policy: schedule?.overlap_policy ?? BLOCK_DEFAULTS.schedule.overlap_policy,
      retry_attempts: schedule?.retry_attempts ?? BLOCK_DEFAULTS.schedule.retry_attempts,
    },
    acl: {
      protocol: spec.acl?.protocol ?? BLOCK_DEFAULTS.acl.protocol,
      sync_strategy: spec.acl?.sync_strategy ?? BLOCK_DEFAULTS.acl.sync_strategy,
      polling_interval_seconds: spec.acl?.polling_interval_seconds ?? BLOCK_DEFAULTS.acl.polling_interval_seconds,
    },
    subscriptions: { authorization: spec.subscriptions?.authorization ?? BLOCK_DEFAULTS.subscriptions.authorization },
    windowing: {
      type: windowing?.type ?? BLOCK_DEFAULTS.windowing.type,
      duration_seconds: windowing?.duration_seconds ?? BLOCK_DEFAULTS.windowing.duration_seconds,
    },
    idempotency: {
      key_header: spec.idempotency?.key_header ?? BLOCK_DEFAULTS.idempotency.key_header,
      ttl_hours: spec.idempotency?.ttl_hours ?? BLOCK_DEFAULTS.idempotency.ttl_hours,
    },
    cqrs: { snapshot_frequency: spec.cqrs?.snapshot_frequency ?? BLOCK_DEFAULTS.cqrs.snapshot_frequency },
    bffCaching: { ttl_seconds: spec.bff?.caching?.ttl_seconds ?? BLOCK_DEFAULTS.bffCaching.ttl_seconds },
    websocket: {
      heartbeat_interval_ms: spec.websocket?.heartbeat_interval_ms ?? BLOCK_DEFAULTS.websocket.heartbeat_interval_ms,
      max_connections_per_instance: spec.websocket?.max_connections_per_instance ?? BLOCK_DEFAULTS.websocket.max_connections_per_instance,
    },
    cache: {
      backend: spec.cache?.backend ?? BLOCK_DEFAULTS.cache.backend,
      strategy: spec.cache?.strategy ?? BLOCK_DEFAULTS.cache.strategy,
      ttl_seconds: spec.cache?.ttl_seconds ?? BLOCK_DEFAULTS.cache.ttl_seconds,
    },
  };
}

/** The file-level settings the targets read, defaults applied where the file leaves out their block. */
export function resolvePlatform(file: ArchitectureFile, environment?: string): ResolvedPlatform {
  const { aws, gcp, fly } = file.cloud ?? {};
  const events = file.settings?.events;
  return {
    aws: { nat: aws?.nat ?? FILE_DEFAULTS.aws.nat },
    gcp: { project_id: gcp?.project_id ?? '', region: gcp?.region ?? FILE_DEFAULTS.gcp.region, state_bucket: gcp?.state_bucket ?? '' },
    fly: {
      org: fly?.org ?? FILE_DEFAULTS.fly.org,
      primary_region: fly?.primary_region ?? FILE_DEFAULTS.fly.primary_region,
      // Fly app names are global: each environment's apps need names of their own
      app_prefix: fly?.app_prefix ?? (environment === undefined ? file.architecture.name : `${file.architecture.name}-${environment}`),
      cpu_kind: fly?.cpu_kind ?? FILE_DEFAULTS.fly.cpu_kind,
      bus_volume_gb: fly?.bus_volume_gb ?? FILE_DEFAULTS.fly.bus_volume_gb,
    },
    deployment: {
      strategy: file.deployment?.strategy ?? FILE_DEFAULTS.deployment.strategy,
      rollback_on_failure: file.deployment?.rollback_on_failure ?? FILE_DEFAULTS.deployment.rollback_on_failure,
    },
    events: { format: events?.format ?? FILE_DEFAULTS.events.format, compatibility: events?.compatibility ?? FILE_DEFAULTS.events.compatibility },
    sampling: { rate: file.observability?.sampling?.rate ?? FILE_DEFAULTS.sampling.rate },
    apiDocs: file.settings?.api_docs ?? FILE_DEFAULTS.apiDocs,
    version: file.architecture.version ?? FILE_DEFAULTS.version,
  };
}
