import { testSecrets } from '@allframe/platform';
import type { Fetch } from '../src/adapters/downstream';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

/**
 * architecture.multi_tenant: the BFF as it is wired, each request for the tenant its __tenantHeaderName__ header names.
 * Its calls to the aggregated services are made for that tenant, its cache holds each tenant's answers apart, and each
 * tenant has a rate limit of its own.
 */
function setup(overrides: Record<string, string> = {}) {
  const sent: { url: string; tenant: string | undefined }[] = [];
  // every service answers with the tenant it was asked for
  const fetchFn: Fetch = (url, init) => {
    const tenant = init.headers['__tenantHeaderName__'];
    sent.push({ url, tenant });
    return Promise.resolve(new Response(JSON.stringify({ for: tenant ?? null }), { status: 200, headers: { 'content-type': 'application/json' } }));
  };
  const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', RETRY_MAX_ATTEMPTS: '1', CACHE_TTL_SECONDS: '30', RATE_LIMIT_BURST: '1000', ...overrides }), testSecrets(SECRET_NAMES), { fetch: fetchFn, now: () => 1_000_000 });
  const app = buildApp(deps);
  const as = (tenant: string, path: string) => app.request(path, { headers: { '__tenantHeaderName__': tenant } });
  return { app, as, sent };
}

describe('__service__ for two tenants', () => {
  test('each call is made for the request\'s tenant, and one tenant\'s cached answer is never served to another', async () => {
    const { as, sent } = setup();
    // WHEN tenant A reads a path, then tenant B the same path, then A again
    const a = await as('tenant-a', '/__first__/items');
    const b = await as('tenant-b', '/__first__/items');
    const again = await as('tenant-a', '/__first__/items');
    // THEN B's read went to the service for B, and only A's second read was a cache hit
    expect(await a.json()).toEqual({ for: 'tenant-a' });
    expect([b.headers.get('x-cache'), await b.json()]).toEqual(['miss', { for: 'tenant-b' }]);
    expect([again.headers.get('x-cache'), await again.json()]).toEqual(['hit', { for: 'tenant-a' }]);
    expect(sent.map((s) => s.tenant)).toEqual(['tenant-a', 'tenant-b']);
  });

  test('the overview asks every service for the request\'s tenant', async () => {
    const { as, sent } = setup();
    expect((await as('tenant-b', '/overview')).status).toBe(200);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent.map((s) => s.tenant))).toEqual(new Set(['tenant-b']));
  });

  test('each tenant has a rate limit of its own', async () => {
    // GIVEN one request at once per tenant
    const { as } = setup({ RATE_LIMIT_BURST: '1', RATE_LIMIT_RPS: '1' });
    // WHEN tenant A spends its request THEN A is limited and B is not
    expect((await as('tenant-a', '/__first__/')).status).toBe(200);
    expect((await as('tenant-a', '/__first__/')).status).toBe(429);
    expect((await as('tenant-b', '/__first__/')).status).toBe(200);
  });

  test('a request naming no tenant, or an invalid one, is a 400 and calls no service; the probes need none', async () => {
    const { app, as, sent } = setup();
    const none = await app.request('/__first__/items');
    expect([none.status, none.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
    expect((await as('Not A Tenant', '/overview')).status).toBe(400);
    expect(sent).toEqual([]);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
