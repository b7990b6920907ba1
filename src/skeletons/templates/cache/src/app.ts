import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_SCHEMAS } from '@allframe/events';
import { EventEnvelopeSchema, acceptedEvent, bodyAsJson, createApiApp, jsonContent, problemResponses } from '@allframe/platform';
import type { Dependencies } from './deps';
import { invalidate } from './handler';

/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** What an invalidation did: the keys it deleted. */
export const InvalidationSchema = z.object({ deleted: z.array(z.string()).openapi({ description: 'The keys deleted (none for an event this cache does not know)' }) }).openapi('Invalidation');

/**
 * The container's HTTP app: probes, its OpenAPI document at /openapi.json (and docs at /docs when on), and
 * `POST /events` with one event envelope to invalidate its keys (a push: read as JSON whatever its content type; its
 * data checked against the event's contract, a 422 naming the fields otherwise).
 */
export function buildApp(deps: Dependencies) {
  const app = createApiApp({ service: '__service__', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  app.openapi(
    createRoute({ method: 'post', path: '/events', tags: ['Invalidation'], middleware: [bodyAsJson], request: { body: { ...jsonContent(EventEnvelopeSchema, 'An invalidation event'), required: true } }, responses: { 200: jsonContent(InvalidationSchema, 'The keys deleted'), ...problemResponses(400, 422) } }),
    async (c) => c.json({ deleted: await invalidate(deps, acceptedEvent(EVENT_SCHEMAS, c.req.valid('json'))) }, 200),
  );
  return app;
}
