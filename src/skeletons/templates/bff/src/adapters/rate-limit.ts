import { currentTenant, problemResponse } from '@allframe/platform';
import type { MiddlewareHandler } from 'hono';

/** Where the rate limit takes a request's token. */
export interface RateLimiter {
  /** The bucket of the current request (looked up once: the request takes its token there, or waits on it). */
  bucket(): TokenBucket;
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

  /** One bucket for every request. */
  bucket(): TokenBucket {
    return this;
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

  /** The current tenant's bucket, now the most recently used. */
  bucket(): TokenBucket {
    const tenant = currentTenant() ?? '';
    const bucket = this.buckets.get(tenant) ?? this.newBucket();
    this.buckets.delete(tenant);
    this.buckets.set(tenant, bucket);
    if (this.buckets.size > this.maxTenants) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket;
  }
}

/** Hono middleware answering 429 (with `retry-after`) when the limiter has no token. */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler {
  return async (c, next) => {
    const bucket = limiter.bucket();
    if (!bucket.take()) return problemResponse(c, 429, 'rate limited: retry after the time in retry-after', undefined, { 'retry-after': String(bucket.retryAfterSeconds()) });
    await next();
  };
}
