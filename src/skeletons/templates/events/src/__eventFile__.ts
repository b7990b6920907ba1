import { z } from 'zod';

/**
 * The data of __Event__.
 * Published by: __publishers__.
 * Consumed by: __consumers__.
 *
 * This file is yours: tighten the schema as the payload takes shape. It starts open (unknown fields pass), with the
 * fields the generated code already sends. Publishers check each event against it before sending, consumers before
 * handling; docs/asyncapi.yaml and schemas/__Event__.json follow it (`npm run asyncapi` writes them again).
 */
export const __Event__DataSchema = z.looseObject({
  // @slot fields
  id: z.string(),
  // @end
});

/** The data of __Event__. */
export type __Event__Data = z.infer<typeof __Event__DataSchema>;
