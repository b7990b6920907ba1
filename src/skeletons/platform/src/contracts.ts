import { z } from 'zod';
import { EventValidationError, eventDataError, type EventEnvelope, type EventPublisher } from './events';
import { HttpError } from './http';

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

/**
 * An event an HTTP route took (a push delivery), checked against its contract: a 422 naming the fields of its data
 * when they do not match (the sender retries, then dead-letters it). A type without a contract passes: the handlers
 * decide what they take.
 */
export function acceptedEvent(schemas: EventSchemas, event: EventEnvelope): EventEnvelope {
  const invalid = Object.prototype.hasOwnProperty.call(schemas, event.type) ? contractError(schemas, event.type, event.data) : undefined;
  if (invalid) throw new HttpError(422, invalid.message, invalid.fields);
  return event;
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

/** The JSON Schema (draft-07, the dialect schema registries validate) of `schema`. */
function draft07(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any', io: 'input' });
}

/**
 * The JSON Schema of an event's data, from its zod schema: what the workspace commits as
 * `packages/events/schemas/<Event>.json`, and what a schema registry wraps in the envelope it registers.
 */
export function eventDataJsonSchema(data: z.ZodType): Record<string, unknown> {
  return draft07(data);
}

/** The platform's envelope (see {@link EventEnvelope}) of event `type`, with `data` as given; open to new fields. */
export function envelopeSchema(type: string, data: z.ZodType): z.ZodType {
  return z
    .looseObject({
      id: z.string().min(1).describe('Unique id of this event; consumers deduplicate on it.'),
      type: z.literal(type).describe('The event type.'),
      source: z.string().min(1).describe('The producing service.'),
      time: z.string().describe('When the event happened (ISO-8601).'),
      data,
      tenant: z.string().optional().describe('The tenant the event belongs to, in multi-tenant services.'),
    })
    .describe(`The ${type} event in the platform's event envelope.`);
}

/** The JSON Schema (draft-07) of event `type` in its envelope, with `data` the JSON Schema of its zod schema. */
export function eventJsonSchema(type: string, data: z.ZodType): Record<string, unknown> {
  return draft07(envelopeSchema(type, data));
}
