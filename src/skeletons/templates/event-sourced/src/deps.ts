import {
  closePools,
  createMessaging,
  createRepository, // @if projections
} from '@allframe/platform';
import type {
  EventSink,
  IdempotencyStore,
  Logger,
  OutboxRelay, // @if outbox
  Repository, // @if projections
} from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import { createEventStore, type EventStore } from './adapters/event-store';
import type { ProjectionRow } from './application/projections'; // @if projections
import type { GraphqlLimits } from '@allframe/platform/graphql'; // @if graphql
import type { Config } from './config';
import type { Secrets } from './secrets';

// @if projections
/** The read models, one repository per projection. */
export interface Projections {
  readonly __projection__: Repository<ProjectionRow>; // @each projections
}

// @end
/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly store: EventStore;
  /** Read models, one per projection. */
  readonly projections: /*=projectionsType*/ Projections;
  /** Snapshot every N events (0: never). */
  readonly snapshotEvery: number;
  /** Serve the interactive API docs at /docs (API_DOCS). */
  readonly apiDocs: boolean;
  readonly idempotency: IdempotencyStore | undefined;
  readonly relay: OutboxRelay; // @if outbox
  /** The limits of GraphQL operations (GRAPHQL_MAX_*). */ // @if graphql
  readonly graphqlLimits: GraphqlLimits; // @if graphql
  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const messaging = createMessaging(config, { outbox: /*=withOutbox*/ true, idempotency: /*=withIdempotency*/ true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    store: createEventStore(config.EVENT_STORE, `${config.TABLE_PREFIX}-events`, config.DATABASE_URL),
    projections: {
      __projection__: createRepository<ProjectionRow>(config.STORE, `${config.TABLE_PREFIX}-__projectionFile__`, config.DATABASE_URL), // @each projections
    },
    snapshotEvery: config.SNAPSHOT_FREQUENCY,
    apiDocs: config.API_DOCS,
    graphqlLimits: { maxDepth: config.GRAPHQL_MAX_DEPTH, maxCost: config.GRAPHQL_MAX_COST, maxAliases: config.GRAPHQL_MAX_ALIASES }, // @if graphql
    idempotency: messaging.idempotency,
    relay: messaging.relay, // @if outbox
    close: () => closePools(),
  };
}
