import { isSpanContextValid, SpanStatusCode } from '@opentelemetry/api';
import { Hono, type Context, type Env, type MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from './logger';
import { inboundAuthFrom, ServiceVerifier, type ServiceVerifierOptions } from './service-auth';
import { setTracerName, withSpan } from './tracing';

/** One problem with one part of a request: where (a JSON Pointer into the body, or a parameter's name), and what. */
export interface ProblemField {
  /** `#/items/0/name`: a JSON Pointer into the request body (RFC 6901, as a URI fragment). */
  readonly pointer?: string;
  /** A query, path or header parameter's name. */
  readonly parameter?: string;
  readonly detail: string;
}

/**
 * A problem details body (RFC 9457), served as `application/problem+json`. `type` is `about:blank`: the status says
 * what kind of problem it is; `detail` says what went wrong this time; `errors` names each field at fault.
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly ProblemField[];
}

/** An error returned to the client as a problem details body with its status, its message as `detail`. */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  /** The fields at fault, for a 400 or 422. */
  readonly errors?: readonly ProblemField[];

  constructor(status: ContentfulStatusCode, message: string, errors?: readonly ProblemField[]) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    if (errors !== undefined) this.errors = errors;
  }
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The media type of problem details (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json';

/** A problem details response: `status`, its title, `detail` and the fields at fault; the request path as `instance`. */
export function problemResponse(c: Context, status: ContentfulStatusCode, detail?: string, errors?: readonly ProblemField[], headers: Record<string, string> = {}): Response {
  const body: Problem = {
    type: 'about:blank',
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    ...(detail !== undefined ? { detail } : {}),
    instance: c.req.path,
    ...(errors !== undefined && errors.length > 0 ? { errors } : {}),
  };
  return c.body(JSON.stringify(body), status, { ...headers, 'content-type': PROBLEM_JSON });
}

/** Options for {@link createHttpApp}. */
export interface HttpAppOptions {
  service: string;
  logger: Logger;
  /** Readiness check behind `GET /readyz`; a throw counts as not ready. Ready when omitted. */
  ready?: () => Promise<boolean> | boolean;
  /**
   * Which services may call the app: every request but the probes is checked by {@link serviceAuth} with a verifier
   * of these options (signed by a trusted caller, for this service); `false` checks nothing.
   * @default - as the environment says (`inboundAuthFrom(process.env, service)`: INBOUND_AUTH, TRUSTED_CALLERS,
   * INBOUND_AUTH_WINDOW_SECONDS, SERVICE_NAME): nothing checked unless INBOUND_AUTH is set
   */
  inboundAuth?: ServiceVerifierOptions | false;
}

const PROBES = new Set(['/healthz', '/readyz']);

/** The scheme a 401 of {@link serviceAuth} names in its `WWW-Authenticate` header. */
export const SERVICE_AUTH_SCHEME = 'Allframe-Ed25519';

/** Where {@link serviceAuth} keeps the verified caller in the request's context. */
const CALLER = 'allframe.serviceCaller';

/**
 * The service a request came from, as its verified signature says; undefined when the request was not signed (a
 * public service's end user) or the app checks no signatures.
 */
export function serviceCaller(c: Context): string | undefined {
  return c.get(CALLER) as string | undefined;
}

/**
 * Middleware accepting only the requests `verifier` accepts (the probes /healthz and /readyz stay open): a refusal is
 * a problem details response, 401 (not signed, malformed, signed for another service, stale, not verifying, replayed;
 * with `WWW-Authenticate: Allframe-Ed25519 realm="<service>"`) or 403 (a caller the service does not trust), and a
 * warning naming the reason, the claimed caller, the method and the path (never a signature or a key). The caller
 * of an accepted request is {@link serviceCaller}.
 */
export function serviceAuth(verifier: ServiceVerifier, logger: Logger, service: string): MiddlewareHandler {
  return async (c, next) => {
    if (PROBES.has(c.req.path)) return next();
    const verdict = await verifier.verify(c.req.raw);
    if (!verdict.ok) {
      logger.warn({ status: verdict.status, reason: verdict.reason, caller: verdict.caller, method: c.req.method, path: c.req.path }, 'service call refused');
      const challenge: Record<string, string> = verdict.status === 401 ? { 'www-authenticate': `${SERVICE_AUTH_SCHEME} realm="${service}"` } : {};
      return problemResponse(c, verdict.status, verdict.reason, undefined, challenge);
    }
    if (verdict.caller !== undefined) c.set(CALLER, verdict.caller);
    return next();
  };
}

/**
 * Creates a Hono app with health and readiness probes, one log line (with the trace id when tracing is on) and one
 * span per request, the callers checked when INBOUND_AUTH (or `inboundAuth`) says so, and problem details (RFC 9457) for every error: {@link HttpError} with its status, detail and
 * fields, an unknown route as a 404, anything else as a 500 that says nothing of its cause (which is logged).
 */
export function createHttpApp<E extends Env = BlankEnv>(options: HttpAppOptions): Hono<E> {
  const app = new Hono<E>();
  installHttpBasics(app, options);
  return app;
}

/** What {@link createHttpApp} gives every app, installed on `app` (a Hono or a subclass: the API app of api.ts). */
export function installHttpBasics<E extends Env>(app: Hono<E>, options: HttpAppOptions): void {
  const { logger, ready } = options;
  setTracerName(options.service);

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
  const inbound = options.inboundAuth ?? inboundAuthFrom(process.env, options.service) ?? false;
  if (inbound !== false) app.use('*', serviceAuth(new ServiceVerifier(inbound), logger, inbound.service));

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

  app.notFound((c) => problemResponse(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HttpError) return problemResponse(c, err.status, err.message, err.errors);
    if (err instanceof HTTPException) return problemResponse(c, err.status, err.message);
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return problemResponse(c, 500);
  });
}
