import { MemoryPublisher, createEventSink, createLogger, newEvent, testSecrets } from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
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
  const deps = { secrets: testSecrets(SECRET_NAMES), logger, events: createEventSink(publisher), apiDocs: true, close: () => Promise.resolve() };
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
    expect((await app.request('/events', { method: 'POST', body: JSON.stringify(at(3)) })).status).toBe(202);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  test('an envelope that does not match its schema is a 422 problem naming the field', async () => {
    const { deps, processor } = setup();
    const app = buildApp(deps, processor);
    const post = (body: unknown) => app.request('/events', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const one = await post({ ...at(1), time: 5 });
    expect([one.status, one.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await one.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/time' }] });
    expect(await (await post([at(1), { ...at(2), id: 1 }])).json()).toMatchObject({ status: 422, errors: [{ pointer: '#/1/id' }] });
  });

  test('serves its OpenAPI 3.1 document, valid, with POST /events, and the docs page', async () => {
    const { deps, processor } = setup();
    const app = buildApp(deps, processor);
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', ['/events']]);
    expect((await app.request('/docs')).status).toBe(200);
  });
});
