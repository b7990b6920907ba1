import { createRoute, z } from '@hono/zod-openapi';
import {
  createApiApp,
  jsonContent,
  problemResponses,
  tenantMiddleware, // @if tenants
} from '@allframe/platform';
import { graphqlSchema, GraphqlTypes, mountGraphql, queryFields } from '@allframe/platform/graphql'; // @if graphql
import { rateLimit } from './adapters/rate-limit';
import { BffService } from './application/bff-service';
import type { Dependencies } from './deps';

const NULL_BODY = new Set([204, 205, 304]);
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** What GET /overview answers: each service's response by name, and the services that failed. */
export const OverviewSchema = z
  .object({
    results: z.record(z.string(), z.unknown()).openapi({ description: "Each service's response, by service name" }),
    errors: z.array(z.object({ service: z.string(), error: z.string() })).openapi({ description: 'The services that failed, and why' }),
  })
  .openapi('Overview');

/**
 * The HTTP app: probes, then (rate limited) GET /overview and a GET proxy per aggregated service; its OpenAPI document
 * at /openapi.json (the proxies pass each service's own API through, so they are not in it) and, when on, docs at /docs.
 * The overview over GraphQL at /graphql (GraphiQL there when the docs are on). // @if graphql
 */
export function buildApp(deps: Dependencies) {
  const app = createApiApp({ service: '__service__', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs });
  const bff = new BffService(deps.downstreams);
  // architecture.multi_tenant: every request runs for its tenant (first: the rate limit and the cache are the tenant's) // @if tenants
  app.use('*', tenantMiddleware(deps.tenants)); // @if tenants
  app.use('*', rateLimit(deps.limiter));
  app.openapi(
    createRoute({ method: 'get', path: '/overview', tags: ['Overview'], responses: { 200: jsonContent(OverviewSchema, 'What each service answered'), 502: jsonContent(OverviewSchema, 'No service answered'), ...problemResponses(429) } }),
    async (c) => {
      const overview = await bff.overview();
      return Object.keys(overview.results).length === 0 ? c.json(overview, 502) : c.json(overview, 200);
    },
  );
  // @if graphql
  const overview = queryFields(new GraphqlTypes(), { overview: { schema: OverviewSchema, name: 'Overview', description: 'What each service answered, and the services that failed', resolve: () => bff.overview() } });
  mountGraphql(app, graphqlSchema(overview), { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });
  // @end
  for (const name of Object.keys(deps.downstreams)) {
    app.get(`/${name}/*`, async (c) => {
      const url = new URL(c.req.url);
      const res = await bff.proxy(name, (url.pathname.slice(name.length + 1) || '/') + url.search);
      const headers = { 'content-type': res.contentType, 'x-cache': res.cached ? 'hit' : 'miss' };
      return new Response(NULL_BODY.has(res.status) ? null : res.body, { status: res.status, headers });
    });
  }
  return app;
}
