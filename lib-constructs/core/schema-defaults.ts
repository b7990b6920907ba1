/** Defaults of every schema registry allframe builds, and the event envelope's JSON Schema. */

/** Data formats the Glue Schema Registry accepts. */
export type SchemaDataFormat = 'JSON' | 'AVRO' | 'PROTOBUF';

/** Compatibility modes of a Glue schema: which new versions it accepts. */
export type SchemaCompatibility = 'NONE' | 'DISABLED' | 'BACKWARD' | 'BACKWARD_ALL' | 'FORWARD' | 'FORWARD_ALL' | 'FULL' | 'FULL_ALL';

/** Events carry JSON (the platform's envelope). */
export const DEFAULT_SCHEMA_DATA_FORMAT: SchemaDataFormat = 'JSON';

/** A new version must read data written with the previous one, so consumers can be upgraded first. */
export const DEFAULT_SCHEMA_COMPATIBILITY: SchemaCompatibility = 'BACKWARD';

/** The JSON Schema dialect Glue validates JSON schemas against. */
export const JSON_SCHEMA_DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** Glue's pattern for registry and schema names (1 to 255 characters). */
export const GLUE_NAME_PATTERN = /^[a-zA-Z0-9\-_$#.]{1,255}$/;

/** Glue's limit on the length of one schema definition. */
export const MAX_SCHEMA_DEFINITION_LENGTH = 170000;

/**
 * The minimal JSON Schema (draft-07) of an event whose fields the architecture does not declare: the platform's
 * envelope (`src/skeletons/platform/src/events.ts`: id, type, source, time, data, optional tenant) with `type`
 * fixed to the event's name and `data` an object (or `dataSchema` when given). The envelope stays open to new
 * fields, so adding one later is a BACKWARD-compatible version.
 */
export function eventEnvelopeSchema(eventName: string, dataSchema: Record<string, unknown> = { type: 'object' }): Record<string, unknown> {
  return {
    $schema: JSON_SCHEMA_DRAFT_07,
    title: eventName,
    description: `The ${eventName} event in the platform's event envelope.`,
    type: 'object',
    required: ['id', 'type', 'source', 'time', 'data'],
    properties: {
      id: { type: 'string', minLength: 1, description: 'Unique id of this event; consumers deduplicate on it.' },
      type: { type: 'string', const: eventName, description: 'The event type.' },
      source: { type: 'string', minLength: 1, description: 'The producing service.' },
      time: { type: 'string', format: 'date-time', description: 'When the event happened (ISO-8601).' },
      data: dataSchema,
      tenant: { type: 'string', description: 'The tenant the event belongs to, in multi-tenant services.' },
    },
  };
}
