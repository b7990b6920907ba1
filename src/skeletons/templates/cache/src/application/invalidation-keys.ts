import type { EventEnvelope } from '@allframe/platform';

// @if events
/** The first string field of `data` among `fields`. */
function idOf(data: unknown, ...fields: string[]): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const value = fields.map((f) => record[f]).find((v) => typeof v === 'string' && v !== '');
  return value as string | undefined;
}

// @end
/**
 * The keys (without the prefix) an event invalidates; none for events this cache does not care about.
 * The defaults delete `<entity>:<id>`: write your cached values under the same keys, or change this.
 */
export function keysFor(event: EventEnvelope): string[] {
  switch (event.type) {
    // @each events
    case '__event__': {
      const id = idOf(event.data, 'id', '__entityId__');
      return id === undefined ? [] : [`__entityKey__:${id}`];
    }
    // @end
    default:
      return [];
  }
}
