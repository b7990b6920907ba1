import { EventValidationError, createHttpApp, HttpError } from '@allframe/platform';
import type { EventDefinition, EventEnvelope } from '@allframe/platform';
import type { Dependencies } from './deps';
import { EVENTS, SOURCE } from './events';

/** Builds the event, mapping data that do not match the event's schema to a 422 naming the fields. */
function create(definition: EventDefinition<unknown>, data: unknown): EventEnvelope {
  try {
    return definition.create(data);
  } catch (err) {
    if (err instanceof EventValidationError) throw new HttpError(422, err.message, err.fields);
    throw err;
  }
}

/**
 * Health and readiness, and `POST /events/<Type>` per published event: 202 with the event id once published, 422
 * (problem details naming each field) when the body does not match the event's schema, 400 when it is not JSON.
 */
export function buildApp(deps: Dependencies, events: Readonly<Record<string, EventDefinition<unknown>>> = EVENTS) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  for (const [type, definition] of Object.entries(events)) {
    app.post(`/events/${type}`, async (c) => {
      const data: unknown = await c.req.json().catch(() => {
        throw new HttpError(400, 'expected a JSON body');
      });
      const event = create(definition, data);
      await deps.publisher.publish([event]);
      return c.json({ id: event.id }, 202);
    });
  }
  return app;
}
