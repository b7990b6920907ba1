import { closePools, createLogger, createPublisher } from '@allframe/platform';
import type { EventPublisher, Logger } from '@allframe/platform';
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Everything the service needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly publisher: EventPublisher;
  close(): Promise<void>;
}

/** The configured publisher (SNS, EventBridge, SQS, Pub/Sub) or an in-memory one. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  return {
    secrets,
    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    publisher: createPublisher(config.EVENT_BUS, config.EVENT_TARGET),
    close: () => closePools(),
  };
}
