import type { EventEnvelope } from '@allframe/platform';
import type { Dependencies } from '../deps';

/** What a handler may use; throwing fails the message (it is redelivered, then dead-lettered). */
export type HandlerDeps = Pick<Dependencies, 'logger' | 'events'>;
// @each events

/** Handles __Event____fromNote__. Runs at most once per event id. */
export function on__Event__(event: EventEnvelope, deps: HandlerDeps): Promise<void> {
  deps.logger.info({ eventId: event.id, type: event.type }, '__Event__ received');
  return Promise.resolve();
}
// @end
