import { z } from '@hono/zod-openapi';

/**
 * What a client sends to create or replace a __Entity__: add your fields here. The routes check requests against
 * this schema (a 422 naming each field otherwise), and the OpenAPI document and the types follow from it.
 */
export const __Entity__InputSchema = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ example: 'first' }),
  })
  .openapi('__Entity__Input');

/** A stored __Entity__: its input fields and what the service sets. */
export const __Entity__Schema = __Entity__InputSchema.extend({
  id: z.string().openapi({ example: '7d0f9c4e-8a52-4a8e-9d1e-2f3b6c1a5e90' }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}).openapi('__Entity__');

export type __Entity__Input = z.infer<typeof __Entity__InputSchema>;
export type __Entity__ = z.infer<typeof __Entity__Schema>;

/** Fields the list route filters on (`GET /__entitiesPath__?name=...`): top-level string fields of __Entity__. */
export const __Entity__Filters = ['name'] as const satisfies readonly (keyof __Entity__)[];
