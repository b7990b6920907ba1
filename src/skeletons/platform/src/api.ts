import { swaggerUI } from '@hono/swagger-ui';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Env, MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import type { ZodError } from 'zod';
import { PROBLEM_JSON, installHttpBasics, problemResponse, type HttpAppOptions, type ProblemField } from './http';
import { MAX_PAGE_SIZE, type PageQuery } from './page';

/** Where an API app serves its OpenAPI document. */
export const OPENAPI_PATH = '/openapi.json';
/** Where an API app serves its interactive docs, when they are on. */
export const DOCS_PATH = '/docs';

/** Options for {@link createApiApp}. */
export interface ApiAppOptions extends HttpAppOptions {
  /** The API's version, in the document's `info`. */
  readonly version: string;
  /** Serve the interactive docs page (Swagger UI) at /docs. */
  readonly docs: boolean;
}

/** The fields of a failed validation, as problem details name them: a pointer into the body, else the parameter. */
export function problemFields(error: ZodError, target: string): ProblemField[] {
  const field = (path: readonly PropertyKey[], detail: string): ProblemField => {
    const segments = path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1'));
    return target === 'json' ? { pointer: `#/${segments.join('/')}`, detail } : { parameter: String(path[0] ?? target), detail };
  };
  const fields = (issues: readonly ZodError['issues'][number][], prefix: readonly PropertyKey[]): ProblemField[] =>
    issues.flatMap((issue) => {
      const path = [...prefix, ...issue.path];
      // an unknown key is named by the key itself: the issue's path is that of the object holding it
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => field([...path, key], `unknown ${target === 'json' ? 'field' : 'parameter'}`));
      // none of a union's alternatives matched: the fields of the one that came closest (of the same type as the
      // value, the fewest issues, the first on a tie)
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const distance = (issues: readonly ZodError['issues'][number][]) => (issues.some((i) => i.code === 'invalid_type' && i.path.length === 0) ? 1_000_000 : 0) + issues.length;
        const closest = issue.errors.reduce((a, b) => (distance(b) < distance(a) ? b : a));
        if (closest.length > 0) return fields(closest, path);
      }
      return [field(path, issue.message)];
    });
  return fields(error.issues, []);
}

/**
 * An HTTP app whose routes are declared with their schemas (`app.openapi(createRoute(...), handler)` from
 * `@hono/zod-openapi`): everything {@link createHttpApp} gives, requests checked against the schemas (a 422 problem
 * naming each field otherwise), the OpenAPI 3.1 document of the routes at /openapi.json, and the docs page at /docs
 * when `docs` is on.
 */
export function createApiApp<E extends Env = BlankEnv>(options: ApiAppOptions): OpenAPIHono<E> {
  const app = new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (!result.success) return problemResponse(c, 422, `the request's ${result.target === 'json' ? 'body' : result.target} does not match its schema`, problemFields(result.error, result.target));
      return undefined;
    },
  });
  installHttpBasics(app, options);
  app.doc31(OPENAPI_PATH, openApiInfo(options));
  if (options.docs) app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: `${options.service} API` }));
  return app;
}

/** The OpenAPI object's head: version 3.1.0, the service's name and version. */
export function openApiInfo(options: Pick<ApiAppOptions, 'service' | 'version'>) {
  return { openapi: '3.1.0', info: { title: options.service, version: options.version } };
}

/** The OpenAPI 3.1 document of an API app's routes, as /openapi.json serves it. */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>, options: Pick<ApiAppOptions, 'service' | 'version'>): ReturnType<OpenAPIHono<E>['getOpenAPI31Document']> {
  return app.getOpenAPI31Document(openApiInfo(options));
}

/** A route's JSON content (a request body or a response) of `schema`, as createRoute takes it. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

/**
 * An event envelope (events.ts) as a route takes it: `data` is any JSON, each event type's contract being its own
 * concern; other fields are dropped.
 */
