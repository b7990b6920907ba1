/**
 * The resolved architecture as the later stages see it, and the questions they ask of it. Kept apart from the
 * resolver (index.ts) so that a target loads no parser: synthesis needs the model, not the YAML or TOML it came from.
 */
import type { ArchetypeKind } from '../model/archetypes';
import { pascal } from '../model/names';
import type { Compute, Database, EventBus, Metrics, Protocol, SecretManagement, SecretsManager, TargetId } from '../model/constants';
import type { ArchitectureFile, ServiceSpec } from '../model/schema';

type Required2<T> = { [K in keyof T]-?: NonNullable<T[K]> };

export interface Resilience {
  readonly circuit_breaker: Required2<NonNullable<ServiceSpec['circuit_breaker']>>;
  readonly retry: Required2<NonNullable<ServiceSpec['retry']>>;
  readonly bulkhead: Required2<NonNullable<ServiceSpec['bulkhead']>>;
  readonly rate_limit: Required2<NonNullable<ServiceSpec['rate_limit']>>;
}

type Block<K extends keyof ServiceSpec> = NonNullable<ServiceSpec[K]>;
type Windowing = NonNullable<Block<'stream'>['windowing']>;

/**
 * Every sizing value of a service, and the other scalars the targets and the renderers of its code read, decided once by
 * the resolver: the file's value, else the default (src/model/defaults.ts, which the JSON Schema's
 * `default`s come from), adjusted where the target or compute requires it. A target reads these and never falls
 * back on a literal of its own. Archetype blocks are filled with their defaults whether or not the service has
 * the block (a target reads only its archetype's).
 */
export interface ServiceSizing {
  /** CPU units per instance (1024 = one vCPU); Cloud Run rounds them up to whole vCPUs. */
  readonly cpu: number;
  /** Memory per instance, in MiB: on gcp at least Cloud Run's minimum (LIMITS.cloudRunMinMemoryMb). */
  readonly memory_mb: number;
  /** Instances kept running: at least 1 on Fargate but for a queue worker (the others sit behind a load balancer). */
  readonly min_instances: number;
  readonly max_instances: number;
  /** Longest a request or message may take, in seconds. */
  readonly timeout_seconds: number;
  /** Concurrent requests per instance: the file's, else the compute's own (COMPUTE_CONCURRENCY). */
  readonly concurrency: number;
  /** services[].consumer; `visibility_timeout_seconds` stays absent unless set (the queue then takes 6 × timeout_seconds). */
  readonly consumer: Required2<Pick<Block<'consumer'>, 'max_retries' | 'batch_size' | 'concurrency'>> & Pick<Block<'consumer'>, 'visibility_timeout_seconds'>;
  /** services[].saga: the deadline of the whole saga. */
  readonly saga: Required2<Pick<Block<'saga'>, 'timeout_seconds'>>;
  /** services[].schedule, but its cron. */
  readonly schedule: Required2<Omit<Block<'schedule'>, 'cron'>>;
  /** services[].acl: the protocol, the sync strategy and its polling interval. */
  readonly acl: Required2<Pick<Block<'acl'>, 'protocol' | 'sync_strategy' | 'polling_interval_seconds'>>;
  /** services[].subscriptions: how clients authorise on connect. */
  readonly subscriptions: Required2<Pick<Block<'subscriptions'>, 'authorization'>>;
  /** services[].stream.windowing, but the slide of sliding windows. */
  readonly windowing: Required2<Pick<Windowing, 'type' | 'duration_seconds'>>;
  /** services[].idempotency: the key's header and how long results are kept (whether it is enabled aside). */
  readonly idempotency: Required2<Pick<Block<'idempotency'>, 'key_header' | 'ttl_hours'>>;
  /** services[].cqrs: how often an event-sourced service snapshots its aggregates. */
  readonly cqrs: Required2<Pick<Block<'cqrs'>, 'snapshot_frequency'>>;
  /** services[].bff.caching: the response cache's lifetime. */
  readonly bffCaching: Required2<NonNullable<Block<'bff'>['caching']>>;
  /** services[].websocket: the ping interval and the connections one instance accepts. */
  readonly websocket: Required2<Pick<Block<'websocket'>, 'heartbeat_interval_ms' | 'max_connections_per_instance'>>;
  /** services[].cache, but the events that invalidate entries. */
  readonly cache: Required2<Pick<Block<'cache'>, 'backend' | 'strategy' | 'ttl_seconds'>>;
}

/** One service with every default applied and every inherited value made explicit. */
export interface ResolvedService {
  /** Index in `services`, for locating problems. */
  readonly index: number;
  readonly name: string;
  readonly kind: ArchetypeKind;
  /** The service block with schema defaults and environment overrides applied. */
  readonly spec: ServiceSpec;
  /** What the service runs on, for the selected target (translated: lambda on gcp is cloud-run). */
  readonly compute: Compute;
  /** The compute the file asked for, before translation. */
  readonly requestedCompute: Compute;
  readonly protocols: readonly Protocol[];
  readonly database: Database;
  /** Where an event-sourced service keeps its events (cqrs.event_store, else the default database). */
  readonly eventStore?: Exclude<Database, 'none'>;
  readonly resilience: Resilience;
  readonly sizing: ServiceSizing;
  /** services[].storage with its defaults: the service's own bucket; absent when it has none. */
  readonly storage?: ResolvedStorage;
}

