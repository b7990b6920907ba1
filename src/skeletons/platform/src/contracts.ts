import { z } from 'zod';
import { EventValidationError, eventDataError, type EventEnvelope, type EventPublisher } from './events';

/** The data schema of every event type of the architecture, by type (the events package's `EVENT_SCHEMAS`). */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/**
 * The {@link EventValidationError} of an event of `type` whose `data` does not match its contract (naming each
 * field at fault), or of a type without one; undefined when the data match.
 */
export function contractError(schemas: EventSchemas, type: string, data: unknown): EventValidationError | undefined {
  const schema = Object.prototype.hasOwnProperty.call(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) return new EventValidationError(`event type ${type} has no contract: declare it in the architecture (publishes)`);
  return eventDataError(type, schema, data);
}

/** Throws the {@link EventValidationError} of the first event of `events` whose data does not match its schema. */
export function checkEvents(schemas: EventSchemas, events: readonly EventEnvelope[]): void {
  for (const event of events) {
    const problem = contractError(schemas, event.type, event.data);
    if (problem) throw problem;
  }
}

/**
 * A publisher that checks every event against its contract before sending any: a batch with one invalid event is
 * refused whole, with an {@link EventValidationError} naming the field, and nothing reaches the transport.
 */
export function checkedPublisher(publisher: EventPublisher, schemas: EventSchemas): EventPublisher {
  return {
    publish: async (events) => {
      checkEvents(schemas, events);
      await publisher.publish(events);
    },
  };
}

/**
 * The JSON Schema (draft-07, the dialect Glue validates) of event `type` in the platform's envelope, with `data` the
 * JSON Schema of its zod schema. The envelope stays open to new fields, as the registry's default schema does.
 */
export function eventJsonSchema(type: string, data: z.ZodType): Record<string, unknown> {
  // the data schema sits inside the envelope's, which names the dialect once
  const dataSchema: Record<string, unknown> = z.toJSONSchema(data, { target: 'draft-7', unrepresentable: 'any', io: 'input' });
  delete dataSchema.$schema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: type,
    description: `The ${type} event in the platform's event envelope.`,
    type: 'object',
    required: ['id', 'type', 'source', 'time', 'data'],
    properties: {
      id: { type: 'string', minLength: 1, description: 'Unique id of this event; consumers deduplicate on it.' },
      type: { type: 'string', const: type, description: 'The event type.' },
      source: { type: 'string', minLength: 1, description: 'The producing service.' },
      time: { type: 'string', format: 'date-time', description: 'When the event happened (ISO-8601).' },
      data: dataSchema,
      tenant: { type: 'string', description: 'The tenant the event belongs to, in multi-tenant services.' },
    },
  };
}
