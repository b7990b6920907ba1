import { closePools, createMessaging } from '@allframe/platform';
import type { EventSink, IdempotencyStore, Logger } from '@allframe/platform';
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
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const messaging = createMessaging(config, { outbox: false, idempotency: true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    idempotency: messaging.idempotency,
    apiDocs: config.API_DOCS,
    close: () => closePools(),
  };
}
