import { execSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { bodyAsJson, createApiApp, jsonContent, problemResponses } from '../src/api';
import { isRetryableCall, ServiceCallError, typedClient } from '../src/client';
import { serviceCaller } from '../src/http';
import { createPolicy } from '../src/resilience';
import { serve } from '../src/server';
import {
  generateServiceKeyPair,
  inboundAuthFrom,
  KEY_PAIR_COMMAND,
  MemoryNonceCache,
  SERVICE_AUTH_HEADERS,
  serviceSignedFetch,
  signingKeyFrom,
  trustedCallersFrom,
  type ServiceVerifierOptions,
} from '../src/service-auth';
import { outboundFetch, type FetchFn } from '../src/signed-fetch';
import { fakeClock, fakeLogger } from './fakes';

const ORDERS = 'http://orders.internal:8080';
const bff = generateServiceKeyPair();
const intruder = generateServiceKeyPair();

const OrderInput = z.object({ item: z.string().min(1) }).openapi('OrderInput');
const Order = OrderInput.extend({ id: z.string(), by: z.string() }).openapi('Order');
/** The callee's route definitions, as a generated service exports them. */
const ROUTES = {
  createOrder: createRoute({ method: 'post', path: '/orders', request: { body: { ...jsonContent(OrderInput, 'new'), required: true } }, responses: { 201: jsonContent(Order, 'Created'), ...problemResponses(401, 422) } }),
  pushOrder: createRoute({ method: 'post', path: '/push', middleware: [bodyAsJson], request: { body: { ...jsonContent(OrderInput, 'pushed'), required: true } }, responses: { 202: jsonContent(Order, 'Accepted') } }),
  getOrder: createRoute({ method: 'get', path: '/orders/{id}', request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) }, responses: { 200: jsonContent(Order, 'The order') } }),
};

/** The callee `orders`: trusts web-bff (TRUSTED_CALLERS as the environment gives it); its routes answer who called. */
function orders(options: Partial<ServiceVerifierOptions> = {}) {
  const logger = fakeLogger();
  const app = createApiApp({
    service: 'orders',
    version: '1.0.0',
    logger,
    docs: false,
    inboundAuth: { service: 'orders', callers: trustedCallersFrom([`web-bff=${bff.publicKey}`]), ...options },
  });
  app.openapi(ROUTES.createOrder, (c) => c.json({ ...c.req.valid('json'), id: 'o1', by: serviceCaller(c) ?? 'anonymous' }, 201));
  app.openapi(ROUTES.pushOrder, (c) => c.json({ ...c.req.valid('json'), id: 'o2', by: serviceCaller(c) ?? 'anonymous' }, 202));
  app.openapi(ROUTES.getOrder, (c) => c.json({ item: 'book', id: c.req.valid('param').id, by: serviceCaller(c) ?? 'anonymous' }, 200));
  const send: FetchFn = async (url, init) => app.request(url, init);
  return { app, logger, send };
}

/** web-bff's outbound fetch (OUTBOUND_AUTH=ed25519) sending to `send`, with orders at ORDERS. */
function caller(send: FetchFn, options: { key?: string; name?: string; callees?: Record<string, string>; now?: () => number } = {}): FetchFn {
  return outboundFetch('ed25519', '', { caller: options.name ?? 'web-bff', signingKey: options.key ?? bff.privateKey, callees: options.callees ?? { orders: ORDERS }, fetch: send, ...(options.now ? { now: options.now } : {}) });
}

/** The request the caller signed, captured instead of sent. */
async function signedRequest(url: string, init: RequestInit, options: Parameters<typeof caller>[1] = {}): Promise<{ url: string; init: RequestInit & { headers: Record<string, string> } }> {
  let captured: { url: string; init: RequestInit & { headers: Record<string, string> } } | undefined;
  await caller((u, i) => {
    captured = { url: u, init: i as RequestInit & { headers: Record<string, string> } };
    return Promise.resolve(new Response(null, { status: 204 }));
  }, options)(url, init);
  return captured!;
}

