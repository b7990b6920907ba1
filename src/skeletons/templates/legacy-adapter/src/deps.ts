import {
  closePools,
  createEventSink,
  createLogger,
  createOutbox, // @if outbox
  createPublisher,
  createRepository, // @if polling
  OutboxRelay, // @if outbox
} from '@allframe/platform';
import type {
  EventSink,
  Logger,
  Repository, // @if polling
} from '@allframe/platform';
import type { Fetch, Upstream } from './adapters/upstream';
// @slot upstreamImport
import { RestUpstream } from './adapters/upstream';
// @end
import type { SyncCursor } from './application/__entityFile__-sync'; // @if polling
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly upstream: Upstream;
  // @if polling
  /** Where the poller remembers how far it got. */
  readonly cursors: Repository<SyncCursor>;
  // @end
  readonly relay: OutboxRelay; // @if outbox
  close(): Promise<void>;
}

/** The __protocol__ client of the legacy system, real or in-memory adapters as configured. */
export function createDependencies(config: Config, secrets: Secrets, /*=fetchParam*/ fetchFn: Fetch = fetch): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL); // @if outbox
  return {
    secrets,
    logger,
    // @slot events
    events: createEventSink(publisher, outbox),
    // @end
    // @slot upstream
    upstream: new RestUpstream(config.UPSTREAM_URL, fetchFn),
    // @end
    cursors: createRepository<SyncCursor>(config.STORE, `${config.TABLE_PREFIX}-cursors`, config.DATABASE_URL), // @if polling
    relay: new OutboxRelay(outbox, publisher, logger), // @if outbox
    close: () => closePools(),
  };
}
