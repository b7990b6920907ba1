import { trace } from '@opentelemetry/api';
import { HTTPException } from 'hono/http-exception';
import { createHttpApp, HttpError } from '../src/http';
import { httpHandler } from '../src/lambda';
import { createLogger } from '../src/logger';
import { fakeLogger, fakeTracer } from './fakes';

describe('createHttpApp', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers /healthz with 200 ok', async () => {
    // GIVEN an app
    const app = createHttpApp({ service: 'orders', logger: fakeLogger() });
    // WHEN the liveness probe is called
    const res = await app.request('/healthz');
    // THEN it is 200 { status: 'ok' }
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz from the readiness check: ready, not ready, or failing', async () => {
    // GIVEN apps whose readiness is true, false and throwing
    const logger = fakeLogger();
    const ready = createHttpApp({ service: 's', logger, ready: () => Promise.resolve(true) });
    const notReady = createHttpApp({ service: 's', logger, ready: () => false });
    const failing = createHttpApp({ service: 's', logger, ready: () => Promise.reject(new Error('db down')) });
    // WHEN the readiness probe is called on each
    const [a, b, c] = await Promise.all([ready.request('/readyz'), notReady.request('/readyz'), failing.request('/readyz')]);
    // THEN 200 ready, 503 not-ready, 503 not-ready with a warning
    expect([a.status, await a.json()]).toEqual([200, { status: 'ready' }]);
    expect([b.status, await b.json()]).toEqual([503, { status: 'not-ready' }]);
    expect([c.status, await c.json()]).toEqual([503, { status: 'not-ready' }]);
    expect(logger.warn).toHaveBeenCalledWith({ err: new Error('db down') }, 'readiness check failed');
  });

  it('is ready when no check is given', async () => {
    // GIVEN / WHEN
    const res = await createHttpApp({ service: 's', logger: fakeLogger() }).request('/readyz');
    // THEN
    expect(res.status).toBe(200);
  });

  it('logs one line per request with method, path, status and duration (probes at debug)', async () => {
    // GIVEN an app with a route
    const logger = fakeLogger();
    const app = createHttpApp({ service: 's', logger });
    app.post('/orders', (c) => c.json({ id: 'o1' }, 201));
    // WHEN a route and a probe are called
    await app.request('/orders', { method: 'POST' });
    await app.request('/healthz');
    // THEN the route is logged at info and the probe at debug
    expect(logger.info).toHaveBeenCalledWith(
      { method: 'POST', path: '/orders', status: 201, durationMs: expect.any(Number) as number },
      'request',
    );
    expect(logger.debug).toHaveBeenCalledWith(expect.objectContaining({ path: '/healthz', status: 200 }), 'request');
  });

  it('maps HttpError and HTTPException to their status and message', async () => {
    // GIVEN routes throwing client errors
    const app = createHttpApp({ service: 's', logger: fakeLogger() });
    app.get('/missing', () => {
      throw new HttpError(404, 'order not found');
    });
    app.get('/limited', () => {
      throw new HTTPException(429, { message: 'slow down' });
    });
    // WHEN they are called
    const a = await app.request('/missing');
    const b = await app.request('/limited');
    // THEN each is a problem details body (RFC 9457) with its status and message
    expect([a.status, a.headers.get('content-type'), await a.json()]).toEqual([404, 'application/problem+json', { type: 'about:blank', title: 'Not Found', status: 404, detail: 'order not found', instance: '/missing' }]);
    expect([b.status, await b.json()]).toEqual([429, { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'slow down', instance: '/limited' }]);
  });

  it('names each field at fault, and titles statuses it has no name for by their class', async () => {
    const app = createHttpApp({ service: 's', logger: fakeLogger() });
    app.post('/orders', () => {
      throw new HttpError(422, 'the order is not valid', [{ pointer: '#/lines/0/quantity', detail: 'must be at least 1' }, { parameter: 'limit', detail: 'too large' }]);
    });
    app.get('/teapot', () => {
      throw new HttpError(418, 'short and stout');
    });
    const res = await app.request('/orders', { method: 'POST' });
    expect(await res.json()).toMatchObject({ status: 422, title: 'Unprocessable Content', errors: [{ pointer: '#/lines/0/quantity', detail: 'must be at least 1' }, { parameter: 'limit', detail: 'too large' }] });
    expect(await (await app.request('/teapot')).json()).toMatchObject({ status: 418, title: 'Client Error' });
  });

  it('turns an unexpected error into a bare 500 problem without the stack, and logs it', async () => {
    // GIVEN a route that crashes
    const logger = fakeLogger();
    const app = createHttpApp({ service: 's', logger });
    app.get('/crash', () => {
      throw new Error('secret detail');
    });
    // WHEN it is called
    const res = await app.request('/crash');
    // THEN the client sees only a generic error and the log has the cause
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, instance: '/crash' });
    expect(text).not.toContain('secret');
    expect(logger.error).toHaveBeenCalledWith(
      { err: new Error('secret detail'), method: 'GET', path: '/crash' },
      'unhandled error',
    );
  });

  it('works with a real pino logger and a typed environment', async () => {
    // GIVEN an app with typed variables logging through pino into memory
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ service: 'orders', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const app = createHttpApp<{ Variables: { tenant: string } }>({ service: 'orders', logger });
    app.use('/t', async (c, next) => {
      c.set('tenant', 'acme');
      await next();
    });
    app.get('/t', (c) => c.text(c.get('tenant')));
    // WHEN a request is served (and the app also fits the Lambda adapter)
    const res = await app.request('/t');
    expect(typeof httpHandler(app)).toBe('function');
    // THEN the variable reached the handler and pino wrote the request line
    expect(await res.text()).toBe('acme');
    expect(lines).toContainEqual(expect.objectContaining({ service: 'orders', msg: 'request', path: '/t', status: 200 }));
  });

  it('answers unknown routes with a 404 problem', async () => {
    // GIVEN / WHEN
    const res = await createHttpApp({ service: 's', logger: fakeLogger() }).request('/nope');
    // THEN
    expect([res.status, await res.json()]).toEqual([404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no route for GET /nope', instance: '/nope' }]);
  });

  it('opens one span per request named after the route, flagging 5xx', async () => {
    // GIVEN a fake tracer and an app with a parameterised route that fails
    const fake = fakeTracer();
    const getTracer = jest.spyOn(trace, 'getTracer').mockReturnValue(fake.tracer);
    const logger = fakeLogger();
    const app = createHttpApp({ service: 'orders', logger });
    app.get('/orders/:id', () => {
      throw new Error('x');
    });
    // WHEN it is called
    await app.request('/orders/o1');
    // THEN the span is started, renamed to the route, given HTTP attributes and an error status, and ended
    expect(getTracer).toHaveBeenCalledWith('orders');
    expect(fake.started[0]?.name).toBe('GET /orders/o1');
    expect(fake.span.updateName).toHaveBeenCalledWith('GET /orders/:id');
    expect(fake.span.setAttributes).toHaveBeenCalledWith({
      'http.request.method': 'GET',
      'url.path': '/orders/o1',
      'http.response.status_code': 500,
    });
    expect(fake.span.setStatus).toHaveBeenCalledWith({ code: 2 });
    expect(fake.span.end).toHaveBeenCalledTimes(1);
    // AND the request log line carries the trace id
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ traceId: '0af7651916cd43dd8448eb211c80319c' }), 'request');
  });
});
