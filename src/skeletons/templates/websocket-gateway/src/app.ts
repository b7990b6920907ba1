import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { HttpError, JsonObjectSchema, bodyAsJson, createApiApp, jsonContent, problemResponses } from '@allframe/platform';
import { safeEqual } from './auth';
import type { Dependencies } from './deps';

/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** What a broadcast did (gateway.ts's BroadcastResult). */
export const BroadcastResultSchema = z
  .object({ sent: z.number().int(), removed: z.number().int().openapi({ description: 'Connections found gone, removed from the registry' }), failed: z.number().int() })
  .openapi('BroadcastResult');

/** The container's HTTP app: probes, its OpenAPI document at /openapi.json (and docs at /docs when on), and POST /broadcast (behind BROADCAST_TOKEN). */
export function buildApp(deps: Dependencies) {
  const app = createApiApp({ service: '__service__', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  app.openAPIRegistry.registerComponent('securitySchemes', 'broadcastToken', { type: 'http', scheme: 'bearer', description: 'BROADCAST_TOKEN' });
  // before the body is read: off (404) or unauthorized (401) whatever the body
  const authorized: MiddlewareHandler = async (c, next) => {
    if (deps.broadcastToken === undefined) throw new HttpError(404, 'broadcast over HTTP is off (set BROADCAST_TOKEN)');
    if (!safeEqual(c.req.header('authorization') ?? '', `Bearer ${deps.broadcastToken}`)) throw new HttpError(401, 'unauthorized');
    await next();
  };
  const off = { ...problemResponses(404)[404], description: 'Broadcast over HTTP is off (BROADCAST_TOKEN is unset)' };
  app.openapi(
    createRoute({
      method: 'post',
      path: '/broadcast',
      tags: ['Broadcast'],
      // a push (Pub/Sub without wrapper on Google Cloud): read as JSON whatever its content type
      middleware: [authorized, bodyAsJson],
      security: [{ broadcastToken: [] }],
      request: { body: { ...jsonContent(JsonObjectSchema, 'The message, any JSON object, sent to every connection as is'), required: true } },
      responses: { 200: jsonContent(BroadcastResultSchema, 'What the broadcast did'), ...problemResponses(400, 401, 422), 404: off },
    }),
    async (c) => c.json(await deps.gateway.broadcast(c.req.valid('json')), 200),
  );
  return app;
}
