import {
  createHttpApp,
  idempotency, // @if idempotency
} from '@allframe/platform';
import { GatewayService } from './application/gateway-service';
import type { Dependencies } from './deps';

const SOURCE = '__service__';

/** The HTTP app: one forwarding route per provider; ready while no provider's circuit is open. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({
    service: SOURCE,
    logger: deps.logger,
    ready: () => Object.values(deps.providers).every((p) => p.breakerState() !== 'open'),
  });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const gateway = new GatewayService(deps.events, SOURCE);
  // @each providers
  app.post('/__provider__/requests', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    return c.json(await gateway.forward(deps.providers.__providerVar__, body, c.req.header('__idempotencyHeader__')));
  });
  // @end
  return app;
}
