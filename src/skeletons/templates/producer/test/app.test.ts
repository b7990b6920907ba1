import { MemoryPublisher, createLogger, defineEvent, testSecrets } from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import { z } from 'zod';
import { buildApp, MAX_BATCH } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies, type Dependencies } from '../src/deps';
import { EVENTS, SOURCE, type PublishedEvent, type PublishedEvents } from '../src/events';
import { SECRET_NAMES } from '../src/secrets';

/** Data of a schema this test knows: the events package's schemas are yours to tighten. */
const Checked = z.object({ n: z.number() });
const checked = (type: string): PublishedEvent => ({ schema: Checked, definition: defineEvent(type, Checked, SOURCE) });
/** Every published event type, with the test's schema. */
const CHECKED: PublishedEvents = {
  __Event__: checked('__Event__'), // @each events
};
const TYPES = Object.keys(EVENTS);

function setup() {
  const publisher = new MemoryPublisher();
  const deps: Dependencies = { secrets: testSecrets(SECRET_NAMES), logger: createLogger({ service: 'test', level: 'silent' }), publisher, close: () => Promise.resolve() };
  return { app: buildApp(deps, CHECKED), publisher };
}

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('publish API wiring', () => {
  test('a route per published event, in its OpenAPI 3.1 document (valid), and the docs page when on', async () => {
    expect(TYPES).toEqual([
      '__Event__', // @each events
    ]);
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', API_DOCS: 'true' }), testSecrets(SECRET_NAMES));
    const app = buildApp(deps);
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', TYPES.flatMap((type) => [`/events/${type}`, `/events/${type}/batch`])]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Published', 'PublishedBatch', 'Problem', ...TYPES.map((type) => `${type}Data`)]));
    expect((await app.request('/docs')).status).toBe(200);
    await deps.close();
  });

  test('valid data is published with the service as source, and answered with the event id', async () => {
    const { app, publisher } = setup();
    for (const type of TYPES) {
      const res = await app.request(`/events/${type}`, post('{"n":42}'));
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect(publisher.published.at(-1)).toEqual(expect.objectContaining({ id, type, source: SOURCE, data: { n: 42 } }));
    }
    expect(publisher.published).toHaveLength(TYPES.length);
  });

  test('invalid data is a 422 naming the field, a body that is not JSON a 400, and neither is published', async () => {
    const { app, publisher } = setup();
    for (const type of TYPES) {
      const invalid = await app.request(`/events/${type}`, post('{"n":"x"}'));
      expect(invalid.status).toBe(422);
      expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/n' }] });
      expect((await app.request(`/events/${type}`, post('{'))).status).toBe(400);
    }
    expect(publisher.published).toEqual([]);
  });

  test('a batch is published in one call, in its order, each event with its own id', async () => {
    const { app, publisher } = setup();
    for (const type of TYPES) {
      const res = await app.request(`/events/${type}/batch`, post('[{"n":1},{"n":2},{"n":3}]'));
      expect(res.status).toBe(202);
      const { ids } = (await res.json()) as { ids: string[] };
      expect(new Set(ids).size).toBe(3);
      expect(publisher.published.slice(-3).map((e) => ({ id: e.id, type: e.type, source: e.source, data: e.data }))).toEqual(ids.map((id, i) => ({ id, type, source: SOURCE, data: { n: i + 1 } })));
    }
    expect(publisher.published).toHaveLength(3 * TYPES.length);
  });

  test('a batch with one bad item is a 422 naming the item and field, and nothing of it is published; so are an empty and an oversized batch', async () => {
    const { app, publisher } = setup();
    for (const type of TYPES) {
      const invalid = await app.request(`/events/${type}/batch`, post('[{"n":1},{"n":"x"}]'));
      expect(invalid.status).toBe(422);
      expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/1/n' }] });
      expect((await app.request(`/events/${type}/batch`, post('[]'))).status).toBe(422);
      expect((await app.request(`/events/${type}/batch`, post(JSON.stringify(Array.from({ length: MAX_BATCH + 1 }, () => ({ n: 1 })))))).status).toBe(422);
      expect((await app.request(`/events/${type}/batch`, post('{"n":1}'))).status).toBe(422);
    }
    expect(publisher.published).toEqual([]);
  });

  test('a body is read as JSON whatever its content type (a beacon sends text/plain)', async () => {
    const { app, publisher } = setup();
    const res = await app.request(`/events/${TYPES[0]!}`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(res.status).toBe(202);
    expect(publisher.published).toHaveLength(1);
  });

  test('a failing publisher is a 500', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    const app = buildApp({ ...deps, publisher: { publish: () => Promise.reject(new Error('down')) } }, CHECKED);
    for (const type of TYPES) {
      const res = await app.request(`/events/${type}`, post('{"n":1}'));
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ status: 500 });
    }
    await deps.close();
  });
});
