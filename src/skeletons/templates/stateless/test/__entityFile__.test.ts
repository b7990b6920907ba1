import {
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository,
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  testSecrets,
  type Page,
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
    expect(((await (await app.request('/__entitiesPath__')).json()) as Page<__Entity__>).items.map((x) => x.id)).toEqual([item.id]);
    const updated = await app.request(`/__entitiesPath__/${item.id}`, { ...json({ name: 'second' }), method: 'PUT' });
    expect(((await updated.json()) as __Entity__).name).toBe('second');
    expect((await app.request(`/__entitiesPath__/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(`/__entitiesPath__/${item.id}`)).status).toBe(404);
    // @slot published
    expect(publisher.published.map((ev) => ev.type)).toEqual(['__Entity__Created']);
    // @end
  });

  test('the list comes a page at a time: every item once across pages, filtered by name', async () => {
    // GIVEN 25 items, every fifth one named "blue"
    const { app } = setup();
    for (let i = 0; i < 25; i++) await app.request('/__entitiesPath__', json({ name: i % 5 === 0 ? 'blue' : `item ${i}` }));
    // WHEN every page of 10 is read by its cursor
    const seen: string[] = [];
    let next: string | undefined = '/__entitiesPath__?limit=10';
    while (next !== undefined) {
      const page = (await (await app.request(next)).json()) as Page<__Entity__>;
      expect(page.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.items.map((x) => x.id));
      next = page.nextCursor === undefined ? undefined : `/__entitiesPath__?limit=10&cursor=${page.nextCursor}`;
    }
    // THEN each item came once; a filter returns the matching ones; a limit over the cap or an unknown parameter is a 400
    expect(new Set(seen).size).toBe(25);
    expect(seen).toHaveLength(25);
    expect(((await (await app.request('/__entitiesPath__?name=blue')).json()) as Page<__Entity__>).items).toHaveLength(5);
    expect((await app.request('/__entitiesPath__?limit=1000')).status).toBe(400);
    expect((await app.request('/__entitiesPath__?nmae=blue')).status).toBe(400);
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