export const EventEnvelopeSchema = z
  .object({
    id: z.string().min(1),
    type: z.string().min(1),
    source: z.string().min(1),
    time: z.string().openapi({ description: 'ISO-8601 timestamp', example: '2026-01-01T00:00:00.000Z' }),
    data: z.unknown().openapi({ description: "The event's payload: any JSON" }),
    tenant: z.string().optional(),
  })
  .openapi('EventEnvelope');

/** A JSON object with any keys: a body this service takes as it comes (and says so in its document). */
export const JsonObjectSchema = z.record(z.string(), z.unknown()).openapi({ description: 'Any JSON object' });

/**
 * Route middleware (`createRoute({ middleware: [bodyAsJson] })`) of a route that machines push to: its body is read
 * as JSON whatever the content type says. A Pub/Sub push without wrapper sends the message's data as it is, with
 * no `application/json`, which a schema route would otherwise refuse with a 415.
 */
export const bodyAsJson: MiddlewareHandler = async (c, next) => {
  if (!/^application\/([a-z-.]+\+)?json/i.test(c.req.header('content-type') ?? '')) {
    const headers = new Headers(c.req.raw.headers);
    headers.set('content-type', 'application/json');
    c.req.raw = new Request(c.req.raw, { headers });
  }
  await next();
};

/** The path parameters of a route on one item: `{id}`. */
export const IdParamsSchema = z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' } }) });

/** Problem details (RFC 9457) as the OpenAPI document describes them. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'about:blank' }),
    title: z.string().openapi({ example: 'Unprocessable Content' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string().optional(), parameter: z.string().optional(), detail: z.string() })).optional(),
  })
  .openapi('Problem');

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is malformed (a body that is not JSON, a cursor this service did not hand out)',
  401: 'Missing or wrong credentials',
  404: 'No such item',
  409: 'The request conflicts with the current state',
  422: 'The request does not match its schema; `errors` names each field',
  502: 'A call this request made failed (an error status, a timeout, an open circuit)',
};

/** The responses of a route's error statuses, as problem details; every route also answers 500 that way. */
export function problemResponses(...statuses: readonly number[]) {
  const content = { [PROBLEM_JSON]: { schema: ProblemSchema } };
  return Object.fromEntries([...statuses, 500].map((status) => [status, { content, description: PROBLEM_DESCRIPTIONS[status] ?? 'An unexpected error (logged; the response says nothing of it)' }])) as Record<number, { content: typeof content; description: string }>;
}

/** A page of `item` (see page.ts), registered in the document as `name`. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().optional().openapi({ description: 'Pass as `cursor` for the next page; absent on the last one' }),
    })
    .openapi(name);
}

/** The query of a list route: `limit`, `cursor` and an equality filter on each of `filters`; any other parameter is a 422. */
export function pageQuerySchema<F extends string>(filters: readonly F[]) {
  const filterShape = Object.fromEntries(
    filters.map((f) => [f, z.string().optional().openapi({ param: { name: f, in: 'query' }, description: `Only items whose ${f} is this` })]),
  ) as Record<F, z.ZodOptional<z.ZodString>>;
  return z
    .object({
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional().openapi({ param: { name: 'limit', in: 'query' }, description: `Items per page (default 20, at most ${MAX_PAGE_SIZE})` }),
      cursor: z.string().optional().openapi({ param: { name: 'cursor', in: 'query' }, description: 'The `nextCursor` of the previous page' }),
      ...filterShape,
    })
    .strict();
}

/** The page query of a validated list query (pageQuerySchema): filters that are absent are not filters. */
export function toPageQuery(query: Readonly<Record<string, string | number | undefined>>): PageQuery {
  const { limit, cursor, ...rest } = query;
  const where = Object.fromEntries(Object.entries(rest).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { ...(typeof limit === 'number' ? { limit } : {}), ...(typeof cursor === 'string' ? { cursor } : {}), ...(Object.keys(where).length > 0 ? { where } : {}) };
}
