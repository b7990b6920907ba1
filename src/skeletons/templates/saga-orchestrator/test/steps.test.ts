// @if clients
import { createPolicy } from '@allframe/platform';
import { ServiceClient, type Fetch } from '../src/adapters/service-client';
// @end
import { createStepHandlers, type StepContext } from '../src/application/steps';

describe('default step handlers', () => {
  test('each step calls the service it names, with the saga id as idempotency key', async () => {
    // GIVEN clients over a fake fetch
    const urls: string[] = [];
    // @if clients
    const fetchFn: Fetch = (url, init) => {
      urls.push(`${url} ${String((init.headers as Record<string, string>)['idempotency-key'])}`);
      return Promise.resolve(new Response('{"ok":true}'));
    };
    const policy = () => createPolicy({ retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 }, circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 1000 }, bulkhead: { maxConcurrent: 5, maxQueue: 5 }, timeoutMs: 1000 });
    // @end
    const handlers = createStepHandlers({
      __client__: new ServiceClient('__dep__', 'http://__dep__', policy(), fetchFn), // @each clients
    });
    const ctx: StepContext = { sagaId: 's1', input: { orderId: 'o1' }, results: {}, signal: new AbortController().signal };
    // WHEN every handler runs
    await handlers.__handler__(ctx); // @each steps
    await handlers.__compHandler__(ctx); // @each compensations
    // THEN the remote ones were called
    expect(urls).toEqual(/*=remoteCalls*/ urls);
  });
});
