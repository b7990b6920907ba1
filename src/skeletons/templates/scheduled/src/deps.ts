import { closePools, createMessaging } from '@allframe/platform';
import type { EventSink, Logger } from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import { MemoryRunLock, type RunLock } from './adapters/run-lock'; // @if skip
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Everything the job needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  // @if skip
  /** Held while a run is in progress (overlap_policy: skip). */
  readonly lock: RunLock;
  // @end
  close(): Promise<void>;
}

/** Real adapters (SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config, secrets: Secrets): Dependencies {
  const messaging = createMessaging(config, { outbox: false, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    apiDocs: config.API_DOCS,
    lock: new MemoryRunLock(), // @if skip
    close: () => closePools(),
  };
}
