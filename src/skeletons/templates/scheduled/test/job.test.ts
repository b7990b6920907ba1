import { MemoryPublisher, createEventSink, createLogger } from '@allframe/platform';
import { runJob } from '../src/application/job';

describe('job', () => {
  test('a run __jobOutcome__', async () => {
    // GIVEN the job's dependencies
    const publisher = new MemoryPublisher();
    const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(publisher) };
    // WHEN it runs
    await runJob(deps, { now: new Date('2030-01-01T02:00:00Z'), signal: new AbortController().signal });
    // THEN
    // @if publishes
    expect(publisher.published.map((e) => e.type)).toEqual([
      '__event__', // @each publishes
    ]);
    // @end
    expect(publisher.published.map((e) => e.type)).toEqual([]); // @if !publishes
  });

  test('an aborted run stops', async () => {
    const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(new MemoryPublisher()) };
    const controller = new AbortController();
    controller.abort(new Error('timed out'));
    await expect(runJob(deps, { now: new Date(), signal: controller.signal })).rejects.toThrow('timed out');
  });
});
