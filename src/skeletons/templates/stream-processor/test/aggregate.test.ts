import { MemoryPublisher, createEventSink, createLogger, newEvent, testSecrets } from '@allframe/platform';
import { aggregate } from '../src/application/aggregate';
import { StreamProcessor } from '../src/processor';
import { SECRET_NAMES } from '../src/secrets';
import { Windower } from '../src/windows';

const at = (seconds: number, type: string) => newEvent(type, 'test', {}, { time: new Date(seconds * 1000).toISOString() });

describe('aggregate', () => {
  test('counts the events of a window per type', () => {
    // GIVEN a closed window
    const window = { start: 0, end: 60_000, events: [at(1, '__input__'), at(2, '__input__'), at(3, 'Other')] };
    // WHEN it is aggregated
    const output = aggregate(window, '__service__');
    // THEN
    expect(output.summary).toEqual({ windowStart: '1970-01-01T00:00:00.000Z', windowEnd: '1970-01-01T00:01:00.000Z', counts: { __input__: 2, Other: 1 } });
    expect(output.events.map((e) => e.type)).toEqual([]); // @if !outputs
    // @if outputs
    expect(output.events.map((e) => e.type)).toEqual([
      '__Output__', // @each outputs
    ]);
    // @end
  });

  test('closed windows publish __publishNote__', async () => {
    const publisher = new MemoryPublisher();
    const deps = { secrets: testSecrets(SECRET_NAMES), logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(publisher), close: () => Promise.resolve() };
    const processor = new StreamProcessor(deps, new Windower({ type: 'tumbling', sizeMs: 10_000 }));
    await processor.handle([at(1, '__input__'), at(12, '__input__')]);
    expect(publisher.published.map((e) => [e.type, e.source])).toEqual([]); // @if !outputs
    // @if outputs
    expect(publisher.published.map((e) => [e.type, e.source])).toEqual([
      ['__Output__', '__service__'], // @each outputs
    ]);
    // @end
  });
});
