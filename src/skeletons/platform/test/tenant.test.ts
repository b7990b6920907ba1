import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { processBatch } from '../src/consumer';
import { newEvent, type EventEnvelope } from '../src/events';
import { createHttpApp } from '../src/http';
import { createLogger } from '../src/logger';
import { currentTenant, requireTenant, runWithTenant, TenantError, tenantMiddleware, tenantScopedKey, tenantSourceOf } from '../src/tenant';
import { fakeLogger } from './fakes';

/** A logger whose JSON lines are kept. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter((l) => l !== '')) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'test', destination }), lines };
}

/** An app whose one route answers what it sees of the tenant: currentTenant, an event it builds, a log line. */
function app(options: { claim?: string; claims?: Record<string, unknown> } = {}) {
  const { logger, lines } = capturedLogger();
  const http = createHttpApp({ service: 'test', logger });
  if (options.claims !== undefined) {
    const claims = options.claims;
    http.use('*', async (c, next) => {
      c.set('jwtPayload' as never, claims as never);
      await next();
    });
  }
  http.use('*', tenantMiddleware({ header: 'X-Tenant-ID', ...(options.claim !== undefined ? { claim: options.claim } : {}) }));
  http.get('/whoami', async (c) => {
    await new Promise((r) => setTimeout(r, Number(c.req.query('delay') ?? 0)));
    logger.info({ route: 'whoami' }, 'asked');
    return c.json({ tenant: currentTenant(), eventTenant: newEvent('Asked', 'test', {}).tenant });
  });
  return { http, lines };
}

const ask = (h: Hono, headers: Record<string, string> = {}, delay = 0) => h.request(`/whoami?delay=${delay}`, { headers });

describe('the tenant of a request', () => {
  test('from its header: the route, the events it builds and its log lines carry it', async () => {
    const { http, lines } = app();
    const res = await ask(http, { 'X-Tenant-ID': 'acme' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tenant: 'acme', eventTenant: 'acme' });
    expect(lines.find((l) => l.route === 'whoami')).toMatchObject({ tenant: 'acme', service: 'test' });
  });

  test('concurrent requests of two tenants each see their own, whatever the interleaving', async () => {
    const { http } = app();
    const [a, b] = await Promise.all([ask(http, { 'X-Tenant-ID': 'tenant-a' }, 30), ask(http, { 'X-Tenant-ID': 'tenant-b' }, 5)]);
    expect([await a.json(), await b.json()]).toEqual([
      { tenant: 'tenant-a', eventTenant: 'tenant-a' },
      { tenant: 'tenant-b', eventTenant: 'tenant-b' },
    ]);
  });

  test('none, or an invalid one, is a 400 problem and reaches no route; health stays open', async () => {
    const { http, lines } = app();
    const missing = await ask(http);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { detail: string }).detail).toContain('send X-Tenant-ID');
    expect((await ask(http, { 'X-Tenant-ID': '../other' })).status).toBe(400);
    expect((await ask(http, { 'X-Tenant-ID': 'A'.repeat(64) })).status).toBe(400);
    expect(lines.some((l) => l.route === 'whoami')).toBe(false);
    expect((await http.request('/healthz')).status).toBe(200);
  });

  test('from a verified claim: it wins over a missing header, and a header naming another tenant is refused', async () => {
    const claimed = app({ claim: 'tenant_id', claims: { sub: 'u1', tenant_id: 'acme' } });
    expect(await (await ask(claimed.http)).json()).toEqual({ tenant: 'acme', eventTenant: 'acme' });
    expect(await (await ask(claimed.http, { 'X-Tenant-ID': 'acme' })).json()).toEqual({ tenant: 'acme', eventTenant: 'acme' });
    const other = await ask(claimed.http, { 'X-Tenant-ID': 'globex' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { detail: string }).detail).toContain('another tenant');
    expect((await ask(app({ claim: 'tenant_id', claims: { tenant_id: 7 } }).http)).status).toBe(400);
  });

  test('a verified token without the claim is refused: the header cannot stand in for it', async () => {
    const claimed = app({ claim: 'tenant_id', claims: { sub: 'u1' } });
    const res = await ask(claimed.http, { 'X-Tenant-ID': 'acme' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toBe('the token has no tenant_id claim naming its tenant');
  });

  test('on Lambda, from the claims API Gateway\'s JWT authorizer verified; with no verified claims (a local run), from the header', async () => {
    const { http } = app({ claim: 'custom:tenant_id' });
    const lambda = (claims: Record<string, unknown>, headers: Record<string, string> = {}) =>
      http.request('/whoami', { headers }, { event: { requestContext: { authorizer: { jwt: { claims, scopes: null } } } } });
    expect(await (await lambda({ sub: 'u1', 'custom:tenant_id': 'acme' })).json()).toEqual({ tenant: 'acme', eventTenant: 'acme' });
    expect((await lambda({ sub: 'u1', 'custom:tenant_id': 'acme' }, { 'X-Tenant-ID': 'globex' })).status).toBe(400);
    expect((await lambda({ sub: 'u1' }, { 'X-Tenant-ID': 'acme' })).status).toBe(400);
    expect(await (await ask(http, { 'X-Tenant-ID': 'globex' })).json()).toEqual({ tenant: 'globex', eventTenant: 'globex' });
    const none = await ask(http);
    expect(((await none.json()) as { detail: string }).detail).toContain('send X-Tenant-ID or a token with a custom:tenant_id claim');
  });

  test('a service\'s source: the header, with the claim on a public service; none with one tenant', () => {
    expect(tenantSourceOf(undefined)).toBeUndefined();
    expect(tenantSourceOf('X-Org')).toEqual({ header: 'X-Org' });
    expect(tenantSourceOf('X-Org', 'org_id')).toEqual({ header: 'X-Org', claim: 'org_id' });
  });
});

