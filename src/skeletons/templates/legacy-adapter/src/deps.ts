import {
  closePools,
  createMessaging,
  createRepository, // @if polling
} from '@allframe/platform';
import type {
  EventSink,
  Logger,
  OutboxRelay, // @if outbox
  Repository, // @if polling
} from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
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
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  // @if polling
  /** Where the poller remembers how far it got. */
  readonly cursors: Repository<SyncCursor>;
  // @end
  readonly relay: OutboxRelay; // @if outbox
  close(): Promise<void>;
}

/** The __protocol__ client of the legacy system, real or in-memory adapters as configured. */
export function createDependencies(config: Config, secrets: Secrets, /*=fetchParam*/ fetchFn: Fetch = fetch): Dependencies {
  const messaging = createMessaging(config, { outbox: /*=withOutbox*/ true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    apiDocs: config.API_DOCS,
    // @slot upstream
    upstream: new RestUpstream(config.UPSTREAM_URL, fetchFn),
    // @end
    cursors: createRepository<SyncCursor>(config.STORE, `${config.TABLE_PREFIX}-cursors`, config.DATABASE_URL), // @if polling
    relay: messaging.relay, // @if outbox
    close: () => closePools(),
  };
}
