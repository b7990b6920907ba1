import { EventValidationError, createHttpApp, HttpError } from '@allframe/platform';
import type { EventDefinition, EventEnvelope } from '@allframe/platform';
import type { Dependencies } from './deps';
import { EVENTS, SOURCE } from './events';

/** Builds the event, mapping invalid data to a 400. */
function create(definition: EventDefinition<unknown>, data: unknown): EventEnvelope {
  try {
    return definition.create(data);
  } catch (err) {
    if (err instanceof EventValidationError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** Health and readiness, and `POST /events/<Type>` per published event: 202 with the event id once published. */
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
