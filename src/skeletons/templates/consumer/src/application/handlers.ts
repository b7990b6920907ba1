import { archiveEvent } from '@allframe/platform'; // @if archive
import type { EventEnvelope } from '@allframe/platform';
import type { Dependencies } from '../deps';

/** What a handler may use; throwing fails the message (it is redelivered, then dead-lettered). */
// @slot handlerDeps
export type HandlerDeps = Pick<Dependencies, 'logger' | 'events' | 'objects'>;
// @end
// @each events

/** Handles __Event____fromNote__. Runs at most once per event id. */
export function on__Event__(event: EventEnvelope, deps: HandlerDeps): Promise<void> {
  deps.logger.info({ eventId: event.id, type: event.type }, '__Event__ received');
  // @slot handled
  // archived in the service's bucket as events/<type>/<yyyy>/<mm>/<dd>/<id>.json: a redelivery writes the same object
  return archiveEvent(deps.objects, event);
  // @end
}
// @end
