import { closePools, createMessaging } from '@allframe/platform';
import type { EventPublisher, Logger } from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Everything the service needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly publisher: EventPublisher;
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  close(): Promise<void>;
}

/** The configured publisher (SNS, EventBridge, SQS, Pub/Sub) or an in-memory one. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const messaging = createMessaging(config, { outbox: false, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    publisher: messaging.publisher,
    apiDocs: config.API_DOCS,
    close: () => closePools(),
  };
}
