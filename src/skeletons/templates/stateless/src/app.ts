import { createRoute } from '@hono/zod-openapi';
import {
  createApiApp,
  createUnitOfWork,
  IdParamsSchema,
  idempotency, // @if idempotency
  jsonContent,
  pageQuerySchema,
  pageSchema,
  problemResponses,
  toPageQuery,
} from '@allframe/platform';
import { crudFields, graphqlSchema, GraphqlTypes, mountGraphql } from '@allframe/platform/graphql'; // @if graphql
import { __Entity__Service } from './application/__entityFile__-service'; // @each entities
import { __Entity__Filters, __Entity__InputSchema, __Entity__Schema } from './domain/__entityFile__'; // @each entities
import type { Dependencies } from './deps';

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** The HTTP app: health and readiness, __summary__, its OpenAPI document at /openapi.json and, when on, docs at /docs. */ // @if !graphql
// @if graphql
/**
 * The HTTP app: health and readiness, __summary__, its OpenAPI document at /openapi.json and, when on, docs at /docs;
 * the same use cases over GraphQL at /graphql (GraphiQL there when the docs are on).
 */
// @end
export function buildApp(deps: Dependencies) {
  const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const graphqlTypes = new GraphqlTypes(); // @if graphql
  // @each entities
  const __entity__Service = new __Entity__Service(deps.__entities__, createUnitOfWork(deps.__entities__, deps.events), SOURCE);
  const __Entity__Page = pageSchema(__Entity__Schema, '__Entity__Page');
  const __Entity__Query = pageQuerySchema(__Entity__Filters);
  app.openapi(
    createRoute({ method: 'post', path: '/__entitiesPath__', tags: ['__Entity__'], request: { body: { ...jsonContent(__Entity__InputSchema, 'The new __Entity__'), required: true } }, responses: { 201: jsonContent(__Entity__Schema, 'Created'), ...problemResponses(422) } }),
    async (c) => c.json(await __entity__Service.create(c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/__entitiesPath__', tags: ['__Entity__'], request: { query: __Entity__Query }, responses: { 200: jsonContent(__Entity__Page, 'One page of __entities__'), ...problemResponses(400, 422) } }),
    async (c) => c.json(await __entity__Service.page(toPageQuery(c.req.valid('query'))), 200),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(__Entity__Schema, 'The __Entity__'), ...problemResponses(404) } }),
    async (c) => c.json(await __entity__Service.get(c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({ method: 'put', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema, body: { ...jsonContent(__Entity__InputSchema, 'The __Entity__\'s new fields'), required: true } }, responses: { 200: jsonContent(__Entity__Schema, 'Updated'), ...problemResponses(404, 422) } }),
    async (c) => c.json(await __entity__Service.update(c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 204: { description: 'Deleted' }, ...problemResponses(404) } }),
    async (c) => {
      await __entity__Service.remove(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  // @end
  // @if graphql
  const graphql = graphqlSchema(
    crudFields(graphqlTypes, { name: '__Entity__', plural: '__entities__', schema: __Entity__Schema, input: __Entity__InputSchema, filters: __Entity__Filters, useCases: __entity__Service }), // @each entities
  );
  mountGraphql(app, graphql, { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });
  // @end
  return app;
}
