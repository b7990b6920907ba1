import { closePools, createEventSink, createIdempotencyStore, createLogger, createPublisher } from '@allframe/platform';
import type { EventSink, IdempotencyStore, Logger } from '@allframe/platform';
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
  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  return {
    secrets,
    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    events: createEventSink(createPublisher(config.EVENT_BUS, config.EVENT_TARGET)),
    idempotency: createIdempotencyStore(config.STORE, `${config.TABLE_PREFIX}-idempotency`, config.DATABASE_URL),
    close: () => closePools(),
  };
}
