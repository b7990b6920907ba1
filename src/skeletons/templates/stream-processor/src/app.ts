import { createRoute, z } from '@hono/zod-openapi';
import { EVENT_SCHEMAS } from '@allframe/events';
import { EventEnvelopeSchema, acceptedEvent, bodyAsJson, createApiApp, jsonContent, problemResponses } from '@allframe/platform';
import type { Dependencies } from './deps';
import type { StreamProcessor } from './processor';

/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** What one batch did (processor.ts's BatchOutcome), as the document describes it. */
export const BatchOutcomeSchema = z
  .object({
    accepted: z.number().int(),
    ignored: z.number().int().openapi({ description: 'Events of a type this processor does not take' }),
    late: z.number().int().openapi({ description: 'Events behind the allowed lateness' }),
    emitted: z.number().int().openapi({ description: 'Output events published for the windows the batch closed' }),
  })
  .openapi('BatchOutcome');

/**
 * Health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), and `POST /events` (an
 * envelope or an array of them, as a push delivers them, read as JSON whatever its content type; each event's data
 * checked against its contract): 202 with what the batch did.
 */
export function buildApp(deps: Dependencies, processor: StreamProcessor) {
  const app = createApiApp({ service: '__service__', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  const body = z.union([EventEnvelopeSchema, z.array(EventEnvelopeSchema)]);
  app.openapi(
    createRoute({ method: 'post', path: '/events', tags: ['Events'], middleware: [bodyAsJson], request: { body: { ...jsonContent(body, 'An event envelope or an array of them'), required: true } }, responses: { 202: jsonContent(BatchOutcomeSchema, 'The batch, windowed'), ...problemResponses(400, 422) } }),
    async (c) => {
      // the envelopes (their shape checked by the route), each checked against its event's contract: a 422 naming the
      // fields of the data
      const body = c.req.valid('json');
      return c.json(await processor.handle((Array.isArray(body) ? body : [body]).map((event) => acceptedEvent(EVENT_SCHEMAS, event))), 202);
    },
  );
  return app;
}
