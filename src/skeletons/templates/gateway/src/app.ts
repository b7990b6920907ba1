import {
  createApiApp,
  idempotency, // @if idempotency
  tenantMiddleware,
  tenantScopedKey,
} from '@allframe/platform';
import { GatewayService } from './application/gateway-service';
import type { Dependencies } from './deps';
import { ROUTES } from './routes';

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

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
  // architecture.multi_tenant: every request runs for its tenant (first: idempotency keys are the tenant's too)
  if (deps.tenants !== undefined) app.use('*', tenantMiddleware(deps.tenants));
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const gateway = new GatewayService(deps.events, SOURCE);
  // the provider's idempotency key: the caller's, made the tenant's with architecture.multi_tenant (two tenants'
  // requests that chose the same key stay two requests at the provider)
  const providerKey = (key: string | undefined) => (key === undefined ? undefined : tenantScopedKey(key));
  // @each providers
  app.openapi(
    ROUTES.forward__Provider__,
    async (c) => c.json(await gateway.forward(deps.providers.__providerVar__, c.req.valid('json'), providerKey(c.req.header('__idempotencyHeader__'))), 200),
  );
  // @end
  return app;
}
