import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http';
import { currentTenant, TENANT_ID, tenantContext } from './tenant-context';

export { currentTenant };

/**
 * The tenant a piece of work runs for (architecture.multi_tenant): taken once at the edge (a request's header or JWT
 * claim, an event's `tenant`) and carried from there by the async context, so the code between never passes it by
 * hand: the logger writes it on every line, `newEvent` stamps it on every event, the repositories scope their keys
 * with it. Outside any tenant's work (start-up, a relay's sweep) there is none.
 */
const storage = tenantContext;

export { TENANT_ID };

/** Thrown when a tenant id is missing where one is required, or is not a {@link TENANT_ID} (a 400 at the edge). */
export class TenantError extends HttpError {
  constructor(message: string) {
    super(400, message);
    this.name = 'TenantError';
  }
}

/** `id` when it is a valid tenant id; a {@link TenantError} naming where it came from otherwise. */
export function checkTenantId(id: string, from: string): string {
  if (!TENANT_ID.test(id)) throw new TenantError(`${from}: ${JSON.stringify(id.length > 70 ? `${id.slice(0, 70)}…` : id)} is no tenant id (lowercase letters, digits and -, 1 to 63 characters)`);
  return id;
}

/** Runs `work` for `tenant`: everything it awaits sees {@link currentTenant} return it. */
export function runWithTenant<T>(tenant: string, work: () => T): T {
  return storage.run(checkTenantId(tenant, 'tenant'), work);
}

/** The tenant the current work runs for; a {@link TenantError} when there is none (code that must not run unscoped). */
export function requireTenant(): string {
  const tenant = storage.getStore();
  if (tenant === undefined) throw new TenantError('no tenant: this runs only for a tenant (a request with its tenant header or claim, or a tenant\'s event)');
  return tenant;
}

/**
 * `key` as the current tenant's (`<tenant>:<key>`), or as it is outside any tenant's work: a key sent on to a shared
 * party, such as the idempotency key a gateway passes to its provider, which would otherwise answer one tenant's
 * request with another's result when both chose the same key.
 */
export function tenantScopedKey(key: string): string {
  const tenant = storage.getStore();
  return tenant === undefined ? key : `${tenant}:${key}`;
}

/** Where {@link tenantMiddleware} finds the tenant of a request. */
export interface TenantSource {
  /** The request header naming the tenant (tenant.header, e.g. `X-Tenant-ID`). */
  readonly header: string;
  /**
   * The verified JWT claim naming the tenant, read from the claims an earlier middleware set on the context under
   * `jwtPayload` (Hono's JWT middleware does) or, on Lambda, from those API Gateway's JWT authorizer verified. When
   * both are present they must agree: a caller may not pick another tenant than its token's with the header.
   * @default - the header only
   */
  readonly claim?: string;
  /**
   * Paths served without a tenant (health, readiness, the OpenAPI document and docs).
   * @default ['/healthz', '/readyz', '/openapi.json', '/docs']
   */
  readonly open?: readonly string[];
}

const OPEN_PATHS: readonly string[] = ['/healthz', '/readyz', '/openapi.json', '/docs'];

/** The claims API Gateway verified for a Lambda function behind an HTTP API's JWT authorizer (`requestContext.authorizer.jwt.claims`). */
function apiGatewayClaims(env: unknown): Record<string, unknown> | undefined {
  const event = (env as { event?: { requestContext?: { authorizer?: { jwt?: { claims?: unknown } } } } } | undefined)?.event;
  const claims = event?.requestContext?.authorizer?.jwt?.claims;
  return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
}

/**
 * Takes each request's tenant from its claim or header and runs the rest of the request for it; a request without
 * one (on a path that is not open), with an invalid one, or whose header and claim disagree is a 400 problem and
 * reaches no route.
 *
 * With `source.claim`, a request that comes with verified claims (Hono's JWT middleware's `jwtPayload`, or on Lambda
 * the claims API Gateway's JWT authorizer verified) must name its tenant in that claim: a token without it is refused,
 * never read from the header, which may only repeat it. A request with no verified claims at all (a local run, where
 * no authorizer stands in front) takes the header.
 */
export function tenantMiddleware(source: TenantSource): MiddlewareHandler {
  const open = new Set(source.open ?? OPEN_PATHS);
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    const header = c.req.header(source.header);
    const claims = source.claim !== undefined ? ((c.get('jwtPayload') as Record<string, unknown> | undefined) ?? apiGatewayClaims(c.env)) : undefined;
    let tenant = header;
    let from = source.header;
    if (claims !== undefined) {
      const claimed = claims[source.claim!];
      if (claimed === undefined) throw new TenantError(`the token has no ${source.claim!} claim naming its tenant`);
      if (typeof claimed !== 'string') throw new TenantError(`the token's ${source.claim!} claim is not a string`);
      if (header !== undefined && header !== claimed) throw new TenantError(`${source.header} names another tenant than the token's ${source.claim!} claim`);
      tenant = claimed;
      from = `the ${source.claim!} claim`;
    }
    if (tenant === undefined) throw new TenantError(`the request names no tenant: send ${source.header}${source.claim !== undefined ? ` or a token with a ${source.claim} claim` : ''}`);
    const id = checkTenantId(tenant, from);
    await storage.run(id, () => next());
  };
}

/**
 * The tenant source of a service: its requests' tenant in `header` (tenant.header), and on a public service in the
 * verified token's `claim` (tenant.claim); undefined without a header (one tenant).
 */
export function tenantSourceOf(header: string, claim?: string): TenantSource;
export function tenantSourceOf(header: string | undefined, claim?: string): TenantSource | undefined;
export function tenantSourceOf(header: string | undefined, claim?: string): TenantSource | undefined {
  if (header === undefined) return undefined;
  return claim === undefined ? { header } : { header, claim };
}
