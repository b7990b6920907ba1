import {
  closePools,
  createMessaging,
  createPolicy,
} from '@allframe/platform';
import type {
  EventSink,
  IdempotencyStore,
  Logger,
  OutboxRelay, // @if outbox
  PolicyOptions,
  TenantSource,
} from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import { ProviderClient, isRetryable, type Fetch } from './adapters/provider-client';
import type { Config } from './config';
import type { Secrets } from './secrets';

/**
 * architecture.multi_tenant: each request runs for the tenant its header (or, on a public service with tenant.claim,
 * its verified token's claim) names (a 400 without one); its idempotency keys, the key passed on to the provider and
 * its events are the tenant's. Undefined when the architecture has one tenant.
 */
const TENANTS: TenantSource | undefined = /*=tenantSource*/ undefined;

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
  /** Where each request's tenant is (architecture.multi_tenant); none: one tenant, no tenant middleware. */
  readonly tenants?: TenantSource | undefined;
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  readonly relay: OutboxRelay; // @if outbox
  close(): Promise<void>;
}

/** One client per provider (its API key from the secrets read at start-up), real or in-memory adapters as configured. */
export function createDependencies(config: Config, secrets: Secrets, fetchFn: Fetch = fetch): Dependencies {
  const messaging = createMessaging(config, { outbox: /*=withOutbox*/ true, idempotency: /*=withIdempotency*/ true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    providers: {
      __providerVar__: new ProviderClient('__provider__', config./*=baseUrlVar*/ PROVIDER_BASE_URL, /*=apiKey*/ undefined, createPolicy(POLICY), fetchFn), // @each providers
    },
    idempotency: messaging.idempotency,
    tenants: TENANTS,
    apiDocs: config.API_DOCS,
    relay: messaging.relay, // @if outbox
    close: () => closePools(),
  };
}
