import { currentTenant, problemResponse } from '@allframe/platform';
import type { MiddlewareHandler } from 'hono';

/** What the rate limit asks of a request: a token, and how long to wait when there is none. */
export interface RateLimiter {
  /** Takes a token; false when there is none. */
  take(): boolean;
  /** Whole seconds until the next token. */
  retryAfterSeconds(): number;
}

/** A token bucket: `capacity` tokens, refilled at `ratePerSecond`; each request takes one. Per instance. */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes a token; false when the bucket is empty. */
  take(): boolean {
    const time = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((time - this.last) / 1000) * this.ratePerSecond);
    this.last = time;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until the next token. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond));
  }
}

/**
 * A bucket per tenant (architecture.multi_tenant): a tenant that spends its requests leaves the others theirs; with
 * one tenant, one bucket. Up to `maxTenants` buckets are kept, the least recently used dropped first (its tenant's next
 * request starts a full one).
 */
export class TenantBuckets implements RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly newBucket: () => TokenBucket,
    private readonly maxTenants = 10_000,
  ) {}

  take(): boolean {
    return this.current().take();
  }

  retryAfterSeconds(): number {
    return this.current().retryAfterSeconds();
  }

  /** The current tenant's bucket, now the most recently used. */
  private current(): TokenBucket {
    const tenant = currentTenant() ?? '';
    const bucket = this.buckets.get(tenant) ?? this.newBucket();
    this.buckets.delete(tenant);
    this.buckets.set(tenant, bucket);
    if (this.buckets.size > this.maxTenants) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket;
  }
}

/** Hono middleware answering 429 (with `retry-after`) when the limiter has no token. */
export function rateLimit(bucket: RateLimiter): MiddlewareHandler {
  return async (c, next) => {
    if (!bucket.take()) return problemResponse(c, 429, 'rate limited: retry after the time in retry-after', undefined, { 'retry-after': String(bucket.retryAfterSeconds()) });
    await next();
  };
}
