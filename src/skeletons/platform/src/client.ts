/**
 * Typed clients of the services a service depends on, made from the callee's route definitions: the same
 * `createRoute` objects its OpenAPI document is generated from. A caller's argument and result types are the
 * callee's zod schemas, so a change to the callee's schemas that breaks a caller fails the caller's type-check; at
 * run time the answer is checked against the same schema (a broken contract is an error naming the field, not
 * data of the wrong shape further on).
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import { problemFields } from './api';
import type { ProblemField } from './http';
import type { ResiliencePolicy } from './resilience';
import { currentTenant } from './tenant-context';

/** What a client passes to its fetch. */
export interface ClientRequestInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
}

/** The fetch a client calls (outboundFetch signs it; tests pass a fake). */
export type ClientFetch = (url: string, init: ClientRequestInit) => Promise<Response>;

type JsonSchema<C> = C extends { content: { 'application/json': { schema: infer S extends z.ZodType } } } ? S : never;
type Params<R> = R extends { request: { params: infer P extends z.ZodType } } ? { readonly params: z.input<P> } : unknown;
type Query<R> = R extends { request: { query: infer Q extends z.ZodType } } ? { readonly query?: z.input<Q> } : unknown;
type Body<R> = R extends { request: { body: infer B } } ? { readonly body: z.input<JsonSchema<B>> } : unknown;
type Success = 200 | 201 | 202 | 204;
type Answer<A> = A extends { content: infer C } ? (C extends { 'application/json': { schema: infer S extends z.ZodType } } ? z.output<S> : never) : undefined;

/** What a call of route R takes: its path parameters, query and JSON body, as the callee's schemas accept them. */
export type CallInput<R> = Params<R> & Query<R> & Body<R>;
/** What a call of route R answers: the callee's schema of each success status (undefined for one without a body). */
export type CallOutput<R> = R extends { responses: infer A } ? { [S in keyof A & Success]: Answer<A[S]> }[keyof A & Success] : never;

/** One method per route of the callee, named as the callee names its routes; a POST may take an idempotency key. */
export type TypedClient<Routes> = { readonly [K in keyof Routes]: (input: CallInput<Routes[K]>, idempotencyKey?: string) => Promise<CallOutput<Routes[K]>> };

/** The callee answered with an error status: its problem details, when it sent them. */
export class ServiceCallError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly problem?: { readonly detail?: string; readonly errors?: readonly ProblemField[] },
  ) {
    super(`${service} answered ${status}${problem?.detail === undefined ? '' : `: ${problem.detail}`}`);
    this.name = 'ServiceCallError';
  }
}

/** The callee answered something its own schema does not allow: the contract is broken, the fields named. */
export class ContractError extends Error {
  constructor(
    readonly service: string,
    readonly route: string,
    readonly errors: readonly ProblemField[],
  ) {
    super(`${service} ${route} answered outside its schema: ${errors.map((e) => `${e.pointer ?? e.parameter ?? ''} ${e.detail}`).join('; ')}`);
    this.name = 'ContractError';
  }
}

/** Retry server errors, timeouts and network failures, never a 4xx nor a broken contract. */
export function isRetryableCall(error: Error): boolean {
  return !(error instanceof ContractError) && !(error instanceof ServiceCallError && error.status < 500);
}

/** Options of {@link typedClient}. */
export interface TypedClientOptions {
  /** Every call goes through it (retries only where the method is idempotent, or with an idempotency key). */
  readonly policy: ResiliencePolicy;
  readonly fetch?: ClientFetch;
  /** Sent as the idempotency key header of POST calls, when the caller gives a key: `Idempotency-Key`. */
  readonly idempotencyHeader?: string;
  /**
   * The header naming the tenant (tenant.header): a call made for a tenant carries it, so that the callee works for
   * the same tenant. @default - no tenant header
   */
  readonly tenantHeader?: string;
}

const IDEMPOTENT = new Set(['get', 'put', 'delete', 'head', 'options']);

function url(baseUrl: string, route: RouteConfig, input: Record<string, unknown>): string {
  const params = (input['params'] ?? {}) as Record<string, unknown>;
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries((input['query'] ?? {}) as Record<string, unknown>)) if (v !== undefined) query.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return `${baseUrl.replace(/\/+$/, '')}${path}${search}`;
}

async function problemOf(res: Response): Promise<{ detail?: string; errors?: ProblemField[] } | undefined> {
  try {
    return (await res.json()) as { detail?: string; errors?: ProblemField[] };
  } catch {
    return undefined;
  }
}

/**
 * A client of `service` at `baseUrl` with one method per route of `routes` (the callee's `createRoute` objects):
 * `users.getUser({ params: { id } })`. A POST takes an idempotency key as its second argument, so its retries are
 * safe; the other methods are retried as the policy says. An error status is a {@link ServiceCallError}, an answer
 * outside the callee's schema a {@link ContractError}.
 */
export function typedClient<Routes extends Record<string, RouteConfig>>(service: string, baseUrl: string, routes: Routes, options: TypedClientOptions): TypedClient<Routes> {
  const fetchFn: ClientFetch = options.fetch ?? ((target, init) => fetch(target, init));
  const call = (name: string, route: RouteConfig) => (input: Record<string, unknown>, idempotencyKey?: string) =>
    options.policy.execute(
      async (signal) => {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (input['body'] !== undefined) headers['content-type'] = 'application/json';
        if (idempotencyKey !== undefined) headers[options.idempotencyHeader ?? 'idempotency-key'] = idempotencyKey;
        const tenant = options.tenantHeader !== undefined ? currentTenant() : undefined;
        if (tenant !== undefined) headers[options.tenantHeader!.toLowerCase()] = tenant;
        const res = await fetchFn(url(baseUrl, route, input), { method: route.method.toUpperCase(), headers, ...(input['body'] === undefined ? {} : { body: JSON.stringify(input['body']) }), signal });
        if (!res.ok) throw new ServiceCallError(service, res.status, await problemOf(res));
        const schema = (route.responses[res.status] as { content?: Record<string, { schema?: z.ZodType }> } | undefined)?.content?.['application/json']?.schema;
        if (schema === undefined) return undefined;
        const parsed = schema.safeParse(await res.json());
        if (!parsed.success) throw new ContractError(service, name, problemFields(parsed.error, 'json'));
        return parsed.data;
      },
      { idempotent: IDEMPOTENT.has(route.method) || idempotencyKey !== undefined },
    );
  return Object.fromEntries(Object.entries(routes).map(([name, route]) => [name, call(name, route)])) as never;
}
