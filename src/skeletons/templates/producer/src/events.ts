import { defineEvent } from '@allframe/platform';
import type { EventDefinition } from '@allframe/platform';
import {
  __Event__DataSchema, // @each events
} from '@allframe/events';

/** The producing service: the source of every event. */
export const SOURCE = '__service__';

/** Each published event, checked against its schema in the events package (packages/events/src/<event>.ts, yours). */
export const __Event__ = defineEvent('__Event__', __Event__DataSchema, SOURCE); // @each events

/** Every published event type, by name. */
export const EVENTS: Readonly<Record<string, EventDefinition<unknown>>> = {
  __Event__, // @each events
};