const json = { 'content-type': 'application/json' };

describe('signed service calls, through the callee app', () => {
  it('accepts a trusted caller: the route reads the body and knows who called', async () => {
    // GIVEN orders trusting web-bff, and web-bff's signing fetch
    const { send } = orders();
    const fetchFn = caller(send);
    // WHEN web-bff posts an order, and posts to a route that rewrites the request (bodyAsJson), and gets one
    const created = await fetchFn(`${ORDERS}/orders`, { method: 'POST', headers: json, body: JSON.stringify({ item: 'book' }) });
    const pushed = await fetchFn(`${ORDERS}/push`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ item: 'pen' }) });
    const got = await fetchFn(`${ORDERS}/orders/o1?fields=all`);
    // THEN each is accepted, the body intact, the caller named
    expect([created.status, await created.json()]).toEqual([201, { item: 'book', id: 'o1', by: 'web-bff' }]);
    expect([pushed.status, await pushed.json()]).toEqual([202, { item: 'pen', id: 'o2', by: 'web-bff' }]);
    expect([got.status, await got.json()]).toEqual([200, { item: 'book', id: 'o1', by: 'web-bff' }]);
  });

  it('refuses an unsigned request with 401 problem details and a challenge; the probes stay open', async () => {
    // GIVEN orders
    const { app, logger } = orders();
    // WHEN called without a signature: a route, the document, an unknown path, and the probes
    const [route, doc, unknown, healthz, readyz] = await Promise.all(['/orders/o1', '/openapi.json', '/nowhere', '/healthz', '/readyz'].map((p) => Promise.resolve(app.request(p))));
    // THEN everything but the probes is a 401 problem
    for (const res of [route!, doc!, unknown!]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('www-authenticate')).toBe('Allframe-Ed25519 realm="orders"');
    }
    expect(await route!.json()).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'the request is not signed', instance: '/orders/o1' });
    expect([healthz!.status, readyz!.status]).toEqual([200, 200]);
    // AND the refusal is logged with its reason
    expect(logger.warn).toHaveBeenCalledWith({ status: 401, reason: 'the request is not signed', caller: undefined, method: 'GET', path: '/orders/o1' }, 'service call refused');
  });

  it('refuses a caller it does not trust with 403, whatever its signature', async () => {
    // GIVEN orders trusting web-bff only, and a correctly signing service it does not trust
    const { send, logger } = orders();
    // WHEN that service calls
    const res = await caller(send, { name: 'reports', key: intruder.privateKey })(`${ORDERS}/orders/o1`);
    // THEN 403, logged with the claimed caller
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ title: 'Forbidden', detail: 'reports is not a caller orders trusts' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ status: 403, caller: 'reports' }), 'service call refused');
  });

  it('refuses a trusted name signed with another key (401), and logs no signature nor key', async () => {
    // GIVEN orders, and a request in web-bff's name signed with someone else's key
    const { send, logger } = orders();
    const signed = await signedRequest(`${ORDERS}/orders/o1`, {}, { key: intruder.privateKey });
    // WHEN it is sent
    const res = await send(signed.url, signed.init);
    // THEN 401, and the log holds the reason, not the secret material
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ detail: "the signature does not verify with web-bff's key" });
    const logged = JSON.stringify(logger.warn.mock.calls);
    expect(logged).not.toContain(signed.init.headers[SERVICE_AUTH_HEADERS.signature]);
    expect(logged).not.toContain(intruder.privateKey);
  });

  it.each([
    ['body', (r: { url: string; init: RequestInit }) => ({ ...r, init: { ...r.init, body: JSON.stringify({ item: 'gold' }) } })],
    ['path', (r: { url: string; init: RequestInit }) => ({ ...r, url: `${ORDERS}/push` })],
    ['query', (r: { url: string; init: RequestInit }) => ({ ...r, url: `${ORDERS}/orders?admin=true` })],
    ['method', (r: { url: string; init: RequestInit }) => ({ ...r, init: { ...r.init, method: 'PUT' } })],
  ])('refuses a request whose %s was changed after signing (401)', async (_, tamper) => {
    // GIVEN a request web-bff signed
    const { send } = orders();
    const signed = await signedRequest(`${ORDERS}/orders`, { method: 'POST', headers: json, body: JSON.stringify({ item: 'book' }) });
    // WHEN it reaches orders changed
    const changed = tamper(signed);
    const res = await send(changed.url, changed.init);
    // THEN the signature does not verify
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ detail: "the signature does not verify with web-bff's key" });
  });

  it('refuses a timestamp outside the window, either way (401), and accepts one inside it', async () => {
    // GIVEN orders with a 300 s window on its clock, and callers whose clocks are off
    const clock = fakeClock();
    const { send } = orders({ now: clock.now, windowSeconds: 300 });
    const at = (offsetMs: number) => caller(send, { now: () => clock.now() + offsetMs })(`${ORDERS}/orders/o1`);
    // WHEN they call
    const [late, early, skewed] = await Promise.all([at(-301_000), at(301_000), at(-299_000)]);
    // THEN too far is refused, within the window accepted
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ detail: "the signature's timestamp is more than 300 s away from this service's clock" });
    expect(early.status).toBe(401);
    expect(skewed.status).toBe(200);
  });

  it('refuses a replayed request (401), even with the body unchanged', async () => {
    // GIVEN a request web-bff signed and orders accepted
    const { send } = orders();
    const signed = await signedRequest(`${ORDERS}/orders`, { method: 'POST', headers: json, body: JSON.stringify({ item: 'book' }) });
    expect((await send(signed.url, signed.init)).status).toBe(201);
    // WHEN the same request comes again
    const again = await send(signed.url, signed.init);
    // THEN it is refused
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ detail: 'the request was seen before (its nonce is not new)' });
  });

  it('asks a nonce store of its own (which may answer asynchronously), and only about verified requests', async () => {
    // GIVEN orders with a shared store that has seen every nonce
    const asked: string[] = [];
    const nonces = {
      add: (key: string) => {
        asked.push(key);
        return Promise.resolve(false);
      },
    };
    const { send } = orders({ nonces });
    // WHEN a forged and a genuine request come
    const forged = await caller(send, { key: intruder.privateKey })(`${ORDERS}/orders/o1`);
    const genuine = await caller(send)(`${ORDERS}/orders/o1`);
    // THEN both are refused, and the store was asked about the genuine one only
    expect([forged.status, genuine.status]).toEqual([401, 401]);
    expect(await genuine.json()).toMatchObject({ detail: 'the request was seen before (its nonce is not new)' });
    expect(asked).toEqual([expect.stringMatching(/^web-bff [\w-]{22}$/) as string]);
  });

  it('refuses a request signed for another service (401)', async () => {
    // GIVEN web-bff whose base URL of payments points at orders
    const { send } = orders();
    const fetchFn = caller(send, { callees: { payments: ORDERS } });
    // WHEN it calls
    const res = await fetchFn(`${ORDERS}/orders/o1`);
    // THEN orders refuses what was meant for payments
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ detail: 'the request is signed for payments, not orders' });
  });

  it('refuses incomplete or malformed signature headers (401)', async () => {
    // GIVEN a signed request
    const { send } = orders();
    const signed = await signedRequest(`${ORDERS}/orders/o1`, {});
    const withoutNonce = Object.fromEntries(Object.entries(signed.init.headers).filter(([name]) => name !== SERVICE_AUTH_HEADERS.nonce));
    // WHEN its nonce is dropped, or its timestamp is not a number
    const incomplete = await send(signed.url, { headers: withoutNonce });
    const malformed = await send(signed.url, { headers: { ...signed.init.headers, [SERVICE_AUTH_HEADERS.timestamp]: 'soon' } });
    // THEN both are refused
    expect(await incomplete.json()).toMatchObject({ status: 401, detail: "the signature's headers are incomplete: no x-allframe-nonce" });
    expect(await malformed.json()).toMatchObject({ status: 401, detail: "the signature's headers are malformed" });
  });

  it('accepts either key of a caller that is rotating', async () => {
    // GIVEN orders trusting web-bff's old and new keys
    const next = generateServiceKeyPair();
    const { send } = orders({ callers: trustedCallersFrom([`web-bff=${bff.publicKey}`, `web-bff=${next.publicKey}`]) });
    // WHEN web-bff signs with either
    const [old, fresh] = await Promise.all([caller(send)(`${ORDERS}/orders/o1`), caller(send, { key: next.privateKey })(`${ORDERS}/orders/o1`)]);
    // THEN both are accepted
    expect([old.status, fresh.status]).toEqual([200, 200]);
  });

  it('on a public service (unsigned allowed), lets end users through and still checks what is signed', async () => {
    // GIVEN a public orders
    const { app, send } = orders({ allowUnsigned: true });
    // WHEN an end user, web-bff and an untrusted service call
    const user = await app.request('/orders/o1');
    const bffCall = await caller(send)(`${ORDERS}/orders/o1`);
    const stranger = await caller(send, { name: 'reports', key: intruder.privateKey })(`${ORDERS}/orders/o1`);
    const forged = await caller(send, { key: intruder.privateKey })(`${ORDERS}/orders/o1`);
    // THEN the user is anonymous, web-bff named, the others refused
    expect(await user.json()).toMatchObject({ by: 'anonymous' });
    expect(await bffCall.json()).toMatchObject({ by: 'web-bff' });
    expect([stranger.status, forged.status]).toEqual([403, 401]);
  });
});

