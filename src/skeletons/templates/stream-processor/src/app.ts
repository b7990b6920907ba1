import { createHttpApp, HttpError } from '@allframe/platform';
import type { Dependencies } from './deps';
import type { StreamProcessor } from './processor';
import { parseBody } from './records';

/** Health and readiness, and `POST /events` (an envelope or an array of them): 202 with what the batch did. */
export function buildApp(deps: Dependencies, processor: StreamProcessor) {
  const app = createHttpApp({ service: '__service__', logger: deps.logger });
  app.post('/events', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, 'expected a JSON body');
    });
    return c.json(await processor.handle(parseBody(body)), 202);
  });
  return app;
}
