import {
  MemoryIdempotencyStore, // @if idempotency
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  createPolicy,
  testSecrets,
} from '@allframe/platform';
import { ProviderClient, isRetryable, type Fetch } from '../src/adapters/provider-client';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

/**
 * architecture.multi_tenant: the gateway as it is wired, each request for the tenant its __tenantHeaderName__ header
 * names. Two tenants share the provider's account, so nothing one sends may be taken for the other's: the
 * idempotency keys (stored answers here, and the key passed on to the provider) and the events are the tenant's.
 */
function setup() {
  const sent: { url: string; key: string | null }[] = [];
  const fetchFn: Fetch = (url, init) => {
    sent.push({ url, key: new Headers(init.headers).get('idempotency-key') });
    return Promise.resolve(new Response(`{"n":${sent.length}}`, { status: 201 }));
  };
  const policy = createPolicy({ retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 }, circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 60_000 }, bulkhead: { maxConcurrent: 10, maxQueue: 10 }, timeoutMs: 1000, retryIdempotentOnly: true, isRetryable });
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    providers: {
      __providerVar__: new ProviderClient('__provider__', 'https://__provider__.test', 'test-key', policy, fetchFn), // @each providers
    },
    // @slot idempotency
    idempotency: new MemoryIdempotencyStore(),
    // @end
    tenants: { header: '__tenantHeaderName__' },
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    apiDocs: false,
    close: () => Promise.resolve(),
  };
  const app = buildApp(deps);
  const as = (tenant: string, key: string) =>
    app.request('/__firstProvider__/requests', { method: 'POST', body: JSON.stringify({ path: '/v1/resources' }), headers: { 'content-type': 'application/json', '__tenantHeaderName__': tenant, '__idempotencyHeader__': key } });
  return { app, as, sent, publisher };
}

describe('__service__ for two tenants', () => {
  test('the same idempotency key from two tenants is two requests, at the gateway and at the provider', async () => {
    const { as, sent } = setup();
    // WHEN tenants A and B send a request with the same key
    const a = await as('tenant-a', 'k1');
    const b = await as('tenant-b', 'k1');
    // THEN each reached the provider under a key of its own, and B got its own answer, not A's
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(sent.map((s) => s.key)).toEqual(['tenant-a:k1', 'tenant-b:k1']);
    expect(await a.json()).toEqual({ status: 201, body: { n: 1 } });
    expect(await b.json()).toEqual({ status: 201, body: { n: 2 } });
    // @if idempotency
    // AND A's retry is A's stored answer
    const again = await as('tenant-a', 'k1');
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await again.json()).toEqual({ status: 201, body: { n: 1 } });
    expect(sent).toHaveLength(2);
    // @end
  });

  test('a request naming no tenant, or an invalid one, is a 400 and reaches no provider; health needs none', async () => {
    const { app, as, sent } = setup();
    const none = await app.request('/__firstProvider__/requests', { method: 'POST', body: JSON.stringify({ path: '/v1/resources' }), headers: { 'content-type': 'application/json' } });
    expect([none.status, none.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
    expect((await as('Not A Tenant', 'k1')).status).toBe(400);
    expect(sent).toEqual([]);
    expect((await app.request('/healthz')).status).toBe(200);
  });
  // @if successes

  test('what a tenant\'s request publishes is that tenant\'s', async () => {
    const { as, publisher } = setup();
    await as('tenant-a', 'k1');
    await as('tenant-b', 'k2');
    expect([...new Set(publisher.published.map((e) => e.tenant))]).toEqual(['tenant-a', 'tenant-b']);
  });
  // @end
});
