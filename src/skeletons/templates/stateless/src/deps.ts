import {
  closePools,
  createEventSink,
  createIdempotencyStore, // @if idempotency
  createLogger,
  createOutbox, // @if outbox
  createPublisher,
  createRepository,
  OutboxRelay, // @if outbox
} from '@allframe/platform';
import type { EventSink, IdempotencyStore, Logger, Repository } from '@allframe/platform';
import type { Config } from './config';
import type { Secrets } from './secrets';
import type { __Entity__ } from './domain/__entityFile__'; // @each entities

/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly __entities__: Repository<__Entity__>; // @each entities
  readonly idempotency: IdempotencyStore | undefined;
  readonly relay: OutboxRelay; // @if outbox
  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL); // @if outbox
  return {
    secrets,
    logger,
    // @slot events
    events: createEventSink(publisher, outbox),
    // @end
    __entities__: createRepository<__Entity__>(config.STORE, `${config.TABLE_PREFIX}-__entityFile__`, config.DATABASE_URL), // @each entities
    // @slot idempotency
    idempotency: createIdempotencyStore(config.STORE, `${config.TABLE_PREFIX}-idempotency`, config.DATABASE_URL),
    // @end
    relay: new OutboxRelay(outbox, publisher, logger), // @if outbox
    close: () => closePools(),
  };
}
