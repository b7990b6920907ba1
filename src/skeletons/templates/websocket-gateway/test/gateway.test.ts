import { createLogger, newEvent } from '@allframe/platform';
import { MemoryConnectionRegistry, MemorySender } from '../src/adapters/memory';
import { Gateway } from '../src/application/gateway';
import { ExpiryOnlyJwtVerifier } from '../src/application/token-verifier'; // @if jwt
import {
  AuthError,
  __createAuthorizerJwt__, // @if jwt
  __createAuthorizerApiKey__, // @if apiKey
  __createAuthorizerNone__, // @if none
} from '../src/auth';
import type { Authorizer } from '../src/auth';

const NOW = 1_800_000_000_000;
// @if jwt
const ISSUER = 'https://issuer.test';

/** An unsigned JWT with these claims (the default verifier does not check signatures). */
function jwt(claims: object | string): string {
  const part = (v: object | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}
// @end

/** The __authMode__ authorizer, as the service wires it. */
function authorizer(): Authorizer {
  return __createAuthorizerJwt__(new ExpiryOnlyJwtVerifier(ISSUER, () => NOW)); // @if jwt
  return __createAuthorizerApiKey__('test-key', 'X-Api-Key'); // @if apiKey
  return __createAuthorizerNone__(); // @if none
}

function setup() {
  const registry = new MemoryConnectionRegistry();
  const sender = new MemorySender();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const gateway = new Gateway({ registry, sender, authorize: authorizer(), logger }, () => new Date(NOW));
  return { gateway, registry, sender };
}

/** The headers of an accepted connection. */
const OK: Record<string, string> = {
  authorization: `Bearer ${jwt({ sub: 'alice', exp: NOW / 1000 + 60, iss: ISSUER })}`, // @if jwt
  'x-api-key': 'test-key', // @if apiKey
  // none: anyone may connect // @if none
};

describe('__service__', () => {
  test('connect, broadcast, disconnect', async () => {
    // GIVEN two connected clients
    const { gateway, registry, sender } = setup();
    await gateway.connect({ connectionId: 'a', headers: OK, query: {} });
    await gateway.connect({ connectionId: 'b', headers: OK, query: {} });
    // WHEN a message is broadcast
    const result = await gateway.broadcast({ hello: 'world' });
    // THEN both receive it
    expect(result).toEqual({ sent: 2, removed: 0, failed: 0 });
    expect(sender.sent.map((m) => m.connectionId)).toEqual(['a', 'b']);
    expect(JSON.parse(sender.sent[0]!.payload)).toEqual({ hello: 'world' });
    // WHEN one disconnects THEN it is no longer registered
    await gateway.disconnect('a');
    expect((await registry.list()).map((c) => c.id)).toEqual(['b']);
  });

  test('connections that are gone are removed; failed sends are counted', async () => {
    const { gateway, registry, sender } = setup();
    for (const id of ['a', 'b', 'c']) await gateway.connect({ connectionId: id, headers: OK, query: {} });
    sender.gone.add('b');
    const failing = sender.send.bind(sender);
    sender.send = (id, payload) => (id === 'c' ? Promise.reject(new Error('throttled')) : failing(id, payload));
    expect(await gateway.broadcast({})).toEqual({ sent: 1, removed: 1, failed: 1 });
    expect((await registry.list()).map((c) => c.id)).toEqual(['a', 'c']);
  });
  // @if jwt

  test('jwt: a bearer token (header or token query parameter) with a future exp is required', async () => {
    const { gateway } = setup();
    const connect = (headers: Record<string, string>, query: Record<string, string> = {}) => gateway.connect({ connectionId: 'c', headers, query });
    await expect(connect({})).rejects.toBeInstanceOf(AuthError);
    await expect(connect({ authorization: 'Basic x' })).rejects.toBeInstanceOf(AuthError);
    await expect(connect({ authorization: 'Bearer not-a-jwt' })).rejects.toThrow(/not a JWT/);
    await expect(connect({ authorization: `Bearer ${jwt({ sub: 'a', iss: ISSUER })}` })).rejects.toThrow(/no exp/);
    await expect(connect({ authorization: `Bearer ${jwt({ sub: 'a', exp: NOW / 1000 - 1, iss: ISSUER })}` })).rejects.toThrow(/expired/);
    await expect(connect({ authorization: `Bearer ${jwt({ exp: NOW / 1000 + 60, iss: 'https://other.example.com' })}` })).rejects.toThrow(/issuer/);
    await expect(connect({ authorization: `Bearer ${jwt('123')}` })).rejects.toThrow(/no claims/);
    expect((await connect({}, { token: jwt({ exp: NOW / 1000 + 60, iss: ISSUER }) })).principal).toBe('unknown');
    expect((await connect({ authorization: `Bearer ${jwt({ sub: 'bob', exp: NOW / 1000 + 60, iss: ISSUER })}` })).principal).toBe('bob');
  });

  test('jwt: without a configured issuer any iss is accepted', async () => {
    await expect(new ExpiryOnlyJwtVerifier().verify(jwt({ exp: Date.now() / 1000 + 60, iss: 'x' }))).resolves.toEqual({ subject: 'unknown' });
  });
  // @end
  // @if apiKey

  test('api-key: the header must carry the key', async () => {
    const { gateway } = setup();
    const connect = (headers: Record<string, string>) => gateway.connect({ connectionId: 'c', headers, query: {} });
    await expect(connect({})).rejects.toBeInstanceOf(AuthError);
    await expect(connect({ 'x-api-key': 'wrong' })).rejects.toBeInstanceOf(AuthError);
    expect((await connect({ 'x-api-key': 'test-key' })).principal).toBe('api-key');
  });
  // @end
  // @if none

  test('none: anyone may connect', async () => {
    const { gateway } = setup();
    expect((await gateway.connect({ connectionId: 'c', headers: {}, query: {} })).principal).toBe('anonymous');
    expect(AuthError).toBeDefined();
  });
  // @end

  test('subscribed events are broadcast; other events are ignored', async () => {
    const { gateway, sender } = setup();
    await gateway.connect({ connectionId: 'a', headers: OK, query: {} });
    // @if subscribed
    const event = newEvent('__firstEvent__', 'test', { id: '1' });
    expect(await gateway.publish(event)).toEqual({ sent: 1, removed: 0, failed: 0 });
    expect(JSON.parse(sender.sent[0]!.payload)).toMatchObject({ type: '__firstEvent__', id: event.id, data: { id: '1' } });
    // @end
    expect(await gateway.publish(newEvent('NotSubscribed', 'test', {}))).toBeUndefined();
    expect(sender.sent).toHaveLength(/*=subscribedSent*/ 1);
  });

  test('heartbeat and ping', async () => {
    const { gateway, sender } = setup();
    await gateway.connect({ connectionId: 'a', headers: OK, query: {} });
    await gateway.heartbeat();
    await gateway.onMessage('a', '{"type":"ping"}');
    await gateway.onMessage('a', 'hello');
    expect(sender.sent.map((m) => (JSON.parse(m.payload) as { type: string }).type)).toEqual(['heartbeat', 'pong']);
  });
});
