import {
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository, // @if polling
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  testSecrets,
} from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { LegacyRecord, Upstream } from '../src/adapters/upstream';
import { buildApp } from '../src/app';
import { CustomUpstream } from '../src/application/custom-upstream'; // @if custom
import type { SyncCursor } from '../src/application/__entityFile__-sync'; // @if polling
import { toDomain, toLegacy } from '../src/application/translator';
import type { Dependencies } from '../src/deps';
import type { __Entity__ } from '../src/domain/__entityFile__'; // @if pushedOrPolled
import { SECRET_NAMES } from '../src/secrets';

/** The legacy system in memory: its records, and the `since` of each changes call. */
class FakeUpstream implements Upstream {
  readonly sinces: (string | undefined)[] = [];
  constructor(readonly records: LegacyRecord[]) {}

  changes(since: string | undefined): Promise<LegacyRecord[]> {
    this.sinces.push(since);
    return Promise.resolve(this.records);
  }

  fetch(id: string): Promise<LegacyRecord | undefined> {
    return Promise.resolve(this.records.find((r) => r.ID === id));
  }
}

function setup(records: LegacyRecord[] = [{ ID: 'L-1', STATUS_CODE: 'A' }]) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const upstream = new FakeUpstream(records);
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    upstream,
    cursors: new MemoryRepository<SyncCursor>(), // @if polling
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    apiDocs: true,
    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, upstream };
}

describe('translation', () => {
  test('legacy records become __Entity__s and back', () => {
    const item = toDomain({ ID: 7, STATUS_CODE: 'A', LastChanged: '2024-01-01' });
    expect(item).toEqual({ id: '7', fields: { statusCode: 'A', lastChanged: '2024-01-01' } });
    expect(toDomain({ '__ENTITY___ID': 'x' }).id).toBe('x');
    expect(toLegacy(item)).toEqual({ ID: '7', STATUS_CODE: 'A', LAST_CHANGED: '2024-01-01' });
  });

  test('a record without an id is refused', () => {
    expect(() => toDomain({ NAME: 'no id' })).toThrow('without an id');
  });
});

describe('__strategy__ sync', () => {
  // @if polling
  test('a poll translates and publishes the changes since the previous poll', async () => {
    // GIVEN a legacy system with one record
    const { app, publisher, upstream } = setup();
    // WHEN it is polled twice
    const first = await app.request('/sync', { method: 'POST' });
    await app.request('/sync', { method: 'POST' });
    // THEN the record was translated__andPublished__, and the second poll asked only for what changed since the first
    expect(await first.json()).toEqual({ synced: 1 });
    expect(upstream.sinces[0]).toBeUndefined();
    expect(typeof upstream.sinces[1]).toBe('string');
    expect(publisher.published.map((e) => (e.data as __Entity__).id)).toEqual(['L-1', 'L-1']); // @if publishes
    expect(publisher.published.map((e) => (e.data as __Entity__).id)).toEqual([]); // @if !publishes
  });

  test('a record that cannot be translated fails the poll', async () => {
    const { app } = setup([{ NAME: 'no id' }]);
    expect((await app.request('/sync', { method: 'POST' })).status).toBe(422);
  });
  // @end
  // @if webhook
  test('pushed records are translated__andPublished__', async () => {
    // GIVEN the adapter
    const { app, publisher } = setup();
    const post = (body: unknown) => app.request('/webhook', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    // WHEN the legacy system pushes one record, then two
    expect((await post({ ID: 'L-1' })).status).toBe(202);
    expect(await (await post([{ ID: 'L-2' }, { ID: 'L-3' }])).json()).toEqual({ received: 2 });
    // THEN
    expect(publisher.published.map((e) => (e.data as __Entity__).id)).toEqual(['L-1', 'L-2', 'L-3']); // @if publishes
    expect(publisher.published.map((e) => (e.data as __Entity__).id)).toEqual([]); // @if !publishes
  });

  test('anything but records is a 422 problem naming the field; a body that is not JSON a 400', async () => {
    const { app } = setup();
    const invalid = await app.request('/webhook', { method: 'POST', body: '[{"ID":"L-1"},1]', headers: { 'content-type': 'application/json' } });
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/1' }] });
    expect((await app.request('/webhook', { method: 'POST', body: '{"ID":"L-9"}' })).status).toBe(202);
    expect((await app.request('/webhook', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await app.request('/webhook', { method: 'POST', body: '{"NAME":"x"}', headers: { 'content-type': 'application/json' } })).status).toBe(422);
  });
  // @end
  // @if onDemand
  test('a __Entity__ is fetched from the legacy system and translated', async () => {
    const { app } = setup();
    const res = await app.request('/__entitiesPath__/L-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'L-1', fields: { statusCode: 'A' } });
    expect((await app.request('/__entitiesPath__/nope')).status).toBe(404);
  });
  // @end

  test('serves its OpenAPI 3.1 document, valid, with its route, and the docs page', async () => {
    const { app } = setup();
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/sync']); // @if polling
    expect(Object.keys(doc.paths)).toEqual(['/webhook']); // @if webhook
    expect(Object.keys(doc.paths)).toEqual(['/__entitiesPath__/{id}']); // @if onDemand
    expect((await app.request('/docs')).status).toBe(200);
  });

  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
// @if custom

describe('the __protocol__ upstream', () => {
  test('is yours to implement: until then it fails clearly', async () => {
    await expect(new CustomUpstream().changes(undefined)).rejects.toThrow('acl.protocol __protocol__');
    await expect(new CustomUpstream().fetch('1')).rejects.toThrow('implement CustomUpstream');
  });
});
// @end
