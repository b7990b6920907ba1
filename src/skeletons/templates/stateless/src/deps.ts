import {
  closePools,
  createMessaging,
  createPolicy, // @if typedClients
  createRepository,
  isRetryableCall, // @if typedClients
  outboundFetch, // @if typedClients
} from '@allframe/platform';
import type {
  ClientFetch, // @if typedClients
  EventSink,
  IdempotencyStore,
  Logger,
  OutboxRelay, // @if outbox
  PolicyOptions, // @if typedClients
  Repository,
} from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import type { GraphqlLimits } from '@allframe/platform/graphql'; // @if graphql
import { createClients, type Clients } from './clients'; // @if typedClients
import type { Config } from './config';
import type { Secrets } from './secrets';
import type { __Entity__ } from './domain/__entityFile__'; // @each entities
// @if typedClients

/** Resilience of every call to a depended-on service (from the architecture's resolved resilience). */
export const POLICY: PolicyOptions = {
  retry: { maxAttempts: /*=maxAttempts*/ 3, initialDelayMs: /*=initialDelayMs*/ 100, maxDelayMs: /*=maxDelayMs*/ 10000, multiplier: /*=multiplier*/ 2 },
  circuitBreaker: { failureThreshold: /*=failureThreshold*/ 5, halfOpenAfterMs: /*=halfOpenAfterMs*/ 30000 },
  bulkhead: { maxConcurrent: /*=maxConcurrent*/ 100, maxQueue: /*=maxQueue*/ 50 },
  timeoutMs: /*=callTimeoutMs*/ 30000,
  retryIdempotentOnly: /*=retryIdempotentOnly*/ false,
  isRetryable: isRetryableCall,
};
// @end

/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly __entities__: Repository<__Entity__>; // @each entities
  readonly idempotency: IdempotencyStore | undefined;
  readonly relay: OutboxRelay; // @if outbox
  /** Serve the interactive API docs at /docs (API_DOCS). */
  readonly apiDocs: boolean;
  /** The limits of GraphQL operations (GRAPHQL_MAX_*). */ // @if graphql
  readonly graphqlLimits: GraphqlLimits; // @if graphql
  /** Typed clients of the services this one depends on (src/clients.ts), on POLICY and the outbound fetch. */ // @if typedClients
  readonly clients: Clients; // @if typedClients
  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, Pub/Sub) or in-memory ones, as configured. */ // @if !typedClients
// @if typedClients
/**
 * Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, Pub/Sub) or in-memory ones, as configured; the
 * clients of the services this one depends on call through a fetch signing as OUTBOUND_AUTH says.
 */
// @end
export function createDependencies(
  config: Config,
  secrets: Secrets,
  fetchFn: ClientFetch = outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION), // @if typedClients
): Dependencies {
  const messaging = createMessaging(config, { outbox: /*=withOutbox*/ true, idempotency: /*=withIdempotency*/ true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    __entities__: createRepository<__Entity__>(config.STORE, `${config.TABLE_PREFIX}-__entityFile__`, config.DATABASE_URL), // @each entities
    idempotency: messaging.idempotency,
    relay: messaging.relay, // @if outbox
    apiDocs: config.API_DOCS,
    graphqlLimits: { maxDepth: config.GRAPHQL_MAX_DEPTH, maxCost: config.GRAPHQL_MAX_COST, maxAliases: config.GRAPHQL_MAX_ALIASES }, // @if graphql
    clients: createClients(config, () => createPolicy(POLICY), fetchFn), // @if typedClients
    close: () => closePools(),
  };
}
