import type { EventEnvelope, EventHandler } from '@allframe/platform';
import { keysFor } from './application/invalidation-keys';
import type { Dependencies } from './deps';

/** Deletes the keys `keysFor` derives from `event` and returns them; other events delete nothing. */
export async function invalidate(deps: Pick<Dependencies, 'cache' | 'logger'>, event: EventEnvelope): Promise<string[]> {
  const keys = keysFor(event);
  if (keys.length === 0) {
    deps.logger.debug({ type: event.type, eventId: event.id }, 'event ignored');
    return [];
  }
  await Promise.all(keys.map((key) => deps.cache.delete(key)));
  deps.logger.info({ type: event.type, eventId: event.id, keys: keys.length }, 'cache entries invalidated');
  return keys;
}

/** {@link invalidate} as a queue consumer's handler. */
export function invalidationHandler(deps: Pick<Dependencies, 'cache' | 'logger'>): EventHandler {
  return async (event) => {
    await invalidate(deps, event);
  };
}
