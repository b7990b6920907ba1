import {
  closePools,
  createLogger,
  createPolicy,
  isRetryableCall, // @if typedClients
  outboundFetch,
  tenantSourceOf, // @if tenants
} from '@allframe/platform';
import type {
  Logger,
  PolicyOptions,
  TenantSource, // @if tenants
} from '@allframe/platform';
import { CachedDownstream, HttpDownstream } from './adapters/downstream';
import { createClients, type Clients } from './clients'; // @if typedClients
import type { Fetch } from './adapters/downstream';
import { TenantBuckets, TokenBucket, type RateLimiter } from './adapters/rate-limit';
import type { GraphqlLimits } from '@allframe/platform/graphql'; // @if graphql
import type { Config } from './config';
import type { Downstream } from './ports';
import type { Secrets } from './secrets';

// @if tenants
/**
 * architecture.multi_tenant: each request runs for the tenant its header names, or on a public service its verified
 * token's tenant claim (tenant.claim; a 400 without one); the calls to the aggregated services are made for it, the
 * cache and the rate limit are per tenant.
 */
const TENANTS: TenantSource = tenantSourceOf('__tenantHeaderName__', /*=tenantClaim*/ undefined);

// @end
/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  /** The aggregated services, by name. */
  readonly downstreams: Readonly<Record<string, Downstream>>;
  /** The rate limit: token buckets per instance, one per tenant with architecture.multi_tenant. */
  readonly limiter: RateLimiter;
  /** Where each request's tenant is (architecture.multi_tenant). */ // @if tenants
  readonly tenants: TenantSource; // @if tenants
  /** Typed clients of the aggregated services that export their routes (src/clients.ts), on the same policies. */ // @if typedClients
  readonly clients: Clients; // @if typedClients
  /** Serve the docs page at /docs (and GraphiQL at /graphql when the service serves GraphQL). */
  readonly apiDocs: boolean;
  /** The limits of GraphQL operations (GRAPHQL_MAX_*). */ // @if graphql
  readonly graphqlLimits: GraphqlLimits; // @if graphql
  close(): Promise<void>;
}

/** Seams for tests: the HTTP client and the clock of the cache and the rate limiter. */
export interface DependencyOptions {
  /**
   * @default - fetch, signing with SigV4 when OUTBOUND_AUTH is aws-iam, with a Google ID token when google-id-token,
   * with the service's own key (SERVICE_SIGNING_KEY) when ed25519
   */
  readonly fetch?: Fetch;
  readonly now?: () => number;
}

/** The base URL of each aggregated service, by name: whom a call is signed for with OUTBOUND_AUTH=ed25519. */
function aggregateUrls(config: Config): Record<string, string> {
  return {
    '__aggregate__': config.__AGGREGATE___URL, // @each aggregates
  };
}

/** One resilient (and, with a TTL, cached) client per aggregated service. */
export function createDependencies(config: Config, secrets: Secrets, options: DependencyOptions = {}): Dependencies {
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION, { caller: config.SERVICE_NAME, callees: aggregateUrls(config) });
  // one policy per downstream, and per typed client (which retries neither a 4xx nor an answer outside the schema)
  const policy: PolicyOptions = {
    // resilience.retry.multiplier (a fraction, so not an integer variable): fixed at generation
    retry: { maxAttempts: config.RETRY_MAX_ATTEMPTS, initialDelayMs: config.RETRY_INITIAL_INTERVAL_MS, maxDelayMs: config.RETRY_MAX_INTERVAL_MS, multiplier: /*=multiplier*/ 2 },
    circuitBreaker: { failureThreshold: config.BREAKER_FAILURE_THRESHOLD, halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS },
    bulkhead: { maxConcurrent: config.BULKHEAD_MAX_CONCURRENT, maxQueue: config.BULKHEAD_MAX_QUEUE },
    timeoutMs: config.DOWNSTREAM_TIMEOUT_MS,
  };
  const downstream = (name: string, url: string): Downstream => {
    const http = new HttpDownstream(name, url, createPolicy(policy), fetchFn);
    return config.CACHE_TTL_SECONDS > 0 ? new CachedDownstream(http, config.CACHE_TTL_SECONDS, now) : http;
  };
  return {
    secrets,
    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    downstreams: {
      '__aggregate__': downstream('__aggregate__', config.__AGGREGATE___URL), // @each aggregates
    },
    clients: createClients(config, () => createPolicy({ ...policy, isRetryable: isRetryableCall }), fetchFn), // @if typedClients
    limiter: new TenantBuckets(() => new TokenBucket(config.RATE_LIMIT_RPS, Math.max(1, config.RATE_LIMIT_BURST), now)),
    tenants: TENANTS, // @if tenants
    apiDocs: config.API_DOCS,
    graphqlLimits: { maxDepth: config.GRAPHQL_MAX_DEPTH, maxCost: config.GRAPHQL_MAX_COST, maxAliases: config.GRAPHQL_MAX_ALIASES }, // @if graphql
    close: () => closePools(),
  };
}