/** A service's bucket (services[].storage), every value decided. */
export interface ResolvedStorage {
  /** Earlier versions of objects are kept (30 days after they stop being current); false on fly unless set. */
  readonly versioning: boolean;
  /** Days after its last write an object is deleted; 0 keeps it. */
  readonly retention_days: number;
  /** Services that may read the bucket (never write it). */
  readonly readers: readonly string[];
}

type Cloud = NonNullable<ArchitectureFile['cloud']>;
type Events = NonNullable<NonNullable<ArchitectureFile['settings']>['events']>;

/**
 * The file-level settings the targets read, with their defaults (src/model/defaults.ts, which the JSON Schema's
 * `default`s come from) applied even where the file leaves out the block that holds them.
 */
export interface ResolvedPlatform {
  /** cloud.aws.nat: how private subnets reach the internet, when a VPC is needed. */
  readonly aws: Required2<Pick<NonNullable<Cloud['aws']>, 'nat'>>;
  /** cloud.gcp: project and state bucket are '' where the file names none (validation requires both on gcp). */
  readonly gcp: Required2<Pick<NonNullable<Cloud['gcp']>, 'project_id' | 'region' | 'state_bucket'>>;
  /** cloud.fly: org, region, CPU kind and the bus volume; app_prefix defaults to the architecture name (and -<environment>). */
  readonly fly: Required2<Pick<NonNullable<Cloud['fly']>, 'org' | 'primary_region' | 'app_prefix' | 'cpu_kind' | 'bus_volume_gb'>>;
  /** deployment: how new versions roll out, and whether a failed rollout is rolled back. */
  readonly deployment: Required2<Pick<NonNullable<ArchitectureFile['deployment']>, 'strategy' | 'rollback_on_failure'>>;
  /** settings.events: the format and compatibility of registered event schemas. */
  readonly events: Required2<Pick<Events, 'format' | 'compatibility'>>;
  /** observability.sampling: the sampled fraction (probabilistic). */
  readonly sampling: { readonly rate: number };
  /** settings.api_docs: the HTTP API services serve their docs page wherever they run. */
  readonly apiDocs: boolean;
  /** architecture.version: the version of the services' OpenAPI documents. */
  readonly version: string;
}

/** The architecture as the later stages see it: for one target and (optionally) one environment. */
export interface ResolvedArchitecture {
  readonly target: TargetId;
  readonly environment?: string;
  /** The file with schema defaults and the selected environment merged in. */
  readonly file: ArchitectureFile;
  readonly eventBus: EventBus;
  readonly defaultDatabase: Database;
  readonly secretsManager: SecretsManager;
  readonly metrics: Metrics;
  /** Node.js major of every service (settings.runtime): Lambda nodejs<major>.x, node:<major> images, bundle target. */
  readonly nodeMajor: number;
  readonly platform: ResolvedPlatform;
  readonly services: readonly ResolvedService[];
}

/** Events a service publishes: `publishes`, and for a stream processor its output events. */
export function publishedEvents(s: ResolvedService): readonly string[] {
  return [...(s.spec.publishes ?? []), ...(s.spec.stream?.output_events ?? [])];
}

/**
 * The entities a CRUD service (stateless, and the aggregate of an event-sourced one) manages: the declared
 * `domain.entities`, else one named after the service (`order-api` → `Order`). The skeletons name their repositories
 * and the targets their tables from this one list.
 */
export function crudEntities(s: Pick<ResolvedService, 'name' | 'spec'>): string[] {
  const declared = s.spec.domain?.entities ?? [];
  return declared.length > 0 ? [...declared] : [pascal(s.name.replace(/-(service|api)$/, ''))];
}

/**
 * Whether the service's code keeps idempotency records, in its store's `idempotency` table or collection: with
 * `idempotency.enabled`, and always for a consumer (the event ids it has processed, so a redelivery runs once).
 */
export function keepsIdempotencyRecords(s: ResolvedService): boolean {
  return s.spec.idempotency?.enabled === true || s.kind === 'consumer';
}

/** Names of the services publishing `event` (only `from`, when a subscription names it). */
export function publishersOf(model: ResolvedArchitecture, event: string, from?: string): string[] {
  return model.services.filter((s) => (from === undefined || s.name === from) && publishedEvents(s).includes(event)).map((s) => s.name);
}

/**
 * Events a service consumes, each with the services it takes it from: a consumer's `consumes` (its `from`, else
 * every publisher), a WebSocket gateway's subscriptions, a cache's invalidation events, a stream processor's input.
 */
