import { MemoryPublisher, createEventSink, createLogger, newEvent, testSecrets } from '@allframe/platform';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { INPUT_EVENTS, StreamProcessor, WINDOW, type Aggregate } from '../src/processor';
import { parseRecords } from '../src/records';
import { SECRET_NAMES } from '../src/secrets';
import { Windower } from '../src/windows';

const logger = createLogger({ service: 'test', level: 'silent' });
const at = (seconds: number, type = '__input__') => newEvent(type, 'test', {}, { time: new Date(seconds * 1000).toISOString() });
const countOut: Aggregate = (window, source) => ({ summary: {}, events: [newEvent('Out', source, { n: window.events.length })] });

function setup(aggregate: Aggregate = countOut) {
  const publisher = new MemoryPublisher();
  const deps = { secrets: testSecrets(SECRET_NAMES), logger, events: createEventSink(publisher), close: () => Promise.resolve() };
  const processor = new StreamProcessor(deps, new Windower({ type: 'tumbling', sizeMs: 10_000 }), aggregate);
  return { deps, publisher, processor };
}

describe('stream processor', () => {
  test('the windowing of the architecture file', () => {
    // @slot expectedWindow
    expect(WINDOW).toEqual({ type: 'sliding', sizeMs: 300000, slideMs: 60000 });
    // @end
    expect(INPUT_EVENTS).toEqual([
      '__Input__', // @each inputs
    ]);
  });

  test('input events are windowed and each closed window is aggregated and published', async () => {
    // GIVEN a processor over 10 s windows
    const { processor, publisher } = setup();
    // WHEN a batch fills one window and starts the next, with an event of another type
    const outcome = await processor.handle([at(1), at(2), at(3, 'SomethingElse'), at(11)]);
    // THEN the first window's output is published
    expect(outcome).toEqual({ accepted: 3, ignored: 1, late: 0, emitted: 1 });
    expect(publisher.published.map((e) => [e.type, e.source, e.data])).toEqual([['Out', '__service__', { n: 2 }]]);
    expect(await processor.handle([at(4)])).toMatchObject({ late: 1, emitted: 0 });
    expect(await processor.closeUntil(20_000)).toBe(1);
    expect(await processor.flush()).toBe(0);
  });

  test('the default aggregate and windowing', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    const processor = new StreamProcessor(deps);
    await processor.handle([at(1)]);
    await expect(processor.flush()).resolves.toBeGreaterThanOrEqual(0);
    await deps.close();
  });

  test('Kinesis and SQS records are parsed; other records are skipped', () => {
    const event = at(1);
    const kinesis = { Records: [{ kinesis: { data: Buffer.from(JSON.stringify(event)).toString('base64') } }] } as unknown as KinesisStreamEvent;
    const sqs = { Records: [{ body: JSON.stringify(event) }, { body: 'nope' }] } as unknown as SQSEvent;
    expect(parseRecords(kinesis, logger)).toEqual([event]);
    expect(parseRecords(sqs, logger)).toEqual([event]);
  });

  test('POST /events takes an envelope or an array of them', async () => {
    const { deps, processor, publisher } = setup();
    const app = buildApp(deps, processor);
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await post(JSON.stringify(at(1)))).status).toBe(202);
    const res = await post(JSON.stringify([at(2), at(12)]));
    expect(await res.json()).toEqual({ accepted: 2, ignored: 0, late: 0, emitted: 1 });
    expect(publisher.published).toHaveLength(1);
    expect((await post('{')).status).toBe(400);
    expect((await post('[{"id":1}]')).status).toBe(400);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
