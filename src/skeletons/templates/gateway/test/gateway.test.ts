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
import { compileErrors, validate } from '@readme/openapi-parser';
import { ProviderClient, isRetryable, type Fetch } from '../src/adapters/provider-client';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

/** A gateway whose providers answer with `respond`; failureThreshold 1 opens a circuit on the first failure. */
function setup(respond: (url: string) => Response, failureThreshold = 5) {
  const calls: string[] = [];
  const fetchFn: Fetch = (url) => {
    calls.push(url);
    return Promise.resolve(respond(url));
  };
  const policy = () =>
    createPolicy({
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: { failureThreshold, halfOpenAfterMs: 60_000 },
      bulkhead: { maxConcurrent: 10, maxQueue: 10 },
      timeoutMs: 1000,
      retryIdempotentOnly: true,
      isRetryable,
    });
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    providers: {
      __providerVar__: new ProviderClient('__provider__', 'https://__provider__.test', 'test-key', policy(), fetchFn), // @each providers
    },
    // @slot idempotency
    idempotency: new MemoryIdempotencyStore(),
    // @end
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    apiDocs: true,
    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, calls };
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

describe('__service__', () => {
  test('forwards a request to the provider and publishes the success', async () => {
    // GIVEN a provider that answers 201
    const { app, publisher, calls } = setup(() => new Response('{"id":"x1"}', { status: 201 }));
    // WHEN a request is forwarded
    const res = await app.request('/__firstProvider__/requests', post({ path: '/v1/resources', body: { amount: 1 } }));
    // THEN the answer comes back and the success is published
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 201, body: { id: 'x1' } });
    expect(calls).toEqual(['https://__firstProvider__.test/v1/resources']);
    // @slot successes
    expect(publisher.published.map((e) => e.type)).toEqual(['ProviderCalled']);
    // @end
  });
  // @each otherProviders

  test('forwards to __provider__', async () => {
    const { app, calls } = setup(() => new Response('{}'));
    expect((await app.request('/__provider__/requests', post({ method: 'GET', path: '/status' }))).status).toBe(200);
    expect(calls).toEqual(['https://__provider__.test/status']);
  });
  // @end

  test('a provider failure is a 502 and publishes the failure', async () => {
    const { app, publisher } = setup(() => new Response('down', { status: 500 }));
    const res = await app.request('/__firstProvider__/requests', post({ path: '/v1/resources' }));
    expect(res.status).toBe(502);
    // @slot failures
    expect(publisher.published.map((e) => e.type)).toEqual(['ProviderFailed']);
    // @end
  });

  test('requests with an idempotency key are retried__replayedNote__', async () => {
    // GIVEN a provider that fails once, then succeeds
    let failures = 1;
    const { app, calls } = setup(() => (failures-- > 0 ? new Response('', { status: 503 }) : new Response('{}')));
    // WHEN the same keyed request is sent twice
    const first = await app.request('/__firstProvider__/requests', post({ path: '/v1/resources' }, { '__idempotencyHeader__': 'k1' }));
    const second = await app.request('/__firstProvider__/requests', post({ path: '/v1/resources' }, { '__idempotencyHeader__': 'k1' }));
    // THEN the provider saw the retry__storedNote__
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(calls).toHaveLength(/*=providerCalls*/ 2);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true'); // @if idempotency
  });

  test('invalid requests are 422 problems naming the field, a body that is not JSON a 400', async () => {
    const { app, calls } = setup(() => new Response('{}'));
    const cases: [unknown, string][] = [[[1], '#/'], [{ path: 'relative' }, '#/path'], [{ path: '//evil.example.com/x' }, '#/path'], [{ path: '/../x' }, '#/path'], [{ path: '/x', method: 'TRACE' }, '#/method'], [{ path: '/x', body: [1] }, '#/body']];
    for (const [body, pointer] of cases) {
      const res = await app.request('/__firstProvider__/requests', post(body));
      expect([res.status, res.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
      expect(await res.json()).toMatchObject({ status: 422, errors: [{ pointer }] });
    }
    expect((await app.request('/__firstProvider__/requests', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect(calls).toEqual([]);
  });

  test('serves its OpenAPI 3.1 document, valid, with every provider route, and the docs page', async () => {
    const { app } = setup(() => new Response('{}'));
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/__provider__/requests'); // @each providers
    expect((await app.request('/docs')).status).toBe(200);
  });

  test('not ready while a provider circuit is open', async () => {
    // GIVEN a provider whose circuit opens on the first failure
    const { app } = setup(() => new Response('', { status: 500 }), 1);
    expect((await app.request('/readyz')).status).toBe(200);
    // WHEN a call fails
    await app.request('/__firstProvider__/requests', post({ path: '/v1/resources' }));
    // THEN the gateway reports not ready, and health stays up
    expect((await app.request('/readyz')).status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
