import {
  closePools,
  createMessaging,
  createObjectStore, // @if storage
  readOnlyObjectStore, // @if readsBuckets
} from '@allframe/platform';
import type {
  EventSink,
  IdempotencyStore,
  Logger,
  ObjectStore, // @if storage
  ObjectStoreClients, // @if storage
} from '@allframe/platform';
import { S3 } from '@aws-sdk/client-s3'; // @if s3
import { EVENT_SCHEMAS } from '@allframe/events';
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Everything the handlers need from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  /** Where handlers emit follow-up events. */
  readonly events: EventSink;
  /** Processed event ids: a redelivered or twice-published event is handled once. */
  readonly idempotency: IdempotencyStore;
  /** The service's own bucket (storage; BUCKET_NAME, OBJECT_STORE), read and written. */ // @if ownsBucket
  readonly objects: ObjectStore; // @if ownsBucket
  /** The buckets of the services it reads, by owner (BUCKET_<OWNER>): read-only, put and delete throw. */ // @if readsBuckets
  readonly buckets: Readonly<Record<string, ObjectStore>>; // @if readsBuckets
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  close(): Promise<void>;
}
// @if storage

/** The SDK clients of the object stores: on an S3 API (OBJECT_STORE=s3), the service's S3 client. */
const OBJECT_CLIENTS: ObjectStoreClients = {
  s3: (options) => new S3(options), // @if s3
};
// @end

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const messaging = createMessaging(config, { outbox: false, idempotency: true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    idempotency: messaging.idempotency,
    objects: createObjectStore(config, config.BUCKET_NAME, OBJECT_CLIENTS), // @if ownsBucket
    buckets: { // @if readsBuckets
      '__owner__': readOnlyObjectStore(createObjectStore(config, config.__bucketVar__, OBJECT_CLIENTS), '__owner__'), // @each buckets
    }, // @if readsBuckets
    apiDocs: config.API_DOCS,
    close: () => closePools(),
  };
}
