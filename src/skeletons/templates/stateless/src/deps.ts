import {
  closePools,
  createMessaging,
  createObjectStore, // @if storage
  createRepository,
  readOnlyObjectStore, // @if readsBuckets
} from '@allframe/platform';
import type {
  EventSink,
  IdempotencyStore,
  Logger,
  ObjectStore, // @if storage
  ObjectStoreClients, // @if storage
  OutboxRelay, // @if outbox
  Repository,
  TenantIsolation,
  TenantSource,
} from '@allframe/platform';
import { S3 } from '@aws-sdk/client-s3'; // @if s3
import { EVENT_SCHEMAS } from '@allframe/events';
import type { GraphqlLimits } from '@allframe/platform/graphql'; // @if graphql
import { defaultClients, type Clients } from './clients'; // @if typedClients
import type { Config } from './config';
import type { Secrets } from './secrets';
import type { __Entity__ } from './domain/__entityFile__'; // @each entities

/**
 * architecture.multi_tenant: each request runs for the tenant its header (or, on a public service with tenant.claim,
 * its verified token's claim) names (a 400 without one), and every repository keeps to that tenant's items
 * (ISOLATION). Undefined with one tenant.
 */
const TENANTS: TenantSource | undefined = /*=tenantSource*/ undefined;

/** How the tenants' items are kept apart (tenant.isolation): in every key and item, or a PostgreSQL schema or database each. */
const ISOLATION: TenantIsolation | undefined = /*=tenantIsolation*/ undefined;

/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly __entities__: Repository<__Entity__>; // @each entities
  /** Where each request's tenant is (architecture.multi_tenant); none: one tenant, no tenant middleware. */
  readonly tenants?: TenantSource | undefined;
  readonly idempotency: IdempotencyStore | undefined;
  readonly relay: OutboxRelay; // @if outbox
  /** The service's own bucket (storage; BUCKET_NAME, OBJECT_STORE), read and written. */ // @if ownsBucket
  readonly objects: ObjectStore; // @if ownsBucket
  /** The buckets of the services it reads, by owner (BUCKET_<OWNER>): read-only, put and delete throw. */ // @if readsBuckets
  readonly buckets: Readonly<Record<string, ObjectStore>>; // @if readsBuckets
  /** Serve the interactive API docs at /docs (API_DOCS). */
  readonly apiDocs: boolean;
  /** The limits of GraphQL operations (GRAPHQL_MAX_*). */ // @if graphql
  readonly graphqlLimits: GraphqlLimits; // @if graphql
  /** Typed clients of the services this one depends on (src/clients.ts: on CLIENT_POLICY and the outbound fetch). */ // @if typedClients
  readonly clients: Clients; // @if typedClients
  close(): Promise<void>;
}
// @if storage

/** The SDK clients of the object stores: on an S3 API (OBJECT_STORE=s3), the service's S3 client. */
const OBJECT_CLIENTS: ObjectStoreClients = {
  s3: (options) => new S3(options), // @if s3
};
// @end

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const messaging = createMessaging(config, { outbox: /*=withOutbox*/ true, idempotency: /*=withIdempotency*/ true, schemas: EVENT_SCHEMAS, tenants: ISOLATION });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    __entities__: createRepository<__Entity__>(config.STORE, `${config.TABLE_PREFIX}-__entityFile__`, config.DATABASE_URL, { tenants: ISOLATION }), // @each entities
    tenants: TENANTS,
    idempotency: messaging.idempotency,
    relay: messaging.relay, // @if outbox
    objects: createObjectStore(config, config.BUCKET_NAME, OBJECT_CLIENTS), // @if ownsBucket
    buckets: { // @if readsBuckets
      '__owner__': readOnlyObjectStore(createObjectStore(config, config.__bucketVar__, OBJECT_CLIENTS), '__owner__'), // @each buckets
    }, // @if readsBuckets
    apiDocs: config.API_DOCS,
    graphqlLimits: { maxDepth: config.GRAPHQL_MAX_DEPTH, maxCost: config.GRAPHQL_MAX_COST, maxAliases: config.GRAPHQL_MAX_ALIASES }, // @if graphql
    clients: defaultClients(config), // @if typedClients
    close: () => closePools(),
  };
}