export function consumedEvents(model: ResolvedArchitecture, s: ResolvedService): { readonly event: string; readonly from: string[] }[] {
  const any = (event: string) => ({ event, from: publishersOf(model, event) });
  return [
    ...(s.spec.consumes ?? []).map((c) => ({ event: c.event, from: publishersOf(model, c.event, c.from) })),
    ...(s.spec.subscriptions?.events ?? []).map(any),
    ...(s.spec.cache?.invalidation ?? []).map(any),
    ...(s.spec.stream?.input_events ?? []).map(any),
  ];
}

/** The services whose bucket `s` may read (it is among their storage.readers), in file order. */
export function bucketsReadBy(model: ResolvedArchitecture, s: Pick<ResolvedService, 'name'>): ResolvedService[] {
  return model.services.filter((o) => o.storage?.readers.includes(s.name) === true);
}

/** A secret of a service with its settings: `secrets: [NAME]` is `{ name: NAME, managed: allframe }`. */
export interface ServiceSecretSpec {
  readonly name: string;
  /** allframe: generated and rotated by allframe; external: issued and rotated by a third party. */
  readonly managed: SecretManagement;
}

/** The secrets a service reads, in file order, each with its settings. */
export function serviceSecrets(s: { readonly spec: Pick<ServiceSpec, 'secrets'> }): readonly ServiceSecretSpec[] {
  return (s.spec.secrets ?? []).map((x) => (typeof x === 'string' ? { name: x, managed: 'allframe' } : { name: x.name, managed: x.managed ?? 'allframe' }));
}

/** The names of the secrets a service reads, in file order. */
export function secretNamesOf(s: { readonly spec: Pick<ServiceSpec, 'secrets'> }): readonly string[] {
  return serviceSecrets(s).map((x) => x.name);
}

/**
 * Why a service runs as exactly one process whatever its scaling, or undefined when it may run as many: a stream
 * processor keeps its open windows in one process's memory; a scheduled job allowed one run at a time
 * (`overlap_policy` other than allow) has that run lock in its one scheduler; a container of a websocket-gateway with
 * CRDT documents passes each update to the connections it holds, so every editor must be on it (on Lambda the
 * connection registry is shared and any instance reaches every connection). Container targets refuse instance counts
 * above one for these, and run one.
 */
export function singleProcessReason(s: ResolvedService): 'windows' | 'one-run-at-a-time' | 'documents' | undefined {
  if (s.kind === 'stream-processor') return 'windows';
  // A container passes a document's updates to the connections it holds: every editor of a document on one instance.
  if (crdtOf(s) !== undefined) return 'documents';
  if (s.kind === 'scheduled' && s.sizing.schedule.overlap_policy !== 'allow') return 'one-run-at-a-time';
  return undefined;
}

/** The architecture's tenancy (architecture.multi_tenant): the header naming each request's tenant; undefined with one tenant. */
export function tenancyOf(model: ResolvedArchitecture): { readonly header: string; readonly claim?: string; readonly isolation: 'row-level' | 'schema' | 'database' } | undefined {
  if (model.file.architecture.multi_tenant !== true) return undefined;
  const claim = model.file.tenant?.claim;
  return { header: model.file.tenant?.header ?? TENANT_HEADER, ...(claim !== undefined ? { claim } : {}), isolation: model.file.tenant?.isolation ?? 'row-level' };
}

/**
 * The JWT claim naming the tenant of `s`'s requests (tenant.claim), for a public service: its requests come through
 * the JWT authorizer. Undefined for an internal service (its callers pass the tenant on in the header) or without one.
 */
export function tenantClaimOf(model: ResolvedArchitecture, s: ResolvedService): string | undefined {
  return s.spec.public === true ? tenancyOf(model)?.claim : undefined;
}

/** tenant.header's default. */
export const TENANT_HEADER = 'X-Tenant-ID';

/** A websocket-gateway's CRDT documents (websocket.crdt), with their defaults; undefined without. */
export function crdtOf(s: ResolvedService): { readonly type: 'yjs'; readonly snapshot_every: number } | undefined {
  const crdt = s.kind === 'websocket-gateway' ? s.spec.websocket?.crdt : undefined;
  return crdt === undefined ? undefined : { type: crdt.type, snapshot_every: crdt.snapshot_every ?? CRDT_SNAPSHOT_EVERY };
}

/** How many updates a CRDT document's log holds before it is compacted into the snapshot (websocket.crdt.snapshot_every). */
export const CRDT_SNAPSHOT_EVERY = 50;

/**
 * Whether the service has work that runs without requests coming in (a consumer, a stream processor, a schedule,
 * a WebSocket gateway's or a cache's subscriptions): where compute scales with requests (Fly Machines stopped when
 * idle), it must keep running.
 */
export function runsWithoutRequests(s: ResolvedService): boolean {
  switch (s.kind) {
    case 'consumer':
    case 'stream-processor':
      return true;
    case 'scheduled':
      return s.spec.schedule !== undefined;
    case 'websocket-gateway':
      return (s.spec.subscriptions?.events ?? []).length > 0;
    case 'cache':
      return (s.spec.cache?.invalidation ?? []).length > 0;
    default:
      return false;
  }
}
