import { createPolicy } from '@allframe/platform';
import { ServiceCallError, ServiceClient, isRetryable, type Fetch } from '../src/adapters/service-client';

const policy = () =>
  createPolicy({
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    circuitBreaker: { failureThreshold: 10, halfOpenAfterMs: 1000 },
    bulkhead: { maxConcurrent: 10, maxQueue: 10 },
    timeoutMs: 1000,
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

describe('ServiceClient', () => {
  test('POSTs JSON with the idempotency key and returns the JSON answer', async () => {
    const { calls, fn } = fakeFetch(new Response('{"ok":true}'));
    const client = new ServiceClient('svc', 'http://svc:8080/', policy(), fn);
    await expect(client.post('/do', { a: 1 }, 'k1')).resolves.toEqual({ ok: true });
    expect(calls[0]?.url).toBe('http://svc:8080/do');
    expect(calls[0]?.init).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'idempotency-key': 'k1' } });
  });

  test('an empty answer is undefined', async () => {
    const { fn } = fakeFetch(new Response(''));
    await expect(new ServiceClient('svc', 'http://svc', policy(), fn).post('/do', {}, 'k')).resolves.toBeUndefined();
  });

  test('server errors are retried, client errors are not', async () => {
    const retried = fakeFetch(new Response('', { status: 503 }), new Response('{"n":2}'));
    await expect(new ServiceClient('svc', 'http://svc', policy(), retried.fn).post('/do', {}, 'k')).resolves.toEqual({ n: 2 });
    expect(retried.calls).toHaveLength(2);
    const refused = fakeFetch(new Response('no', { status: 422 }));
    await expect(new ServiceClient('svc', 'http://svc', policy(), refused.fn).post('/do', {}, 'k')).rejects.toBeInstanceOf(ServiceCallError);
    expect(refused.calls).toHaveLength(1);
    expect(isRetryable(new Error('network'))).toBe(true);
  });
});
