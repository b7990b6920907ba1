import { createRoute, z } from '@hono/zod-openapi';
import { bodyAsJson, createApiApp, jsonContent, problemResponses } from '@allframe/platform';
import type { EventEnvelope } from '@allframe/platform';
import type { Dependencies } from './deps';
import { EVENTS, SOURCE } from './events';
import type { PublishedEvents } from './events';

/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** What a publish answers: the id of the event it published. */
export const PublishedSchema = z.object({ id: z.string().openapi({ description: "The event's id, as in its envelope" }) }).openapi('Published');

/** A route's body: the data of event `type`, by its schema (named `<Type>Data` in the document). */
function dataOf(type: string, schema: z.ZodType) {
  return { ...jsonContent(schema.openapi(`${type}Data`), `The data of a ${type}`), required: true };
}

/**
 * Health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), and
 * `POST /events/<Type>` per published event, its body the event's data (read as JSON whatever its content type):
 * 202 with the event id once published with the service as source, 422 (problem details naming each field) when
 * the data do not match the event's schema, 400 when the body is not JSON.
 */
export function buildApp(deps: Dependencies, events: PublishedEvents = EVENTS) {
  const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  const responses = { 202: jsonContent(PublishedSchema, 'The event, published'), ...problemResponses(400, 422) };
  const publish = async (event: EventEnvelope) => {
    await deps.publisher.publish([event]);
    return { id: event.id };
  };
  // @each events
  app.openapi(
    createRoute({ method: 'post', path: '/events/__Event__', tags: ['Events'], summary: 'Publish a __Event__', middleware: [bodyAsJson], request: { body: dataOf('__Event__', events.__Event__.schema) }, responses }),
    async (c) => c.json(await publish(events.__Event__.definition.create(c.req.valid('json'))), 202),
  );
  // @end
  return app;
}
