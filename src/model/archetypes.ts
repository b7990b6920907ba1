/**
 * The twelve service archetypes and, per archetype, which type-specific blocks it takes and needs.
 * This table drives the schema's `type` enum, the "block on the wrong archetype" check and the docs.
 */

export const ARCHETYPE_KINDS = [
  'stateless',
  'event-sourced',
  'saga-orchestrator',
  'gateway',
  'consumer',
  'producer',
  'bff',
  'websocket-gateway',
  'scheduled',
  'legacy-adapter',
  'stream-processor',
  'cache',
] as const;

export type ArchetypeKind = (typeof ARCHETYPE_KINDS)[number];

/**
 * The archetypes that serve GraphQL when their `protocols` include graphql: CRUD of entities, commands and read
 * models of an event-sourced entity, and the BFF's overview.
 */
export const GRAPHQL_ARCHETYPES: readonly ArchetypeKind[] = ['stateless', 'event-sourced', 'bff'];

/**
 * The archetypes that serve gRPC when their `protocols` include grpc: the CRUD of the stateless services' entities, and
 * the state, commands and read models of an event-sourced entity.
 */
export const GRPC_ARCHETYPES: readonly ArchetypeKind[] = ['stateless', 'event-sourced'];

/** Other spellings accepted for `type`, normalised during resolve. */
export const ARCHETYPE_ALIASES = { 'anti-corruption-layer': 'legacy-adapter' } as const satisfies Record<string, ArchetypeKind>;

export type ArchetypeName = ArchetypeKind | keyof typeof ARCHETYPE_ALIASES;

export const ARCHETYPE_NAMES: readonly ArchetypeName[] = [...ARCHETYPE_KINDS, ...(Object.keys(ARCHETYPE_ALIASES) as (keyof typeof ARCHETYPE_ALIASES)[])];

/** The type-specific blocks of a service. Every other service key is common to all archetypes. */
export const TYPE_BLOCKS = ['cqrs', 'saga', 'integrations', 'consumer', 'bff', 'websocket', 'subscriptions', 'schedule', 'acl', 'stream', 'cache'] as const;
export type TypeBlock = (typeof TYPE_BLOCKS)[number];

/** Service keys that describe request/response compute; meaningless for a managed cache. */
export const COMPUTE_KEYS = ['compute', 'memory_mb', 'cpu', 'timeout_seconds', 'min_instances', 'max_instances', 'concurrency', 'protocols'] as const;

export interface ArchetypeInfo {
  readonly summary: string;
  /** Type-specific blocks this archetype accepts. */
  readonly blocks: readonly TypeBlock[];
  /** Blocks it cannot do without. */
  readonly requires: readonly TypeBlock[];
  /** Whether it serves synchronous requests (HTTP, GraphQL, gRPC or WebSocket). */
  readonly serves: boolean;
  /** Whether it may declare `consumes`. */
  readonly consumes: boolean;
  /** Whether it runs code at all (a cache archetype is a managed service only). */
  readonly compute: boolean;
  /** Non-empty lists it needs, beyond its blocks. */
  readonly needsLists?: readonly ('publishes' | 'consumes')[];
}

export const ARCHETYPES: Record<ArchetypeKind, ArchetypeInfo> = {
  stateless: { summary: 'Request/response CRUD service', blocks: [], requires: [], serves: true, consumes: true, compute: true },
  'event-sourced': { summary: 'Event-sourced aggregate with CQRS projections and snapshots', blocks: ['cqrs'], requires: ['cqrs'], serves: true, consumes: true, compute: true },
  'saga-orchestrator': { summary: 'Orchestrated saga with compensation in reverse order', blocks: ['saga'], requires: ['saga'], serves: true, consumes: true, compute: true },
  gateway: { summary: 'Integration with an external provider behind retries and a circuit breaker', blocks: ['integrations'], requires: ['integrations'], serves: true, consumes: true, compute: true },
  consumer: { summary: 'Queue consumer with DLQ, retries and idempotent handlers', blocks: ['consumer'], requires: ['consumer'], serves: false, consumes: true, compute: true, needsLists: ['consumes'] },
  producer: { summary: 'Event producer with schema-checked events', blocks: [], requires: [], serves: false, consumes: false, compute: true, needsLists: ['publishes'] },
  bff: { summary: 'Backend for frontend aggregating other services with caching', blocks: ['bff'], requires: ['bff'], serves: true, consumes: false, compute: true },
  'websocket-gateway': { summary: 'WebSocket gateway pushing subscribed events to clients', blocks: ['websocket', 'subscriptions'], requires: ['websocket'], serves: true, consumes: false, compute: true },
  scheduled: { summary: 'Job run on a cron schedule', blocks: ['schedule'], requires: ['schedule'], serves: false, consumes: false, compute: true },
  'legacy-adapter': { summary: 'Anti-corruption layer in front of a legacy system', blocks: ['acl'], requires: ['acl'], serves: true, consumes: true, compute: true },
  'stream-processor': { summary: 'Stream processor with windowed aggregation', blocks: ['stream'], requires: ['stream'], serves: false, consumes: false, compute: true },
  cache: { summary: 'Managed cache with event-driven invalidation', blocks: ['cache'], requires: ['cache'], serves: false, consumes: false, compute: false },
};

/** The canonical archetype of a `type` value (aliases resolved). */
export function canonicalKind(type: ArchetypeName): ArchetypeKind {
  return (ARCHETYPE_ALIASES as Record<string, ArchetypeKind>)[type] ?? (type as ArchetypeKind);
}
