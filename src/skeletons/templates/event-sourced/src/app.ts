import {
  createApiApp,
  HttpError, // @if projections
  idempotency, // @if idempotency
  toPageQuery, // @if projections
} from '@allframe/platform';
import { eventSourcedFields, graphqlSchema, GraphqlTypes, mountGraphql, readModelFields } from '@allframe/platform/graphql'; // @if graphql
import { GrpcApi, type GrpcServer } from '@allframe/platform/grpc'; // @if grpc
import { __Entity__Service } from './application/__entityFile__-service';
import {
  __Projection__Projector, // @each projections
  type Projector,
} from './application/projections';
import { __ENTITY___COMMANDS, __Entity__CommandInputSchema, __Entity__Schema } from './domain/__entityFile__'; // @if schemas
import type { Dependencies } from './deps';
import {
  // @if graphql
  ProjectionRowSchema, // @if projections
  // @end
  ROUTES,
} from './routes';

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

// @if projections
async function found<T>(item: Promise<T | undefined>): Promise<T> {
  const value = await item;
  if (value === undefined) throw new HttpError(404, 'not found');
  return value;
}
// @end

/** The application service of __Entity__ streams, with the projectors of its read models. */
function entityService(deps: Dependencies): __Entity__Service {
  const projectors: Projector[] = [
    new __Projection__Projector(deps.projections.__projection__), // @each projections
  ];
  return new __Entity__Service(deps.store, projectors, deps.events, { source: SOURCE, snapshotEvery: deps.snapshotEvery });
}

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
  const __entities__ = entityService(deps);
  app.openapi(
    ROUTES.run__Entity__Command,
    async (c) => {
      const { id, command } = c.req.valid('param');
      return c.json(await __entities__.execute(id, command, c.req.valid('json')), 200);
    },
  );
  app.openapi(
    ROUTES.get__Entity__,
    async (c) => c.json(await __entities__.get(c.req.valid('param').id), 200),
  );
  // @each projections
  app.openapi(
    ROUTES.list__Projection__,
    async (c) => c.json(await deps.projections.__projection__.page(toPageQuery(c.req.valid('query'))), 200),
  );
  app.openapi(
    ROUTES.get__Projection__Row,
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
// @if grpc

/** The service's gRPC package, and its .proto file: committed under proto/, kept equal by test/grpc.test.ts. */
export const GRPC_PACKAGE = '__grpcPackage__';
export const GRPC_FILE = '__grpcFile__';

/**
 * The same over gRPC, gRPC-Web and Connect, on the service's port beside the HTTP app: `__Entity__Service` (Get__Entity__,
 * Run__Entity__Command and the read models' List and Get…Row), grpc.health.v1, and reflection when the docs are on.
 */
export function buildGrpc(deps: Dependencies): GrpcServer {
  const api = new GrpcApi(GRPC_PACKAGE, GRPC_FILE).eventSourced(
    { name: '__Entity__', schema: __Entity__Schema, input: __Entity__CommandInputSchema, commands: Object.keys(__ENTITY___COMMANDS), useCases: entityService(deps) },
    [
      { name: '__Projection__', get: (id) => deps.projections.__projection__.get(id), page: (query) => deps.projections.__projection__.page(query) }, // @each projections
    ],
  );
  return api.server({ logger: deps.logger, reflection: deps.apiDocs });
}
// @end
