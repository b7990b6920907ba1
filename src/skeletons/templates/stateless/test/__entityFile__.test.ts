import {
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository,
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  testSecrets,
} from '@allframe/platform';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';
import type { __Entity__ } from '../src/domain/__entityFile__'; // @each entities
import { SECRET_NAMES } from '../src/secrets';

function setup() {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    __entities__: new MemoryRepository<__Entity__>(), // @each entities
    idempotency: undefined,
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher };
}

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('__entitiesPath__', () => {
  test('create, read, list, update and delete', async () => {
    // GIVEN
    const { app, publisher } = setup();
    // WHEN
    const created = await app.request('/__entitiesPath__', json({ name: 'first' }));
    const item = (await created.json()) as __Entity__;
    // THEN
    expect(created.status).toBe(201);
    expect(item.name).toBe('first');
    expect((await app.request(`/__entitiesPath__/${item.id}`)).status).toBe(200);
    expect(((await (await app.request('/__entitiesPath__')).json()) as __Entity__[]).map((x) => x.id)).toEqual([item.id]);
    const updated = await app.request(`/__entitiesPath__/${item.id}`, { ...json({ name: 'second' }), method: 'PUT' });
    expect(((await updated.json()) as __Entity__).name).toBe('second');
    expect((await app.request(`/__entitiesPath__/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(`/__entitiesPath__/${item.id}`)).status).toBe(404);
    // @slot published
    expect(publisher.published.map((ev) => ev.type)).toEqual(['__Entity__Created']);
    // @end
  });

  test('invalid input is a 400, an unknown id a 404', async () => {
    const { app } = setup();
    expect((await app.request('/__entitiesPath__', json({ name: '' }))).status).toBe(400);
    expect((await app.request('/__entitiesPath__', json([1]))).status).toBe(400);
    expect((await app.request('/__entitiesPath__/nope', { ...json({ name: 'x' }), method: 'PUT' })).status).toBe(404);
    expect((await app.request('/__entitiesPath__/nope', { method: 'DELETE' })).status).toBe(404);
  });

  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
