import {
  ContractError, // @if typedTest
  generateServiceKeyPair,
  testSecrets,
} from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { Fetch } from '../src/adapters/downstream';
import { buildApp } from '../src/app';
import { BffService, OVERVIEW_PATHS } from '../src/application/bff-service';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import type { Downstream } from '../src/ports';
import { SECRET_NAMES } from '../src/secrets';

/** The aggregated services, in the order of the architecture file. */
const AGGREGATES = [
  '__aggregate__', // @each aggregates
];

/** A fake `fetch`: answers per URL from `routes` (404 otherwise) and counts calls. */
function fakeFetch(routes: Record<string, () => Response>) {
  const calls: string[] = [];
  const fetchFn: Fetch = (url) => {
    calls.push(url);
    const route = routes[url];
    return Promise.resolve(route ? route() : new Response('{"error":"not-found"}', { status: 404, headers: { 'content-type': 'application/json' } }));
  };
  return { fetchFn, calls };
}

/** Runs `fn` with static AWS credentials (and `env`) in the environment and a recording global fetch; the headers sent. */
async function withAwsEnv(fn: () => Promise<unknown>, env: Record<string, string> = {}): Promise<Record<string, string>[]> {
  const saved = { env: process.env, fetch: globalThis.fetch };
  const sent: Record<string, string>[] = [];
  process.env = { ...saved.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'test-secret', ...env };
  delete process.env.AWS_PROFILE;
  globalThis.fetch = ((_url: string, init?: RequestInit) => {
    sent.push(init?.headers as Record<string, string>);
    return Promise.resolve(new Response('{}', { headers: { 'content-type': 'application/json' } }));
  }) as typeof fetch;
  try {
    await fn();
  } finally {
    process.env = saved.env;
    globalThis.fetch = saved.fetch;
  }
  return sent;
}

const json = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function setup(routes: Record<string, () => Response>, overrides: Record<string, string> = {}) {
  let now = 1_000_000;
  const fake = fakeFetch(routes);
  const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', RETRY_MAX_ATTEMPTS: '1', CACHE_TTL_SECONDS: '30', RATE_LIMIT_BURST: '1000', ...overrides }), testSecrets(SECRET_NAMES), { fetch: fake.fetchFn, now: () => now });
  // @slot app
  const app = buildApp(deps);
  // @end
  return { app, deps, calls: fake.calls, advance: (ms: number) => (now += ms) };
}

const FIRST = 'http://__first__:8080';