describe('the tenant of work that is not a request', () => {
  test('outside any tenant there is none, and code that needs one fails', () => {
    expect(currentTenant()).toBeUndefined();
    expect(() => requireTenant()).toThrow(TenantError);
    expect(newEvent('X', 'test', {}).tenant).toBeUndefined();
    expect(runWithTenant('acme', () => requireTenant())).toBe('acme');
    expect(() => runWithTenant('Not Valid', () => 1)).toThrow(TenantError);
  });

  test('a key passed on to a shared party is the tenant\'s within its work, as it is outside any', () => {
    expect(tenantScopedKey('order-1')).toBe('order-1');
    expect(runWithTenant('acme', () => tenantScopedKey('order-1'))).toBe('acme:order-1');
    expect(runWithTenant('globex', () => tenantScopedKey('order-1'))).toBe('globex:order-1');
  });

  test('a tenant\'s event is handled for that tenant: what the handler emits is the tenant\'s; an event with an invalid tenant fails', async () => {
    const seen: (string | undefined)[] = [];
    const emitted: EventEnvelope[] = [];
    const handler = (e: EventEnvelope) => {
      seen.push(currentTenant());
      emitted.push(newEvent('Handled', 'test', { of: e.id }));
      return Promise.resolve();
    };
    const body = (tenant?: string) => JSON.stringify(newEvent('OrderPlaced', 'orders', { n: 1 }, tenant !== undefined ? { tenant } : {}));
    const result = await processBatch(
      [
        { id: 'm1', body: body('acme') },
        { id: 'm2', body: body() },
        { id: 'm3', body: JSON.stringify({ ...JSON.parse(body()), tenant: 'NOT/valid' }) },
      ],
      handler,
      { logger: fakeLogger() },
    );
    expect(seen).toEqual(['acme', undefined]);
    expect(emitted.map((e) => e.tenant)).toEqual(['acme', undefined]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
  });
});
