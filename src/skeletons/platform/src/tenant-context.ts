/**
 * The tenant the current work runs for, in an async context (see tenant.ts, which sets it). Its own module, importing
 * nothing of the platform, so that the modules reading it (tracing, the logger, events, clients) import no HTTP code.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The async context holding the current tenant (set by tenant.ts's runWithTenant and tenantMiddleware only). */
export const tenantContext = new AsyncLocalStorage<string>();

/** The tenant the current work runs for, if any. */
export function currentTenant(): string | undefined {
  return tenantContext.getStore();
}

/** The field every stored item of a tenant-scoped repository carries: its tenant. An entity's own `tenant` is overwritten. */
export const TENANT_FIELD = 'tenant';

/** What a tenant id may be: lowercase letters, digits and `-`, 1 to 63 characters, starting with a letter or digit. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `tenant` when it is a valid tenant id (before it names a schema or a database); an Error otherwise. */
export function assertTenantId(tenant: string): string {
  if (!TENANT_ID.test(tenant)) throw new Error(`invalid tenant id ${JSON.stringify(tenant.slice(0, 70))}`);
  return tenant;
}
