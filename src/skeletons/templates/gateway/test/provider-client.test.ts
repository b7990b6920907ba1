import { createPolicy } from '@allframe/platform';
import { ProviderClient, ProviderError, isRetryable, type Fetch } from '../src/adapters/provider-client';

const policy = (retryIdempotentOnly: boolean) =>
  createPolicy({
    retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    circuitBreaker: { failureThreshold: 10, halfOpenAfterMs: 1000 },
    bulkhead: { maxConcurrent: 10, maxQueue: 10 },
    timeoutMs: 1000,
    retryIdempotentOnly,
    isRetryable,
  });

function fakeFetch(...responses: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: Fetch = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(responses.shift() ?? new Response('{}'));
  };
  return { calls, fn };
}

describe('ProviderClient', () => {
  test('sends JSON with the API key and the idempotency key, and parses the answer', async () => {
    const { calls, fn } = fakeFetch(new Response('{"id":"r1"}', { status: 201 }));
    const client = new ProviderClient('acme', 'https://acme.test/', 'secret', policy(true), fn);
    await expect(client.send({ method: 'POST', path: '/v1/things', body: { a: 1 }, idempotencyKey: 'k1' })).resolves.toEqual({ status: 201, body: { id: 'r1' } });
    expect(calls[0]?.url).toBe('https://acme.test/v1/things');
    expect(calls[0]?.init.headers).toEqual({ accept: 'application/json', 'content-type': 'application/json', authorization: 'Bearer secret', 'idempotency-key': 'k1' });
  });

  test('text and empty answers, no API key', async () => {
    const { calls, fn } = fakeFetch(new Response('plain'), new Response(''));
    const client = new ProviderClient('acme', 'https://acme.test', undefined, policy(true), fn);
    await expect(client.send({ method: 'GET', path: '/a' })).resolves.toEqual({ status: 200, body: 'plain' });
    await expect(client.send({ method: 'DELETE', path: '/b' })).resolves.toEqual({ status: 200, body: undefined });
    expect(calls[0]?.init.headers).toEqual({ accept: 'application/json' });
  });

  test('idempotent calls are retried on server errors; unsafe ones and client errors are not', async () => {
    const retried = fakeFetch(new Response('', { status: 503 }), new Response('{}'));
    await new ProviderClient('acme', 'https://acme.test', 'k', policy(true), retried.fn).send({ method: 'PUT', path: '/x', body: {} });
    expect(retried.calls).toHaveLength(2);
    const unsafe = fakeFetch(new Response('', { status: 503 }));
    await expect(new ProviderClient('acme', 'https://acme.test', 'k', policy(true), unsafe.fn).send({ method: 'POST', path: '/x' })).rejects.toBeInstanceOf(ProviderError);
    expect(unsafe.calls).toHaveLength(1);
    const refused = fakeFetch(new Response('', { status: 400 }));
    await expect(new ProviderClient('acme', 'https://acme.test', 'k', policy(false), refused.fn).send({ method: 'GET', path: '/x' })).rejects.toThrow('acme answered 400');
    expect(refused.calls).toHaveLength(1);
    expect(isRetryable(new ProviderError('acme', 429))).toBe(true);
  });

  test('reports its circuit breaker state', () => {
    expect(new ProviderClient('acme', 'https://acme.test', 'k', policy(true), fakeFetch().fn).breakerState()).toBe('closed');
  });
});
