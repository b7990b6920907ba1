import { createRoute, z } from '@hono/zod-openapi';
import {
  bodyAsJson,
  createApiApp,
  idempotency, // @if idempotency
  jsonContent,
  problemResponses,
} from '@allframe/platform';
import { GatewayService } from './application/gateway-service';
import type { Dependencies } from './deps';
import { ProviderRequestSchema } from './domain/provider-request';

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** The provider's answer (provider-client.ts's ProviderResponse): its status and its body, parsed when JSON. */
export const ProviderResponseSchema = z
  .object({ status: z.number().int(), body: z.unknown().openapi({ description: "The provider's body: JSON as parsed, else text; absent when empty" }) })
  .openapi('ProviderResponse');

/**
 * The HTTP app: one forwarding route per provider (its body read as JSON whatever its content type), its OpenAPI
 * document at /openapi.json and, when on, docs at /docs; ready while no provider's circuit is open.
 */
export function buildApp(deps: Dependencies) {
  const app = createApiApp({
    service: SOURCE,
    version: API_VERSION,
    logger: deps.logger,
    docs: deps.apiDocs === true,
    ready: () => Object.values(deps.providers).every((p) => p.breakerState() !== 'open'),
  });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const gateway = new GatewayService(deps.events, SOURCE);
  const forwarded = (provider: string) => ({ 200: jsonContent(ProviderResponseSchema, `${provider}'s answer`), ...problemResponses(400, 422, 502) });
  // @each providers
  app.openapi(
    createRoute({ method: 'post', path: '/__provider__/requests', tags: ['__provider__'], middleware: [bodyAsJson], request: { body: { ...jsonContent(ProviderRequestSchema, 'The request to forward to __provider__'), required: true } }, responses: forwarded('__provider__') }),
    async (c) => c.json(await gateway.forward(deps.providers.__providerVar__, c.req.valid('json'), c.req.header('__idempotencyHeader__')), 200),
  );
  // @end
  return app;
}
