import {
  closePools,
  createEventSink,
  createIdempotencyStore, // @if idempotency
  createLogger,
  createOutbox, // @if outbox
  createPolicy,
  createPublisher,
  OutboxRelay, // @if outbox
} from '@allframe/platform';
import type { EventSink, IdempotencyStore, Logger, PolicyOptions } from '@allframe/platform';
import { ProviderClient, isRetryable, type Fetch } from './adapters/provider-client';
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Resilience of every provider call (one policy per provider, from the architecture's resolved resilience). */
export const POLICY: PolicyOptions = {
  retry: { maxAttempts: /*=maxAttempts*/ 3, initialDelayMs: /*=initialDelayMs*/ 100, maxDelayMs: /*=maxDelayMs*/ 10000, multiplier: /*=multiplier*/ 2 },
  circuitBreaker: { failureThreshold: /*=failureThreshold*/ 5, halfOpenAfterMs: /*=halfOpenAfterMs*/ 30000 },
  bulkhead: { maxConcurrent: /*=maxConcurrent*/ 100, maxQueue: /*=maxQueue*/ 50 },
  timeoutMs: /*=timeoutMs*/ 10000,
  retryIdempotentOnly: /*=retryIdempotentOnly*/ true,
  isRetryable,
};

/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly providers: {
    readonly __providerVar__: ProviderClient; // @each providers
  };
  readonly idempotency: IdempotencyStore | undefined;
  readonly relay: OutboxRelay; // @if outbox
  close(): Promise<void>;
}

/** One client per provider (its API key from the secrets read at start-up), real or in-memory adapters as configured. */
export function createDependencies(config: Config, secrets: Secrets, fetchFn: Fetch = fetch): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL); // @if outbox
  return {
    secrets,
    logger,
    // @slot events
    events: createEventSink(publisher, outbox),
    // @end
    providers: {
      __providerVar__: new ProviderClient('__provider__', config./*=baseUrlVar*/ PROVIDER_BASE_URL, /*=apiKey*/ undefined, createPolicy(POLICY), fetchFn), // @each providers
    },
    // @slot idempotency
    idempotency: createIdempotencyStore(config.STORE, `${config.TABLE_PREFIX}-idempotency`, config.DATABASE_URL),
    // @end
    relay: new OutboxRelay(outbox, publisher, logger), // @if outbox
    close: () => closePools(),
  };
}
