import { HttpError, createHttpApp } from '@allframe/platform';
import { safeEqual } from './auth';
import type { Dependencies } from './deps';

/** The container's HTTP app: probes and POST /broadcast (behind BROADCAST_TOKEN). */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: '__service__', logger: deps.logger });
  app.post('/broadcast', async (c) => {
    if (deps.broadcastToken === undefined) throw new HttpError(404, 'broadcast over HTTP is off (set BROADCAST_TOKEN)');
    if (!safeEqual(c.req.header('authorization') ?? '', `Bearer ${deps.broadcastToken}`)) throw new HttpError(401, 'unauthorized');
    let message: unknown;
    try {
      message = await c.req.json();
    } catch {
      throw new HttpError(400, 'expected a JSON message');
    }
    return c.json(await deps.gateway.broadcast(message));
  });
  return app;
}
