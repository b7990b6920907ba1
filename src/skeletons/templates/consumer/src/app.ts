import { createRoute } from '@hono/zod-openapi';
import { HttpError, bodyAsJson, createApiApp, jsonContent, problemResponses } from '@allframe/platform';
import type { BatchResult, QueueMessage } from '@allframe/platform';
import type { Dependencies } from './deps';
import { PushBodySchema, pushedMessage } from './push';

/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/**
 * Health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), and `POST /events` for
 * push deliveries (Pub/Sub push subscriptions, or an envelope posted directly): 204 once handled (or already
 * handled), 500 when the handler fails so that the sender retries. The body is read as JSON whatever its content type.
 */
export function buildApp(deps: Dependencies, process: (messages: readonly QueueMessage[]) => Promise<BatchResult>) {
  const app = createApiApp({ service: '__service__', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  app.openapi(
    createRoute({ method: 'post', path: '/events', tags: ['Events'], middleware: [bodyAsJson], request: { body: { ...jsonContent(PushBodySchema, 'An event envelope, or a Pub/Sub push delivery of one'), required: true } }, responses: { 204: { description: 'Handled, or handled before' }, ...problemResponses(400, 422) } }),
    async (c) => {
      const result = await process([pushedMessage(c.req.valid('json'))]);
      if (result.batchItemFailures.length > 0) throw new HttpError(500, 'processing failed; the delivery will be retried');
      return c.body(null, 204);
    },
  );
  return app;
}
