import { calleeUrls, defaultClients } from '../src/clients';
import { loadConfig } from '../src/config';

describe('typed clients', () => {
  test('defaultClients: a client per service __service__ calls, a method per route of each', () => {
    // WHEN made from the configuration (the outbound fetch as OUTBOUND_AUTH says), or with a fetch of one's own
    const clients = defaultClients(loadConfig({}));
    const withFetch = defaultClients(loadConfig({}), () => Promise.reject(new Error('no calls in this test')));
    // THEN each service called has its client, and each route of it a method
    expect(Object.keys(clients)).toEqual([
      '__calleeClient__', // @each callees
    ]);
    expect(Object.keys(withFetch)).toEqual(Object.keys(clients));
    for (const client of Object.values(clients) as object[]) {
      expect(Object.keys(client).length).toBeGreaterThan(0);
      expect(Object.values(client).every((method) => typeof method === 'function')).toBe(true);
    }
  });

  test('calleeUrls: the base URL of each service __service__ calls, by name (whom OUTBOUND_AUTH=ed25519 signs a call for)', () => {
    expect(calleeUrls(loadConfig({}))).toEqual({
      '__callee__': 'http://__callee__:8080', // @each callees
    });
  });
});