describe('__service__', () => {
  test('GET /__first__/... is proxied, then served from the cache until the TTL expires', async () => {
    // GIVEN a downstream answering 200
    const { app, calls, advance } = setup({ [`${FIRST}/items?page=2`]: json([{ id: '1' }]) });
    // WHEN the same path is read twice
    const miss = await app.request('/__first__/items?page=2');
    const hit = await app.request('/__first__/items?page=2');
    // THEN the second read is a cache hit: one downstream call
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('miss');
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await hit.json()).toEqual([{ id: '1' }]);
    expect(calls).toHaveLength(1);
    // WHEN the TTL has passed THEN the downstream is called again
    advance(30_001);
    expect((await app.request('/__first__/items?page=2')).headers.get('x-cache')).toBe('miss');
    expect(calls).toHaveLength(2);
  });

  test('errors are passed through and not cached; no caching with a TTL of 0', async () => {
    const { app, calls } = setup({ [`${FIRST}/`]: json({ ok: true }), [`${FIRST}/empty`]: () => new Response(null, { status: 204 }) }, { CACHE_TTL_SECONDS: '0' });
    expect((await app.request('/__first__/missing')).status).toBe(404);
    expect((await app.request('/__first__/missing')).status).toBe(404);
    expect((await app.request('/__first__')).status).toBe(200);
    expect((await app.request('/__first__')).headers.get('x-cache')).toBe('miss');
    expect((await app.request('/__first__/empty')).status).toBe(204);
    expect(calls).toHaveLength(5);
  });

  test('an unavailable downstream is a 502', async () => {
    const { app } = setup({ [`${FIRST}/boom`]: json({ error: 'boom' }, 500) });
    expect((await app.request('/__first__/boom')).status).toBe(502);
  });

  test('GET /overview returns partial results and lists the failures', async () => {
    // GIVEN __first__ failing and the others answering // @if second
    // GIVEN __first__ answering // @if !second
    const routes: Record<string, () => Response> = {};
    for (const [service, path] of Object.entries(OVERVIEW_PATHS)) routes[`http://${service}:8080${path}`] = json({ service });
    routes[`${FIRST}${OVERVIEW_PATHS['__first__']}`] = json({ error: 'down' }, 503); // @if second
    const { app } = setup(routes);
    // WHEN
    const res = await app.request('/overview');
    const body = (await res.json()) as { results: Record<string, unknown>; errors: { service: string }[] };
    // THEN
    expect(res.status).toBe(200);
    // @if second
    expect(body.errors.map((e) => e.service)).toEqual(['__first__']);
    expect(body.results['__second__']).toEqual({ service: '__second__' });
    // @end
    // @if !second
    expect(body.errors).toEqual([]);
    expect(body.results['__first__']).toEqual({ service: '__first__' });
    // @end
  });

  test('GET /overview is a 502 when nothing answers', async () => {
    const { app } = setup({});
    const res = await app.request('/overview');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(Object.keys(OVERVIEW_PATHS).length);
  });

  test('serves its OpenAPI 3.1 document, valid, with /overview, and the docs page when API_DOCS is on', async () => {
    const { app } = setup({}, { API_DOCS: 'true' });
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', ['/overview']]);
    expect((await app.request('/docs')).status).toBe(200);
    expect((await setup({}).app.request('/docs')).status).toBe(404);
  });

  // @if graphql
  test('the overview over GraphQL: the same use case as GET /overview, rate limited alike', async () => {
    // GIVEN every service answering
    const routes: Record<string, () => Response> = {};
    for (const [service, path] of Object.entries(OVERVIEW_PATHS)) routes[`http://${service}:8080${path}`] = json({ service });
    const { app } = setup(routes, { API_DOCS: 'true' });
    // WHEN the overview is queried over GraphQL
    const res = await app.request('/graphql', { method: 'POST', body: JSON.stringify({ query: '{ overview { results errors { service error } } }' }), headers: { 'content-type': 'application/json' } });
    // THEN it holds what GET /overview holds
    const rest: unknown = await (await app.request('/overview')).json();
    expect(await res.json()).toEqual({ data: { overview: rest } });
    expect(await (await app.request('/graphql', { headers: { accept: 'text/html' } })).text()).toContain('GraphiQL');
    const limited = setup(routes, { RATE_LIMIT_BURST: '1', RATE_LIMIT_RPS: '1' }).app;
    const query = { method: 'POST', body: JSON.stringify({ query: '{ overview { errors { service } } }' }), headers: { 'content-type': 'application/json' } };
    expect([(await limited.request('/graphql', query)).status, (await limited.request('/graphql', query)).status]).toEqual([200, 429]);
  });
  // @end

  // @if typedTest
  test('a typed client of __typedCallee__: its routes by name, the answer checked against its schema', async () => {
    // GIVEN __typedCallee__ answering one __Entity__ as its schema says, and one without its fields
    const time = '2026-01-01T00:00:00.000Z';
    const { deps, calls } = setup({
      'http://__typedCallee__:8080__typedPath__/a1': json({ id: 'a1', name: 'first', createdAt: time, updatedAt: time }),
      'http://__typedCallee__:8080__typedPath__/b2': json({ id: 'b2' }),
    });
    // WHEN both are read through the client
    const found = await deps.clients.__calleeClient__.get__Entity__({ params: { id: 'a1' } });
    const broken = await deps.clients.__calleeClient__.get__Entity__({ params: { id: 'b2' } }).catch((e: unknown) => e);
    // THEN the first is typed data, the second a broken contract naming the fields, not retried
    expect(found.name).toBe('first');
    expect(broken).toBeInstanceOf(ContractError);
    expect((broken as ContractError).errors.map((e) => e.pointer)).toContain('#/name');
    expect(calls).toEqual(['http://__typedCallee__:8080__typedPath__/a1', 'http://__typedCallee__:8080__typedPath__/b2']);
  });

  // @end
  test('overview keeps non-JSON and malformed bodies as text; unknown services are a 404', async () => {
    const text = (body: string, type: string) => ({ name: 'x', get: () => Promise.resolve({ status: 200, contentType: type, body }) });
    const downstreams: Record<string, Downstream> = Object.fromEntries(Object.keys(OVERVIEW_PATHS).map((n, i) => [n, text(i === 0 ? 'plain' : '{bad', i === 0 ? 'text/plain' : 'application/json')]));
    const overview = await new BffService(downstreams).overview();
    expect(Object.values(overview.results)[0]).toBe('plain');
    await expect(new BffService({}).proxy('nope', '/')).rejects.toMatchObject({ status: 404 });
  });

  test('requests beyond the bucket are rate limited (429); the probes never are', async () => {
    // GIVEN a bucket of 2 tokens refilled at 1 per second
    const { app, advance } = setup({ [`${FIRST}/`]: json({}) }, { RATE_LIMIT_BURST: '2', RATE_LIMIT_RPS: '1' });
    // WHEN 3 requests arrive at once THEN the third is refused
    expect((await app.request('/__first__/')).status).toBe(200);
    expect((await app.request('/__first__/')).status).toBe(200);
    const limited = await app.request('/__first__/');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await app.request('/healthz')).status).toBe(200);
    // WHEN a second has passed THEN a token is back
    advance(1000);
    expect((await app.request('/__first__/')).status).toBe(200);
  });

  test('by default, one client per aggregated service with the real fetch', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    expect(Object.keys(deps.downstreams)).toEqual(AGGREGATES);
    await deps.close();
  });

  test('with OUTBOUND_AUTH=aws-iam, the calls are signed (SigV4 for execute-api)', async () => {
    const get = (env: Record<string, string>) => () => createDependencies(loadConfig({ ...env, CACHE_TTL_SECONDS: '0' }), testSecrets(SECRET_NAMES)).downstreams['__first__']!.get('/');
    const [signed] = await withAwsEnv(get({ OUTBOUND_AUTH: 'aws-iam', AWS_REGION: 'eu-west-1' }));
    expect(signed?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
    const [plain] = await withAwsEnv(get({}));
    expect(plain?.authorization).toBeUndefined();
  });

  test('with OUTBOUND_AUTH=ed25519, the calls are signed with SERVICE_SIGNING_KEY, as __service__, for the service called', async () => {
    const get = (env: Record<string, string>) => () => createDependencies(loadConfig({ ...env, CACHE_TTL_SECONDS: '0' }), testSecrets(SECRET_NAMES)).downstreams['__first__']!.get('/');
    const [signed] = await withAwsEnv(get({ OUTBOUND_AUTH: 'ed25519' }), { SERVICE_SIGNING_KEY: generateServiceKeyPair().privateKey });
    expect(signed).toMatchObject({ 'x-allframe-caller': '__service__', 'x-allframe-audience': '__first__' });
    expect(signed?.['x-allframe-signature']).toMatch(/^[\w-]{86}$/);
    expect(() => createDependencies(loadConfig({ OUTBOUND_AUTH: 'ed25519' }), testSecrets(SECRET_NAMES))).toThrow('SERVICE_SIGNING_KEY is required for OUTBOUND_AUTH=ed25519');
  });

  test('OUTBOUND_AUTH=google-id-token is accepted (tokens are fetched on the first call); anything else fails at start-up', () => {
    expect(Object.keys(createDependencies(loadConfig({ OUTBOUND_AUTH: 'google-id-token' }), testSecrets(SECRET_NAMES)).downstreams)).toEqual(AGGREGATES);
    expect(() => createDependencies(loadConfig({ OUTBOUND_AUTH: 'mtls' }), testSecrets(SECRET_NAMES))).toThrow('OUTBOUND_AUTH must be one of none, aws-iam, google-id-token, ed25519');
  });
});
