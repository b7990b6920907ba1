import { createHttpApp, HttpError, problemResponse } from '@allframe/platform';
import type { BatchResult, QueueMessage } from '@allframe/platform';
import type { Dependencies } from './deps';
import { pushedMessage } from './push';

/**
 * Health and readiness, and `POST /events` for push deliveries (Pub/Sub push subscriptions, or an envelope posted
 * directly): 204 once handled (or already handled), 500 when the handler fails so that the sender retries.
 */
export function buildApp(deps: Dependencies, process: (messages: readonly QueueMessage[]) => Promise<BatchResult>) {
  const app = createHttpApp({ service: '__service__', logger: deps.logger });
  app.post('/events', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, 'expected a JSON body');
    });
    const result = await process([pushedMessage(body)]);
    return result.batchItemFailures.length > 0 ? problemResponse(c, 500, 'processing failed; the delivery will be retried') : c.body(null, 204);
  });
  return app;
}
