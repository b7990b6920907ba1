import { z } from '@hono/zod-openapi';
import { JsonObjectSchema } from '@allframe/platform';
import type { ProviderRequest } from '../adapters/provider-client';

/**
 * What a client sends to forward a request to a provider: `{ method?, path, body? }` (method POST by default). The
 * path is relative to the provider's base URL: anything that could leave it (a scheme, //, ..) is refused. The body
 * is the provider's business, so any JSON object goes; narrow it here if you know the provider's API. The route checks
 * requests against this schema (a 422 naming each field otherwise), and the OpenAPI document follows from it.
 */
export const ProviderRequestSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    path: z
      .string()
      .regex(/^\/(?!\/)/, 'must be a path on the provider, starting with /')
      .refine((p) => !p.includes('..') && !p.includes('://'), 'must stay on the provider (no .. or ://)')
      .openapi({ example: '/v1/resources' }),
    body: JsonObjectSchema.optional().openapi({ description: 'Sent to the provider as is: any JSON object' }),
  })
  .openapi('ProviderRequest');

export type ProviderRequestInput = z.infer<typeof ProviderRequestSchema>;

/** The provider request of a checked input, with the caller's idempotency key if any. */
export function toProviderRequest(input: ProviderRequestInput, idempotencyKey: string | undefined): ProviderRequest {
  return { method: input.method, path: input.path, ...(input.body !== undefined ? { body: input.body } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) };
}
