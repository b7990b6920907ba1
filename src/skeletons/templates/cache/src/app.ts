import { HttpError, createHttpApp, parseEnvelope } from '@allframe/platform';
import type { EventEnvelope } from '@allframe/platform';
import type { Dependencies } from './deps';
import { invalidate } from './handler';

/** The container's HTTP app: probes, and POST /events with one event envelope to invalidate its keys. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: '__service__', logger: deps.logger });
  app.post('/events', async (c) => {
    let event: EventEnvelope;
    try {
      event = parseEnvelope(await c.req.text());
    } catch {
      throw new HttpError(400, 'expected an event envelope');
    }
    return c.json({ deleted: await invalidate(deps, event) });
  });
  return app;
}
