import type { GoogleAuth } from 'google-auth-library';
import { idTokenFetch, type IdTokenAuth } from '../src/id-token-fetch';
import { recorder } from './fakes';

// Compile-time check: google-auth-library's GoogleAuth fits the port.
export const realAuthFits = (auth: GoogleAuth): IdTokenAuth => auth;

const created: unknown[] = [];
jest.mock('google-auth-library', () => ({
  GoogleAuth: class {
    constructor(options: unknown) {
      created.push(options);
    }
    getIdTokenClient(audience: string) {
      return Promise.resolve({ getRequestHeaders: () => Promise.resolve(new Headers({ authorization: `Bearer default-for-${audience}` })) });
    }
  },
}));

/** ID tokens numbered per audience, with the audiences asked for. */
function fakeAuth() {
  const audiences: string[] = [];
  let n = 0;
  const auth: IdTokenAuth = {
    getIdTokenClient: (audience) => {
      audiences.push(audience);
      return Promise.resolve({ getRequestHeaders: () => Promise.resolve(new Headers({ authorization: `Bearer ${audience}#${++n}` })) });
    },
  };
  return { audiences, auth };
}

describe('idTokenFetch', () => {
  it('sends a Bearer ID token for the called origin, one token client per audience', async () => {
    // GIVEN
    const { sent, fetchFn } = recorder();
    const { audiences, auth } = fakeAuth();
    const send = idTokenFetch({ auth, fetch: fetchFn });
    const signal = new AbortController().signal;
    // WHEN two services are called, one twice
    await send('https://inventory-abc.a.run.app/reserve?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal });
    await send('https://inventory-abc.a.run.app/release');
    await send('https://payments-abc.a.run.app/charge', { headers: new Headers({ authorization: 'replaced' }) });
    // THEN each request carries the token of its origin, with its own headers and options kept
    expect(sent.map((s) => s.headers.authorization)).toEqual([
      'Bearer https://inventory-abc.a.run.app#1',
      'Bearer https://inventory-abc.a.run.app#2',
      'Bearer https://payments-abc.a.run.app#3',
    ]);
    expect(sent[0]).toMatchObject({ url: 'https://inventory-abc.a.run.app/reserve?x=1', init: { method: 'POST', body: '{}', signal } });
    expect(sent[0]?.headers['content-type']).toBe('application/json');
    expect(audiences).toEqual(['https://inventory-abc.a.run.app', 'https://payments-abc.a.run.app']);
  });

  it('rejects a call without a token, and asks again on the next call after a failure', async () => {
    // GIVEN an auth failing once, then a client giving no token
    const getIdTokenClient = jest
      .fn<ReturnType<IdTokenAuth['getIdTokenClient']>, [string]>()
      .mockRejectedValueOnce(new Error('metadata server unreachable'))
      .mockResolvedValue({ getRequestHeaders: () => Promise.resolve(new Headers()) });
    const send = idTokenFetch({ auth: () => Promise.resolve({ getIdTokenClient }), fetch: recorder().fetchFn });
    // WHEN / THEN
    await expect(send('https://a.run.app/x')).rejects.toThrow('metadata server unreachable');
    await expect(send('https://a.run.app/x')).rejects.toThrow('no ID token for https://a.run.app');
    expect(getIdTokenClient).toHaveBeenCalledTimes(2);
  });

  it('uses google-auth-library and the global fetch by default', async () => {
    // GIVEN the global fetch replaced by a recorder
    const { sent, fetchFn } = recorder();
    const original = globalThis.fetch;
    globalThis.fetch = fetchFn as typeof fetch;
    try {
      // WHEN
      await idTokenFetch()('http://localhost:8080/x');
    } finally {
      globalThis.fetch = original;
    }
    // THEN the token came from GoogleAuth's ID token client of the origin
    expect(sent[0]?.headers.authorization).toBe('Bearer default-for-http://localhost:8080');
    expect(created).toEqual([undefined]);
  });
});
