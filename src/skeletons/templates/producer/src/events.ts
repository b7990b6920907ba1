import { defineEvent } from '@allframe/platform';
import type { EventDefinition } from '@allframe/platform';
import type { z } from 'zod';
import {
  __Event__DataSchema, // @each events
} from '@allframe/events';

/** The producing service: the source of every event. */
export const SOURCE = '__service__';

/** Each published event, checked against its schema in the events package (packages/events/src/<event>.ts, yours). */
export const __Event__ = defineEvent('__Event__', __Event__DataSchema, SOURCE); // @each events

/** A published event as its route takes it: the schema of its data (the route's body) and its definition. */
export interface PublishedEvent {
  readonly schema: z.ZodType;
  /** Builds the event with the service as source, checking its data again. */
  readonly definition: EventDefinition<unknown>;
}

/** Every published event type, by name: `POST /events/<Type>` each. */
export const EVENTS = {
  __Event__: { schema: __Event__DataSchema, definition: __Event__ }, // @each events
};

/** The events buildApp serves a route for: EVENTS, or in tests the same types with schemas of their own. */
export type PublishedEvents = { readonly [Type in keyof typeof EVENTS]: PublishedEvent };
