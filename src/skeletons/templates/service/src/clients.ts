import {
  createPolicy, // @if defaults
  isRetryableCall, // @if defaults
  outboundFetch, // @if defaults
  typedClient,
  type ClientFetch,
  type PolicyOptions, // @if defaults
  type ResiliencePolicy,
  type TypedClient,
} from '@allframe/platform';
import { ROUTES as __CALLEE__ } from '@__architecture__/__callee__/src/routes'; // @each callees
import type { Config } from './config';

/**
 * Typed clients of the services __service__ calls, made from their route definitions (src/routes.ts in each): a
 * method per route, its argument and result typed by that service's schemas. A change there that breaks a call here
 * fails this package's type-check.
 */
export interface Clients {
  readonly __calleeClient__: TypedClient<typeof __CALLEE__>; // @each callees
}

/** Each client calls its service's base URL through `policy(service)`, with `fetchFn` (signed as OUTBOUND_AUTH says). */
export function createClients(config: Config, policy: (service: string) => ResiliencePolicy, fetchFn: ClientFetch): Clients {
  return {
    __calleeClient__: typedClient('__callee__', config./*=calleeUrl*/ SAMPLE_SERVICE_URL, __CALLEE__, { policy: policy('__callee__'), fetch: fetchFn, tenantHeader: /*=tenantHeader*/ undefined }), // @each callees
  };
}
// @if defaults

/** Resilience of every call (from the architecture's resolved resilience of __service__). */
export const CLIENT_POLICY: PolicyOptions = {
  retry: { maxAttempts: /*=maxAttempts*/ 3, initialDelayMs: /*=initialDelayMs*/ 100, maxDelayMs: /*=maxDelayMs*/ 10000, multiplier: /*=multiplier*/ 2 },
  circuitBreaker: { failureThreshold: /*=failureThreshold*/ 5, halfOpenAfterMs: /*=halfOpenAfterMs*/ 30000 },
  bulkhead: { maxConcurrent: /*=maxConcurrent*/ 100, maxQueue: /*=maxQueue*/ 50 },
  timeoutMs: /*=callTimeoutMs*/ 30000,
  retryIdempotentOnly: /*=retryIdempotentOnly*/ false,
  isRetryable: isRetryableCall,
};

/** The base URL of each service __service__ calls, by name: whom a call is signed for with OUTBOUND_AUTH=ed25519. */
export function calleeUrls(config: Config): Record<string, string> {
  return {
    '__callee__': config./*=calleeUrl*/ SAMPLE_SERVICE_URL, // @each callees
  };
}

/**
 * The clients, ready to call: each on its own CLIENT_POLICY (retries, circuit breaker, bulkhead, timeout) and through
 * the outbound fetch (SigV4 with OUTBOUND_AUTH=aws-iam, a Google ID token with google-id-token, signed with this
 * service's own key, SERVICE_SIGNING_KEY, with ed25519; as the targets set it). Make them once, at start-up, and pass
 * them to the code that calls.
 */
export function defaultClients(config: Config, fetchFn: ClientFetch = outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION, { caller: config.SERVICE_NAME, callees: calleeUrls(config) })): Clients {
  return createClients(config, () => createPolicy(CLIENT_POLICY), fetchFn);
}
// @end
