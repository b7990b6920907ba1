import {
  MemoryObjectStore, // @if archive
  MemoryPublisher,
  createEventSink,
  createLogger,
  newEvent,
} from '@allframe/platform';
// @if events
import {
  on__Event__, // @each events
} from '../src/application/handlers';
// @end

// @slot deps
const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(new MemoryPublisher()), objects: new MemoryObjectStore() };
// @end

describe('handlers', () => {
  // @each events
  test('__Event__ is handled', async () => {
    // GIVEN a __Event__ event
    const event = newEvent('__Event__', '__source__', {});
    // WHEN it is handled THEN it succeeds
    await expect(on__Event__(event, deps)).resolves.toBeUndefined();
    // AND it is archived in the service's bucket // @if archive
    expect((await deps.objects.list({ prefix: 'events/__Event__/' })).items).toHaveLength(1); // @if archive
  });
  // @end
  // @if !events
  test('no consumed events', () => {
    expect(deps.logger).toBeDefined();
  });
  // @end
});
