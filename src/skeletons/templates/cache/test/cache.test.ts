import { newEvent, testSecrets } from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { invalidate } from '../src/handler';
import { SECRET_NAMES } from '../src/secrets';

describe('__service__', () => {
  test('getOrLoad loads on a miss and serves the cached value on a hit', async () => {
    // GIVEN an empty cache and a counting loader
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    let loads = 0;
    const loader = () => Promise.resolve({ n: ++loads });
    // WHEN the same key is read twice
    const first = await deps.cache.getOrLoad('item:1', loader);
    const second = await deps.cache.getOrLoad('item:1', loader);
    // THEN it was loaded once
    expect(first).toEqual({ n: 1 });
    expect(second).toEqual({ n: 1 });
    expect(loads).toBe(1);
    expect(await deps.cache.getOrLoad('item:2', loader)).toEqual({ n: 2 });
    await deps.close();
  });

  // @each events
  test('__event__ deletes __entityKey__:<id>', async () => {
    // GIVEN a cached entry
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    await deps.cache.set('__entityKey__:42', { name: 'cached' });
    // WHEN the event arrives
    const deleted = await invalidate(deps, newEvent('__event__', 'test', { id: '42' }));
    // THEN the entry is gone
    expect(deleted).toEqual(['__entityKey__:42']);
    expect(await deps.cache.get('__entityKey__:42')).toBeUndefined();
    expect(await invalidate(deps, newEvent('__event__', 'test', { other: 1 }))).toEqual([]);
    expect(await invalidate(deps, newEvent('__event__', 'test', null))).toEqual([]);
  });

  // @end
  test('events it does not know are ignored', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    await deps.cache.set('x:42', 1);
    expect(await invalidate(deps, newEvent('SomethingElse', 'test', { id: '42' }))).toEqual([]);
    expect(await deps.cache.get('x:42')).toBe(1);
  });

  test('POST /events invalidates; a body that is not an event envelope is a 422 naming the field, one that is not JSON a 400', async () => {
    const app = buildApp(createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES)));
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const res = await post(JSON.stringify(newEvent('SomethingElse', 'test', {})));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: [] });
    const invalid = await post(JSON.stringify({ ...newEvent('SomethingElse', 'test', {}), type: '' }));
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/type' }] });
    expect((await post('nope')).status).toBe(400);
    // @if events
    // an event whose data break its contract (packages/events) is a 422 naming the data's field: the sender retries it
    const broken = await post(JSON.stringify(newEvent('__firstEvent__', 'test', 'not an object')));
    expect(await broken.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/' }] });
    // @end
    expect((await app.request('/events', { method: 'POST', body: JSON.stringify(newEvent('SomethingElse', 'test', {})) })).status).toBe(200);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  test('serves its OpenAPI 3.1 document, valid, with POST /events, and the docs page', async () => {
    const app = buildApp(createDependencies(loadConfig({ LOG_LEVEL: 'silent', API_DOCS: 'true' }), testSecrets(SECRET_NAMES)));
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', ['/events']]);
    expect((await app.request('/docs')).status).toBe(200);
  });
});
