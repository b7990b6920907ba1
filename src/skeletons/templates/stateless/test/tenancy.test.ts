import {
  MemoryIdempotencyStore,
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository,
  OutboxRelay, // @if outbox
  MemoryObjectStore, // @if ownsBucket
  TenantScopedRepository,
  createEventSink,
  createLogger,
  testSecrets,
  type Page,
} from '@allframe/platform';
import { DEFAULT_GRAPHQL_LIMITS } from '@allframe/platform/graphql'; // @if graphql
import { buildApp } from '../src/app';
import { defaultClients } from '../src/clients'; // @if typedClients
import { loadConfig } from '../src/config'; // @if typedClients
import type { Dependencies } from '../src/deps';
import type { __Entity__ } from '../src/domain/__entityFile__'; // @each entities
import { SECRET_NAMES } from '../src/secrets';

/**
 * architecture.multi_tenant (tenant.isolation row-level): the service as it is wired, each request for the tenant its
 * __tenantHeaderName__ header names, and no route lets one tenant read, list or change another's __entities__.
 */
function setup() {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    __entities__: new TenantScopedRepository<__Entity__>(new MemoryRepository()), // @each entities
    tenants: { header: '__tenantHeaderName__' },
    idempotency: new MemoryIdempotencyStore(),
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    objects: new MemoryObjectStore(), // @if ownsBucket
    buckets: {}, // @if readsBuckets
    apiDocs: false,
    graphqlLimits: DEFAULT_GRAPHQL_LIMITS, // @if graphql
    clients: defaultClients(loadConfig({}), () => Promise.reject(new Error('no calls in these tests'))), // @if typedClients
    close: () => Promise.resolve(),
  };
  const app = buildApp(deps);
  const as = (tenant: string, path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { 'content-type': 'application/json', '__tenantHeaderName__': tenant, ...(init.headers as Record<string, string> | undefined) } });
  return { app, as, publisher };
}

describe('__entitiesPath__ of two tenants', () => {
  test('tenant B can neither read, list, change nor delete tenant A\'s items', async () => {
    // GIVEN an item of tenant A
    const { as } = setup();
    const created = await as('tenant-a', '/__entitiesPath__', { method: 'POST', body: JSON.stringify({ name: 'of a' }) });
    expect(created.status).toBe(201);
    const item = (await created.json()) as __Entity__;
    // WHEN tenant B reads, lists, updates and deletes it by its id
    const read = await as('tenant-b', `/__entitiesPath__/${item.id}`);
    const list = (await (await as('tenant-b', '/__entitiesPath__')).json()) as Page<__Entity__>;
    const update = await as('tenant-b', `/__entitiesPath__/${item.id}`, { method: 'PUT', body: JSON.stringify({ name: 'by b' }) });
    const remove = await as('tenant-b', `/__entitiesPath__/${item.id}`, { method: 'DELETE' });
    // THEN B sees nothing and changes nothing; A still has its item as it was
    expect([read.status, list.items, update.status, remove.status]).toEqual([404, [], 404, 404]);
    const again = await as('tenant-a', `/__entitiesPath__/${item.id}`);
    expect([again.status, ((await again.json()) as __Entity__).name]).toEqual([200, 'of a']);
    expect(((await (await as('tenant-a', '/__entitiesPath__')).json()) as Page<__Entity__>).items.map((x) => x.id)).toEqual([item.id]);
  });

  test('a request without a tenant, or with an invalid one, is a 400 and reaches no route; health needs none', async () => {
    const { app, as } = setup();
    expect((await app.request('/__entitiesPath__')).status).toBe(400);
    expect((await as('Not A Tenant', '/__entitiesPath__')).status).toBe(400);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  test('the same idempotency key of two tenants is two creates; the events carry their tenant', async () => {
    const { as, publisher } = setup();
    const post = (tenant: string) => as(tenant, '/__entitiesPath__', { method: 'POST', body: JSON.stringify({ name: 'same key' }), headers: { 'Idempotency-Key': 'k-1' } });
    const [a, b] = [(await (await post('tenant-a')).json()) as __Entity__, (await (await post('tenant-b')).json()) as __Entity__];
    expect(a.id).not.toBe(b.id);
    // @slot tenantEvents
    expect(publisher.published.map((ev) => ev.tenant)).toEqual(['tenant-a', 'tenant-b']);
    // @end
  });
});
