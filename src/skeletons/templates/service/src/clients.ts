import { typedClient, type ClientFetch, type ResiliencePolicy, type TypedClient } from '@allframe/platform';
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
    __calleeClient__: typedClient('__callee__', config./*=calleeUrl*/ SAMPLE_SERVICE_URL, __CALLEE__, { policy: policy('__callee__'), fetch: fetchFn }), // @each callees
  };
}
