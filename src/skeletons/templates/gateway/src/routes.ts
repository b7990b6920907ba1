import { createRoute, z } from '@hono/zod-openapi';
import { bodyAsJson, jsonContent, problemResponses } from '@allframe/platform';
import { ProviderRequestSchema } from './domain/provider-request';

/** The provider's answer (provider-client.ts's ProviderResponse): its status and its body, parsed when JSON. */
export const ProviderResponseSchema = z
  .object({ status: z.number().int(), body: z.unknown().openapi({ description: "The provider's body: JSON as parsed, else text; absent when empty" }) })
  .openapi('ProviderResponse');

/** What a forwarding route answers: the provider's answer, or a problem. */
function forwarded(provider: string) {
  return { 200: jsonContent(ProviderResponseSchema, `${provider}'s answer`), ...problemResponses(400, 422, 502) };
}

/**
 * The routes of __service__, by name, with their schemas: one forwarding route per provider (its body read as JSON
 * whatever its content type). src/app.ts serves them, the OpenAPI document describes them, and the services that
 * call this one get typed clients of them (typedClient in the platform).
 */
export const ROUTES = {
  forward__Provider__: createRoute({ method: 'post', path: '/__provider__/requests', tags: ['__provider__'], middleware: [bodyAsJson], request: { body: { ...jsonContent(ProviderRequestSchema, 'The request to forward to __provider__'), required: true } }, responses: forwarded('__provider__') }), // @each providers
};
