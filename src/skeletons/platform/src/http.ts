import { isSpanContextValid, SpanStatusCode } from '@opentelemetry/api';
import { Hono, type Env, type MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from './logger';
import { setTracerName, withSpan } from './tracing';

/** An error whose status and message are returned to the client as `{ error: message }`. */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(status: ContentfulStatusCode, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** Options for {@link createHttpApp}. */
export interface HttpAppOptions {
  service: string;
  logger: Logger;
  /** Readiness check behind `GET /readyz`; a throw counts as not ready. Ready when omitted. */
  ready?: () => Promise<boolean> | boolean;
}

const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Creates a Hono app with health and readiness probes, one log line (with the trace id when tracing is on) and one
 * span per request, JSON 404s, and an
 * error handler that maps {@link HttpError} to its status and anything else to `500 { error: 'internal' }`.
 */
export function createHttpApp<E extends Env = BlankEnv>(options: HttpAppOptions): Hono<E> {
  const { logger, ready } = options;
  setTracerName(options.service);
  const app = new Hono<E>();

  const observe: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    const method = c.req.method;
    await withSpan(`${method} ${c.req.path}`, async (span) => {
      await next();
      const status = c.res.status;
      span.updateName(`${method} ${routePath(c, -1)}`);
      span.setAttributes({ 'http.request.method': method, 'url.path': c.req.path, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      const line: Record<string, unknown> = { method, path: c.req.path, status, durationMs: Math.round(performance.now() - started) };
      const context = span.spanContext();
      if (isSpanContextValid(context)) line.traceId = context.traceId;
      if (PROBES.has(c.req.path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
  };
  app.use('*', observe);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    let ok: boolean;
    try {
      ok = ready ? await ready() : true;
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      ok = false;
    }
    return ok ? c.json({ status: 'ready' }) : c.json({ status: 'not-ready' }, 503);
  });

  app.notFound((c) => c.json({ error: 'not-found' }, 404));
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal' }, 500);
  });
  return app;
}
