import { FirestoreIdempotencyStore, newEvent, testSecrets } from '@allframe/platform';
import type { EventEnvelope, EventSchemas, QueueMessage } from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { HANDLERS, createDispatcher, createProcessor, type Handler } from '../src/dispatcher';
import { PushBodySchema, pushedMessage } from '../src/push';
import { SECRET_NAMES } from '../src/secrets';

const EVENTS: string[] = [
  '__Event__', // @each events
];

/** A processor recording what it handles; without contracts unless given (the contracts have a test of their own). */
function setup(fail: (event: EventEnvelope) => boolean = () => false, schemas: EventSchemas = {}) {
  const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
  const handled: EventEnvelope[] = [];
  const record: Handler = (event) => {
    if (fail(event)) return Promise.reject(new Error('boom'));
    handled.push(event);
    return Promise.resolve();
  };
  const handlers = Object.fromEntries(['__sample__', ...EVENTS].map((type) => [type, record]));
  return { deps, handled, process: createProcessor(deps, 60, handlers, schemas) };
}

const message = (event: EventEnvelope, id = event.id): QueueMessage => ({ id, body: JSON.stringify(event) });

describe('dispatcher', () => {
  test('routes every consumed event type to its handler', async () => {
    // GIVEN one event of each consumed type
    const { process, handled } = setup();
    const events = EVENTS.map((type) => newEvent(type, 'test', {}));
    // WHEN the batch is processed
    const result = await process(events.map((e) => message(e)));
    // THEN each handler ran once and nothing failed
    expect(result.batchItemFailures).toEqual([]);
    expect(handled.map((e) => e.type)).toEqual(EVENTS);
    expect(Object.keys(HANDLERS)).toEqual(EVENTS);
  });

  test('a duplicate event is skipped', async () => {
    const { process, handled } = setup();
    const event = newEvent('__sample__', 'test', {});
    const result = await process([message(event, 'm1'), message(event, 'm2')]);
    expect(result.batchItemFailures).toEqual([]);
    expect(handled).toHaveLength(1);
  });

  test('failures are reported per message and retried on redelivery', async () => {
    const bad = newEvent('__sample__', 'test', { bad: true });
    const good = newEvent('__sample__', 'test', {});
    const { process, handled } = setup((e) => e.id === bad.id);
    const result = await process([message(bad), message(good), { id: 'garbage', body: 'not json' }]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.id }, { itemIdentifier: 'garbage' }]);
    expect(handled.map((e) => e.id)).toEqual([good.id]);
  });

  test('an event whose data do not match its contract fails before its handler runs', async () => {
    // GIVEN the contracts of the events package and a __sample__ whose data is no object
    const { process, handled, deps } = setup(undefined, EVENT_SCHEMAS);
    const invalid = newEvent('__sample__', 'test', [1]);
    // WHEN processed
    const result = await process([message(invalid)]);
    // THEN it is reported failed (redelivered, then dead-lettered) and no handler saw it
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: invalid.id }]);
    expect(handled).toEqual([]);
    await deps.close();
  });

  test('an unknown event type fails', async () => {
    const { deps } = setup();
    const dispatch = createDispatcher(deps, {});
    const event = newEvent('NobodyHandlesThis', 'test', {});
    await expect(dispatch(event, message(event))).rejects.toThrow('no handler for event type NobodyHandlesThis');
    await expect(createDispatcher(deps)(event, message(event))).rejects.toThrow('no handler');
  });

  test('with STORE=firestore, processed event ids are kept in a Firestore collection (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', STORE: 'firestore', FIRESTORE_DATABASE: 'shop' }), testSecrets(SECRET_NAMES));
    expect(deps.idempotency).toBeInstanceOf(FirestoreIdempotencyStore);
    await deps.close();
  });
});

describe('push deliveries', () => {
  const event = newEvent('__sample__', 'test', { n: 1 });

  test('a Pub/Sub push body is decoded', () => {
    const body = { message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), attributes: { type: '__sample__', n: 1 }, messageId: 'p1' } };
    expect(pushedMessage(body)).toEqual({ id: 'p1', body: JSON.stringify(event), attributes: { type: '__sample__' } });
    expect(pushedMessage({ message: { data: '', messageId: 'p2' } }).attributes).toEqual({});
  });

  test('a raw envelope is accepted; anything else does not match the schema', () => {
    expect(pushedMessage(event)).toEqual({ id: event.id, body: JSON.stringify(event) });
    for (const bad of [null, [1], { message: { data: 1 } }, { type: 'x' }]) expect(PushBodySchema.safeParse(bad).success).toBe(false);
  });

  test('POST /events handles a push, reports failures with a 500, bodies that are not JSON with a 400 and others with a 422', async () => {
    const { deps, process, handled } = setup((e) => e.id === 'fails');
    const app = buildApp(deps, process);
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const push = { message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), messageId: 'p1' } };
    expect((await post(JSON.stringify(push))).status).toBe(204);
    expect(handled).toHaveLength(1);
    expect((await post(JSON.stringify({ ...event, id: 'fails' }))).status).toBe(500);
    expect((await post('{')).status).toBe(400);
    expect((await post('[]')).status).toBe(422);
    expect((await app.request('/events', { method: 'POST', body: JSON.stringify(newEvent('__sample__', 'test', {})) })).status).toBe(204);
    const invalid = await post(JSON.stringify({ message: { messageId: 'p2' } }));
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/message/data' }] });
    expect(await (await post(JSON.stringify({ ...event, source: 7 }))).json()).toMatchObject({ status: 422, errors: [{ pointer: '#/source' }] });
    expect((await app.request('/healthz')).status).toBe(200);
    await deps.close();
  });

  test('serves its OpenAPI 3.1 document, valid, with POST /events, and the docs page', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', API_DOCS: 'true' }), testSecrets(SECRET_NAMES));
    const app = buildApp(deps, createProcessor(deps, 60));
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', ['/events']]);
    expect((await app.request('/docs')).status).toBe(200);
    await deps.close();
  });
});