describe('a typed client calling through outboundFetch(ed25519) over the network', () => {
  it('reaches the callee served on a port; the same client unsigned is refused', async () => {
    // GIVEN orders served on a free port, and typed clients of it with and without OUTBOUND_AUTH=ed25519
    const { app } = orders();
    const server = serve(app, { port: 0, logger: fakeLogger(), signals: [] });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const policy = () => createPolicy({ retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 }, circuitBreaker: { failureThreshold: 10, halfOpenAfterMs: 1000 }, bulkhead: { maxConcurrent: 5, maxQueue: 5 }, timeoutMs: 5000, isRetryable: isRetryableCall });
      const signed = typedClient('orders', base, ROUTES, { policy: policy(), fetch: outboundFetch('ed25519', '', { env: { SERVICE_NAME: 'web-bff', SERVICE_SIGNING_KEY: bff.privateKey }, callees: { orders: base } }) });
      const plain = typedClient('orders', base, ROUTES, { policy: policy(), fetch: outboundFetch('none', '') });
      // WHEN each creates an order
      const created = await signed.createOrder({ body: { item: 'book' } });
      const refused = plain.createOrder({ body: { item: 'book' } });
      // THEN the signed call is answered, as web-bff's; the other is a 401
      expect(created).toEqual({ item: 'book', id: 'o1', by: 'web-bff' });
      await expect(refused).rejects.toBeInstanceOf(ServiceCallError);
      await expect(refused).rejects.toMatchObject({ status: 401, problem: { detail: 'the request is not signed' } });
    } finally {
      await server.close();
    }
  });
});

