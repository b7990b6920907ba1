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
