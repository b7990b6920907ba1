import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleAll,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';

/** Errors a policy rejects with: circuit open, bulkhead full, attempt timed out. */
export { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError };

/** Options for {@link createPolicy}. */
export interface PolicyOptions {
  /**
   * `maxAttempts` counts every call, the first included (1 = no retry); the delay grows by `multiplier` per retry
   * (default 2), with jitter, up to `maxDelayMs`.
   */
  retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number; multiplier?: number };
  /** Opens after `failureThreshold` consecutive failures; lets one trial call through after `halfOpenAfterMs`. */
  circuitBreaker: { failureThreshold: number; halfOpenAfterMs: number };
  /** At most `maxConcurrent` calls run at once and `maxQueue` wait; further calls are rejected at once. */
  bulkhead: { maxConcurrent: number; maxQueue: number };
  /** Per attempt: the function's signal is aborted and the attempt rejects with TaskCancelledError. */
  timeoutMs: number;
  /** Retry only calls made with `{ idempotent: true }`. */
  retryIdempotentOnly?: boolean;
  /** Which errors are retried; all by default (an open circuit or a full bulkhead never is). */
  isRetryable?: (error: Error) => boolean;
}

/** Per-call options. */
export interface ExecuteOptions {
  /** The call can safely run twice (GET, PUT with a key…); required for retries under `retryIdempotentOnly`. */
  idempotent?: boolean;
}

/** State of the circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** A composed resilience policy: bulkhead → retry → circuit breaker → timeout. */
export interface ResiliencePolicy {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: ExecuteOptions): Promise<T>;
  breakerState(): BreakerState;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Builds a policy from cockatiel; share one instance per dependency so breaker and bulkhead state are shared. */
export function createPolicy(options: PolicyOptions): ResiliencePolicy {
  const isRetryable = options.isRetryable ?? (() => true);
  const retryPolicy = retry(
    handleWhen((e) => !(e instanceof BrokenCircuitError) && !(e instanceof BulkheadRejectedError) && isRetryable(e)),
    {
      maxAttempts: Math.max(0, options.retry.maxAttempts - 1),
      backoff: new ExponentialBackoff({
        initialDelay: options.retry.initialDelayMs,
        maxDelay: options.retry.maxDelayMs,
        exponent: options.retry.multiplier ?? 2,
      }),
    },
  );
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.circuitBreaker.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.circuitBreaker.failureThreshold),
  });
  const limiter = bulkhead(options.bulkhead.maxConcurrent, options.bulkhead.maxQueue);
  const perAttempt = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
  const withRetry = wrap(limiter, retryPolicy, breaker, perAttempt);
  const withoutRetry = wrap(limiter, breaker, perAttempt);

  return {
    execute<T>(fn: (signal: AbortSignal) => Promise<T>, call: ExecuteOptions = {}): Promise<T> {
      const retries = !options.retryIdempotentOnly || call.idempotent === true;
      // A function honouring its signal rejects with its own abort error: report it as the timeout it is.
      const attempt = ({ signal }: { signal: AbortSignal }): Promise<T> =>
        fn(signal).catch((err: unknown) => {
          throw signal.aborted ? new TaskCancelledError(`Operation timed out after ${options.timeoutMs}ms`) : err;
        });
      return (retries ? withRetry : withoutRetry).execute(attempt);
    },
    breakerState: () => STATES[breaker.state],
  };
}