describe('the app reads INBOUND_AUTH from the environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('checks signatures when INBOUND_AUTH=ed25519, nothing by default', async () => {
    // GIVEN apps built with and without INBOUND_AUTH set
    const open = createApiApp({ service: 'orders', version: '1', logger: fakeLogger(), docs: false });
    process.env['INBOUND_AUTH'] = 'ed25519';
    process.env['TRUSTED_CALLERS'] = `web-bff=${bff.publicKey}`;
    const closed = createApiApp({ service: 'orders', version: '1', logger: fakeLogger(), docs: false });
    const off = createApiApp({ service: 'orders', version: '1', logger: fakeLogger(), docs: false, inboundAuth: false });
    // WHEN their documents are fetched unsigned, and signed by web-bff
    const send = (app: typeof open): FetchFn => async (url, init) => app.request(url, init);
    // THEN only the one configured to check refuses the unsigned request
    expect((await open.request('/openapi.json')).status).toBe(200);
    expect((await off.request('/openapi.json')).status).toBe(200);
    expect((await closed.request('/openapi.json')).status).toBe(401);
    expect((await caller(send(closed))(`${ORDERS}/openapi.json`)).status).toBe(200);
  });
});

describe('inboundAuthFrom', () => {
  it('reads INBOUND_AUTH, TRUSTED_CALLERS, INBOUND_AUTH_WINDOW_SECONDS and SERVICE_NAME', () => {
    // GIVEN / WHEN / THEN none (the default) checks nothing
    expect(inboundAuthFrom({}, 'orders')).toBeUndefined();
    expect(inboundAuthFrom({ INBOUND_AUTH: 'none', TRUSTED_CALLERS: 'junk' }, 'orders')).toBeUndefined();
    // AND ed25519 trusts the listed callers, for SERVICE_NAME or else the app's name
    const strict = inboundAuthFrom({ INBOUND_AUTH: 'ed25519', TRUSTED_CALLERS: `web-bff=${bff.publicKey}, reports=${intruder.publicKey}`, INBOUND_AUTH_WINDOW_SECONDS: '60' }, 'orders');
    expect(strict).toMatchObject({ service: 'orders', allowUnsigned: false, windowSeconds: 60 });
    expect([...strict!.callers.keys()]).toEqual(['web-bff', 'reports']);
    expect(inboundAuthFrom({ INBOUND_AUTH: 'ed25519-optional', SERVICE_NAME: 'orders-v2' }, 'orders')).toMatchObject({ service: 'orders-v2', allowUnsigned: true, windowSeconds: 300 });
  });

  it('refuses an unknown kind, a malformed entry or key, or a window that is not positive, naming no key', () => {
    expect(() => inboundAuthFrom({ INBOUND_AUTH: 'mtls' }, 'orders')).toThrow('INBOUND_AUTH must be one of none, ed25519, ed25519-optional, got "mtls"');
    expect(() => inboundAuthFrom({ INBOUND_AUTH: 'ed25519', TRUSTED_CALLERS: `${bff.publicKey},web-bff=bm90IGEga2V5` }, 'orders')).toThrow(
      'TRUSTED_CALLERS: entry 1 is not <service> or <service>=<public key>; the key of web-bff is not a public key (SPKI DER in base64)',
    );
    expect(() => inboundAuthFrom({ INBOUND_AUTH: 'ed25519', INBOUND_AUTH_WINDOW_SECONDS: '0' }, 'orders')).toThrow('INBOUND_AUTH_WINDOW_SECONDS must be positive');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => trustedCallersFrom([`web-bff=${rsa}`])).toThrow('TRUSTED_CALLERS: the key of web-bff must be an Ed25519 key, got rsa');
  });
});

