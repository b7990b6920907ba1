import { createRoute, z } from '@hono/zod-openapi';
import {
  createApiApp,
  HttpError, // @if projections
  IdParamsSchema,
  idempotency, // @if idempotency
  jsonContent,
  pageQuerySchema, // @if projections
  pageSchema, // @if projections
  problemResponses,
  toPageQuery, // @if projections
} from '@allframe/platform';
import { eventSourcedFields, graphqlSchema, GraphqlTypes, mountGraphql, readModelFields } from '@allframe/platform/graphql'; // @if graphql
import { __Entity__Service } from './application/__entityFile__-service';
import {
  __Projection__Projector, // @each projections
  type Projector,
} from './application/projections';
import { __ENTITY___COMMANDS, __Entity__CommandInputSchema, __Entity__Schema, type __Entity__Command } from './domain/__entityFile__';
import type { Dependencies } from './deps';

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

const CommandParams = IdParamsSchema.extend({
  command: z.enum(Object.keys(__ENTITY___COMMANDS) as [__Entity__Command, ...__Entity__Command[]]).openapi({ param: { name: 'command', in: 'path' } }),
});
// @if projections
/** A row of a read model: the fields of the stream's events, and where the stream stood. */
const ProjectionRowSchema = z
  .object({ id: z.string(), version: z.number().int(), lastEvent: z.string(), updatedAt: z.string() })
  .catchall(z.unknown())
  .openapi('ProjectionRow');

async function found<T>(item: Promise<T | undefined>): Promise<T> {
  const value = await item;
  if (value === undefined) throw new HttpError(404, 'not found');
  return value;
}
// @end

/**
 * The HTTP app: commands on __Entity__ streams, the state rebuilt from snapshot and events__projectionsNote__; its
 * OpenAPI document at /openapi.json and, when on, docs at /docs.
 * The same over GraphQL at /graphql (GraphiQL there when the docs are on). // @if graphql
 */
export function buildApp(deps: Dependencies) {
  const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const projectors: Projector[] = [
    new __Projection__Projector(deps.projections.__projection__), // @each projections
  ];
  const __entities__ = new __Entity__Service(deps.store, projectors, deps.events, { source: SOURCE, snapshotEvery: deps.snapshotEvery });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/__entitiesPath__/{id}/commands/{command}',
      tags: ['__Entity__'],
      request: { params: CommandParams, body: { ...jsonContent(__Entity__CommandInputSchema, 'The command\'s input'), required: true } },
      responses: { 200: jsonContent(__Entity__Schema, 'The state after the command'), ...problemResponses(409, 422) },
    }),
    async (c) => {
      const { id, command } = c.req.valid('param');
      return c.json(await __entities__.execute(id, command, c.req.valid('json')), 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(__Entity__Schema, 'The current state'), ...problemResponses(404) } }),
    async (c) => c.json(await __entities__.get(c.req.valid('param').id), 200),
  );
  // @each projections
  app.openapi(
    createRoute({ method: 'get', path: '/projections/__projectionFile__', tags: ['__Projection__'], request: { query: pageQuerySchema([]) }, responses: { 200: jsonContent(pageSchema(ProjectionRowSchema, '__Projection__Page'), 'One page of the read model'), ...problemResponses(400, 422) } }),
    async (c) => c.json(await deps.projections.__projection__.page(toPageQuery(c.req.valid('query'))), 200),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/projections/__projectionFile__/{id}', tags: ['__Projection__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(ProjectionRowSchema, 'One row of the read model'), ...problemResponses(404) } }),
    async (c) => c.json(await found(deps.projections.__projection__.get(c.req.valid('param').id)), 200),
  );
  // @end
  // @if graphql
  const graphqlTypes = new GraphqlTypes();
  const graphql = graphqlSchema(
    eventSourcedFields(graphqlTypes, { name: '__Entity__', schema: __Entity__Schema, input: __Entity__CommandInputSchema, commands: Object.keys(__ENTITY___COMMANDS), useCases: __entities__ }),
    readModelFields(graphqlTypes, [
      { field: '__projection__', name: '__Projection__', schema: ProjectionRowSchema, get: (id) => deps.projections.__projection__.get(id), page: (query) => deps.projections.__projection__.page(query) }, // @each projections
    ]),
  );
  mountGraphql(app, graphql, { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });
  // @end
  return app;
}
