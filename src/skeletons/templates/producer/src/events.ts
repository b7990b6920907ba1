import { defineEvent } from '@allframe/platform';
import type { EventDefinition } from '@allframe/platform';
import {
  is__Event__, // @each events
} from './domain/events';

/** The producing service: the source of every event. */
export const SOURCE = '__service__';

export const __Event__ = defineEvent('__Event__', is__Event__, SOURCE); // @each events

/** Every published event type, by name. */
export const EVENTS: Readonly<Record<string, EventDefinition<unknown>>> = {
  __Event__, // @each events
};
