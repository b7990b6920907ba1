import { createRoute, z } from '@hono/zod-openapi';
import {
  IdParamsSchema, // @if onDemand
  JsonObjectSchema, // @if webhook
  bodyAsJson, // @if webhook
  createApiApp,
  jsonContent,
  problemResponses,
} from '@allframe/platform';
import { __Entity__Sync } from './application/__entityFile__-sync';
import type { Dependencies } from './deps';
import { __Entity__Schema } from './domain/__entityFile__'; // @if onDemand

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** The use cases of the __strategy__ sync with the legacy system. */
export function buildSync(deps: Dependencies): __Entity__Sync {
  return new __Entity__Sync(
    deps.upstream,
    deps.events,
    SOURCE,
    deps.cursors, // @if polling
  );
}

/** The HTTP app: health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), POST /sync to poll now. */ // @if polling
/** The HTTP app: health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), POST /webhook for the changes the legacy system pushes. */ // @if webhook
/** The HTTP app: health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), GET /__entitiesPath__/{id} fetched from the legacy system and translated. */ // @if onDemand
export function buildApp(deps: Dependencies) {
  const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  const sync = buildSync(deps);
  // @if polling
  const Synced = z.object({ synced: z.number().int().openapi({ description: 'Changes taken' }) }).openapi('Synced');
  app.openapi(
    createRoute({ method: 'post', path: '/sync', tags: ['Sync'], responses: { 200: jsonContent(Synced, 'The changes since the last poll, translated'), ...problemResponses(422) } }),
    async (c) => c.json({ synced: await sync.poll() }, 200),
  );
  // @end
  // @if webhook
  // the legacy system's records as it pushes them (read as JSON whatever their content type): the translator's input
  const Pushed = z.union([JsonObjectSchema, z.array(JsonObjectSchema)]).openapi({ description: 'A legacy record (any JSON object) or an array of them' });
  const Received = z.object({ received: z.number().int() }).openapi('Received');
  app.openapi(
    createRoute({ method: 'post', path: '/webhook', tags: ['Sync'], middleware: [bodyAsJson], request: { body: { ...jsonContent(Pushed, 'The changed records'), required: true } }, responses: { 202: jsonContent(Received, 'Translated'), ...problemResponses(400, 422) } }),
    async (c) => c.json({ received: (await sync.receive(c.req.valid('json'))).length }, 202),
  );
  // @end
  // @if onDemand
  app.openapi(
    createRoute({ method: 'get', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(__Entity__Schema, 'The __Entity__, translated'), ...problemResponses(404, 422) } }),
    async (c) => c.json(await sync.get(c.req.valid('param').id), 200),
  );
  // @end
  return app;
}
