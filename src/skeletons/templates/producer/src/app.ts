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

/** What a batch publish answers: the ids of the events it published, in the order of the batch. */
export const PublishedBatchSchema = z.object({ ids: z.array(z.string()).openapi({ description: "The events' ids, in the order of the batch" }) }).openapi('PublishedBatch');

/** The most items one batch takes (a larger intake is several batches). */
export const MAX_BATCH = 500;

/** A route's body: the data of event `type`, by its schema (named `<Type>Data` in the document). */
function dataOf(type: string, schema: z.ZodType) {
  return { ...jsonContent(schema.openapi(`${type}Data`), `The data of a ${type}`), required: true };
}

/** A batch route's body: 1 to MAX_BATCH data of event `type`, each by its schema. */
function batchOf(type: string, schema: z.ZodType) {
  return { ...jsonContent(z.array(schema.openapi(`${type}Data`)).min(1).max(MAX_BATCH), `1 to ${MAX_BATCH} ${type} data, published together`), required: true };
}

/**
 * Health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), and
 * `POST /events/<Type>` per published event, its body the event's data (read as JSON whatever its content type):
 * 202 with the event id once published with the service as source, 422 (problem details naming each field) when
 * the data do not match the event's schema, 400 when the body is not JSON. And `POST /events/<Type>/batch`, the batch
 * intake: a JSON array of 1 to MAX_BATCH data, all checked before any is published (a 422 names the item and field,
 * `#/3/n`, and publishes nothing), then published in one call: 202 with their ids in order. A 500 may have published
 * part of a batch: the intake is at least once, like every publish.
 */
export function buildApp(deps: Dependencies, events: PublishedEvents = EVENTS) {
  const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  const responses = { 202: jsonContent(PublishedSchema, 'The event, published'), ...problemResponses(400, 422) };
  const batchResponses = { 202: jsonContent(PublishedBatchSchema, 'The events, published'), ...problemResponses(400, 422) };
  const publish = async (event: EventEnvelope) => {
    await deps.publisher.publish([event]);
    return { id: event.id };
  };
  const publishAll = async (batch: readonly EventEnvelope[]) => {
    await deps.publisher.publish(batch);
    return { ids: batch.map((e) => e.id) };
  };
  // @each events
  app.openapi(
    createRoute({ method: 'post', path: '/events/__Event__', tags: ['Events'], summary: 'Publish a __Event__', middleware: [bodyAsJson], request: { body: dataOf('__Event__', events.__Event__.schema) }, responses }),
    async (c) => c.json(await publish(events.__Event__.definition.create(c.req.valid('json'))), 202),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/events/__Event__/batch', tags: ['Events'], summary: 'Publish a batch of __Event__', middleware: [bodyAsJson], request: { body: batchOf('__Event__', events.__Event__.schema) }, responses: batchResponses }),
    async (c) => c.json(await publishAll(c.req.valid('json').map((data) => events.__Event__.definition.create(data))), 202),
  );
  // @end
  return app;
}
