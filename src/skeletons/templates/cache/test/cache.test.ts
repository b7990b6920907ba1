import { newEvent, testSecrets } from '@allframe/platform';
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

  test('POST /events invalidates; anything but an event envelope is a 400', async () => {
    const app = buildApp(createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES)));
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const res = await post(JSON.stringify(newEvent('SomethingElse', 'test', {})));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: [] });
    expect((await post('{"not":"an event"}')).status).toBe(400);
    expect((await post('nope')).status).toBe(400);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
