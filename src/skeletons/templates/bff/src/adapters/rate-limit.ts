import { problemResponse } from '@allframe/platform';
import type { MiddlewareHandler } from 'hono';

/** A token bucket: `capacity` tokens, refilled at `ratePerSecond`; each request takes one. Per instance. */
export class TokenBucket {
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

/** Hono middleware answering 429 (with `retry-after`) when the bucket is empty. */
export function rateLimit(bucket: TokenBucket): MiddlewareHandler {
  return async (c, next) => {
    if (!bucket.take()) return problemResponse(c, 429, 'rate limited: retry after the time in retry-after', undefined, { 'retry-after': String(bucket.retryAfterSeconds()) });
    await next();
  };
}
