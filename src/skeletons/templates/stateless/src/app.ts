import {
  createApiApp,
  createUnitOfWork,
  idempotency, // @if idempotency
  tenantMiddleware,
  mountObjectRoutes, // @if storage
  toPageQuery,
} from '@allframe/platform';
import { crudFields, graphqlSchema, GraphqlTypes, mountGraphql } from '@allframe/platform/graphql'; // @if graphql
import { GrpcApi, type GrpcServer } from '@allframe/platform/grpc'; // @if grpc
import { __Entity__Service } from './application/__entityFile__-service'; // @each entities
// @if schemas
import { __Entity__Filters, __Entity__InputSchema, __Entity__Schema } from './domain/__entityFile__'; // @each entities
// @end
import type { Dependencies } from './deps';
import { ROUTES } from './routes';

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
  // architecture.multi_tenant: every request runs for its tenant (first: idempotency keys are the tenant's too)
  if (deps.tenants !== undefined) app.use('*', tenantMiddleware(deps.tenants));
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const graphqlTypes = new GraphqlTypes(); // @if graphql
  // @each entities
  const __entity__Service = new __Entity__Service(deps.__entities__, createUnitOfWork(deps.__entities__, deps.events), SOURCE);
  app.openapi(ROUTES.create__Entity__, async (c) => c.json(await __entity__Service.create(c.req.valid('json')), 201));
  app.openapi(ROUTES.list__Entities__, async (c) => c.json(await __entity__Service.page(toPageQuery(c.req.valid('query'))), 200));
  app.openapi(ROUTES.get__Entity__, async (c) => c.json(await __entity__Service.get(c.req.valid('param').id), 200));
  app.openapi(ROUTES.update__Entity__, async (c) => c.json(await __entity__Service.update(c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(ROUTES.delete__Entity__, async (c) => {
    await __entity__Service.remove(c.req.valid('param').id);
    return c.body(null, 204);
  });
  // @end
  // @if storage
  // the buckets it may read, over HTTP (read-only): its own and those whose storage.readers list it
  mountObjectRoutes(app, {
    '__service__': deps.objects, // @if ownsBucket
    ...deps.buckets, // @if readsBuckets
  });
  // @end
  // @if graphql
  const graphql = graphqlSchema(
    crudFields(graphqlTypes, { name: '__Entity__', plural: '__entities__', schema: __Entity__Schema, input: __Entity__InputSchema, filters: __Entity__Filters, useCases: __entity__Service }), // @each entities
  );
  mountGraphql(app, graphql, { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });
  // @end
  return app;
}
// @if grpc

/** The service's gRPC package, and its .proto file: committed under proto/, kept equal by test/grpc.test.ts. */
export const GRPC_PACKAGE = '__grpcPackage__';
export const GRPC_FILE = '__grpcFile__';

/**
 * The same use cases over gRPC, gRPC-Web and Connect, on the service's port beside the HTTP app: a service per entity
 * (`__Entity__Service`: Get, List, Create, Update, Delete), grpc.health.v1, and reflection when the docs are on.
 */
export function buildGrpc(deps: Dependencies): GrpcServer {
  const api = new GrpcApi(GRPC_PACKAGE, GRPC_FILE);
  // @each entities
  const __entity__Service = new __Entity__Service(deps.__entities__, createUnitOfWork(deps.__entities__, deps.events), SOURCE);
  api.crud({ name: '__Entity__', plural: '__entities__', schema: __Entity__Schema, input: __Entity__InputSchema, filters: __Entity__Filters, useCases: __entity__Service });
  // @end
  return api.server({ logger: deps.logger, reflection: deps.apiDocs });
}
// @end
