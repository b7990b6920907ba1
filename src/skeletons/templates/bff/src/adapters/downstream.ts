import { currentTenant, tenantScopedKey, TtlCache } from '@allframe/platform';
import type { ResiliencePolicy } from '@allframe/platform';
import type { Downstream, DownstreamResponse } from '../ports';

/** The part of `fetch` the client uses; tests pass a fake. */
export type Fetch = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

/** A downstream answered with a server error (it is retried and counts against the circuit breaker). */
export class DownstreamError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
  ) {
    super(`${service} answered ${status}`);
    this.name = 'DownstreamError';
  }
}

/** {@link Downstream} over HTTP, every call through the service's resilience policy (GETs are idempotent). */
export class HttpDownstream implements Downstream {
  private readonly baseUrl: string;

  constructor(
    readonly name: string,
    baseUrl: string,
    private readonly policy: ResiliencePolicy,
    private readonly fetchFn: Fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  get(path: string): Promise<DownstreamResponse> {
    return this.policy.execute(
      async (signal) => {
        const headers: Record<string, string> = { accept: 'application/json' };
        // architecture.multi_tenant: the call is made for the request's tenant, which the service called keeps to
        const tenant = currentTenant();
        if (tenant !== undefined) headers['__tenantHeaderName__'] = tenant;
        const res = await this.fetchFn(this.baseUrl + path, { signal, headers });
        if (res.status >= 500) throw new DownstreamError(this.name, res.status);
        return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/octet-stream', body: await res.text() };
      },
      { idempotent: true },
    );
  }
}

/**
 * Caches a downstream's 200 responses for `ttlSeconds`, per path (query string included) and, with
 * architecture.multi_tenant, per tenant: one tenant's answer is never served to another.
 */
export class CachedDownstream implements Downstream {
  private readonly cache: TtlCache<DownstreamResponse>;

  constructor(
    private readonly inner: Downstream,
    ttlSeconds: number,
    now: () => number = Date.now,
  ) {
    this.cache = new TtlCache<DownstreamResponse>({ ttlMs: ttlSeconds * 1000, now });
  }

  get name(): string {
    return this.inner.name;
  }

  async get(path: string): Promise<DownstreamResponse> {
    // the tenant's answer only: `<tenant>:<path>` (the path as it is outside any tenant's work)
    const key = tenantScopedKey(path);
    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true };
    const res = await this.inner.get(path);
    if (res.status === 200) this.cache.set(key, res);
    return res;
  }
}