describe('keys', () => {
  it('KEY_PAIR_COMMAND prints a pair the platform signs and verifies with', async () => {
    // GIVEN a pair made by the deploy scripts' command, with Node alone
    const [privateKey, publicKey] = execSync(KEY_PAIR_COMMAND, { encoding: 'utf8' }).trim().split(' ');
    // WHEN orders trusts its public key and a caller signs with its private key
    const { send } = orders({ callers: trustedCallersFrom([`web-bff=${publicKey!}`]) });
    const res = await caller(send, { key: privateKey! })(`${ORDERS}/orders/o1`);
    // THEN the call is accepted
    expect(res.status).toBe(200);
  });

  it('reads a signing key as base64 PKCS#8 DER or PEM, and refuses anything else without echoing it', () => {
    // GIVEN the same key in both encodings
    const pem = createPrivateKey({ key: Buffer.from(bff.privateKey, 'base64'), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
    // WHEN / THEN both are read as the same Ed25519 key
    const fromPem = signingKeyFrom(pem);
    const fromDer = signingKeyFrom(bff.privateKey);
    expect(fromPem.asymmetricKeyType).toBe('ed25519');
    expect(createPublicKey(fromPem).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(bff.publicKey);
    expect(createPublicKey(fromDer).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(bff.publicKey);
    // AND a public key, garbage or another algorithm is refused
    expect(() => signingKeyFrom(bff.publicKey)).toThrow('SERVICE_SIGNING_KEY is not a private key (PKCS#8 DER in base64, or PEM)');
    expect(() => signingKeyFrom('secret-ish')).toThrow(/^SERVICE_SIGNING_KEY is not a private key/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(() => signingKeyFrom(ec)).toThrow('SERVICE_SIGNING_KEY must be an Ed25519 key, got ec');
  });
});

describe('outboundFetch(ed25519)', () => {
  it('needs the caller and its key', () => {
    expect(() => outboundFetch('ed25519', '', { env: { SERVICE_SIGNING_KEY: bff.privateKey } })).toThrow('SERVICE_NAME is required for OUTBOUND_AUTH=ed25519');
    expect(() => outboundFetch('ed25519', '', { env: { SERVICE_NAME: 'web-bff' }, callees: { orders: ORDERS } })).toThrow('a key for each callee (SIGNING_KEY_ORDERS) or SERVICE_SIGNING_KEY is required for OUTBOUND_AUTH=ed25519');
    expect(() => outboundFetch('ed25519', '', { env: { SERVICE_NAME: 'web-bff', SERVICE_SIGNING_KEY: 'nope' } })).toThrow('SERVICE_SIGNING_KEY is not a private key');
  });

  it('with a key pair per caller and callee: SIGNING_KEY_<CALLEE> at the caller, CALLER_KEY_<CALLER> at the callee', async () => {
    // GIVEN web-bff with a key of its own for orders (and none shared), and orders trusting web-bff by name
    const edge = generateServiceKeyPair();
    const logger = fakeLogger();
    const app = createApiApp({ service: 'orders', version: '1.0.0', logger, docs: false, inboundAuth: inboundAuthFrom({ INBOUND_AUTH: 'ed25519', TRUSTED_CALLERS: 'web-bff', CALLER_KEY_WEB_BFF: edge.publicKey }, 'orders')! });
    app.openapi(ROUTES.getOrder, (c) => c.json({ item: 'book', id: c.req.valid('param').id, by: serviceCaller(c) ?? 'anonymous' }, 200));
    const send: FetchFn = async (url, init) => app.request(url, init);
    const fetchFn = outboundFetch('ed25519', '', { env: { SERVICE_NAME: 'web-bff', SIGNING_KEY_ORDERS: edge.privateKey }, callees: { orders: ORDERS }, fetch: send });
    // WHEN web-bff calls orders, and another caller signs with the shared key of web-bff's other edges
    const ok = await fetchFn(`${ORDERS}/orders/o7`);
    const other = outboundFetch('ed25519', '', { env: { SERVICE_NAME: 'web-bff', SERVICE_SIGNING_KEY: bff.privateKey }, callees: { orders: ORDERS }, fetch: send });
    const refused = await other(`${ORDERS}/orders/o7`);
    // THEN the edge's key is accepted and any other key is not
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ item: 'book', id: 'o7', by: 'web-bff' });
    expect(refused.status).toBe(401);
    // a name in TRUSTED_CALLERS without its CALLER_KEY_ fails at start-up, named
    expect(() => inboundAuthFrom({ INBOUND_AUTH: 'ed25519', TRUSTED_CALLERS: 'web-bff' }, 'orders')).toThrow('CALLER_KEY_WEB_BFF (the key of web-bff) is not set');
  });

  it('signs for the callee of the longest matching base URL, and sends nothing elsewhere', async () => {
    // GIVEN callees under one host, one of them below a path, and a recording fetch
    const sent: { url: string; headers: Record<string, string> }[] = [];
    const fetchFn = serviceSignedFetch({
      caller: 'web-bff',
      key: bff.privateKey,
      callees: { gateway: 'http://edge.internal', orders: 'http://edge.internal/orders-api/' },
      fetch: (url, init) => {
        sent.push({ url, headers: init?.headers as Record<string, string> });
        return Promise.resolve(new Response(null, { status: 204 }));
      },
      nonce: () => 'n'.repeat(22),
      now: () => 1_700_000_000_500,
    });
    // WHEN it calls both, and a host of no callee
    await fetchFn('http://edge.internal/orders-api/orders', { headers: { accept: 'application/json' } });
    await fetchFn('http://edge.internal/orders-apix');
    await expect(fetchFn('http://elsewhere.internal/x')).rejects.toThrow('http://elsewhere.internal is the base URL of no service web-bff calls');
    // THEN each request names its audience, with the caller's headers kept
    expect(sent.map((s) => s.headers[SERVICE_AUTH_HEADERS.audience])).toEqual(['orders', 'gateway']);
    expect(sent[0]!.headers).toMatchObject({ accept: 'application/json', 'x-allframe-caller': 'web-bff', 'x-allframe-timestamp': '1700000000', 'x-allframe-nonce': 'n'.repeat(22) });
    expect(sent[0]!.headers[SERVICE_AUTH_HEADERS.signature]).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it('refuses callees sharing a base URL, and names that could not appear in a signature', () => {
    const key = bff.privateKey;
    expect(() => serviceSignedFetch({ caller: 'web-bff', key, callees: { a: 'http://x:8080/', b: 'http://x:8080' } })).toThrow('two callees of web-bff have the base URL http://x:8080');
    expect(() => serviceSignedFetch({ caller: 'Web BFF', key, callees: {} })).toThrow("the caller's name must be lowercase letters, digits and hyphens");
  });

  it('signs what the callee reconstructs: the documented string', async () => {
    // GIVEN a fixed clock and nonce
    const { init } = await signedRequest(`${ORDERS}/orders?x=1`, { method: 'post', body: '{"item":"book"}' }, { now: () => 1_700_000_000_000 });
    // WHEN the documented string is verified against the signature, with Node alone
    const bodySha256 = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('{"item":"book"}'))).toString('base64url');
    const text = ['allframe-ed25519-v1', 'POST', '/orders?x=1', 'orders', 'web-bff', '1700000000', init.headers[SERVICE_AUTH_HEADERS.nonce], bodySha256].join('\n');
    const expected = sign(null, Buffer.from(text), signingKeyFrom(bff.privateKey)).toString('base64url');
    // THEN it is the signature sent (Ed25519 signatures are deterministic)
    expect(init.headers[SERVICE_AUTH_HEADERS.signature]).toBe(expected);
  });
});

describe('MemoryNonceCache', () => {
  it('remembers a nonce until it expires, and holds at most its bound', () => {
    // GIVEN a cache of two
    const cache = new MemoryNonceCache(2);
    // WHEN nonces come
    expect(cache.add('a', 1000, 0)).toBe(true);
    expect(cache.add('a', 1000, 10)).toBe(false);
    expect(cache.add('b', 1000, 10)).toBe(true);
    expect(cache.add('c', 1000, 20)).toBe(true);
    // THEN the oldest was forgotten to keep the bound, and an expired one is new again
    expect(cache.size).toBe(2);
    expect(cache.add('c', 1000, 30)).toBe(false);
    expect(cache.add('b', 1000, 1001)).toBe(true);
  });
});
