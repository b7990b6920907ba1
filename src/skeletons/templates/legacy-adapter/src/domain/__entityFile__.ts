import { z } from '@hono/zod-openapi';

/**
 * A __Entity__ as this domain sees it, whatever the legacy system calls it: give it real fields here (and have the
 * translator fill them). The routes answer with this schema, and the OpenAPI document and the type follow from it.
 */
export const __Entity__Schema = z
  .object({
    id: z.string().openapi({ example: 'L-1' }),
    fields: z.record(z.string(), z.unknown()).openapi({ description: "The legacy record's fields, renamed to camelCase" }),
  })
  .openapi('__Entity__');

export type __Entity__ = z.infer<typeof __Entity__Schema>;
