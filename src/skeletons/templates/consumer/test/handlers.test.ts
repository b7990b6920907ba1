import { MemoryPublisher, createEventSink, createLogger, newEvent } from '@allframe/platform';
// @if events
import {
  on__Event__, // @each events
} from '../src/application/handlers';
// @end

const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(new MemoryPublisher()) };

describe('handlers', () => {
  // @each events
  test('__Event__ is handled', async () => {
    // GIVEN a __Event__ event
    const event = newEvent('__Event__', '__source__', {});
    // WHEN it is handled THEN it succeeds
    await expect(on__Event__(event, deps)).resolves.toBeUndefined();
  });
  // @end
  // @if !events
  test('no consumed events', () => {
    expect(deps.logger).toBeDefined();
  });
  // @end
});
