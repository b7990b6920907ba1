import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { createPolicy, type PolicyOptions } from '../src/resilience';

const base: PolicyOptions = {
  retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
  circuitBreaker: { failureThreshold: 100, halfOpenAfterMs: 50 },
  bulkhead: { maxConcurrent: 10, maxQueue: 10 },
  timeoutMs: 500,
};

function failing(times: number, value = 'ok'): jest.Mock<Promise<string>, [AbortSignal]> {
  let calls = 0;
  return jest.fn((_signal: AbortSignal) => (++calls <= times ? Promise.reject(new Error(`fail ${calls}`)) : Promise.resolve(value)));
}

describe('createPolicy', () => {
  it('retries with backoff until success, counting every attempt', async () => {
    // GIVEN a call failing twice and a policy allowing 3 attempts
    const policy = createPolicy(base);
    const fn = failing(2);
    // WHEN executed
    const result = await policy.execute(fn);
    // THEN it was attempted 3 times and succeeded, each with an abort signal
    expect(result).toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(fn.mock.calls[0]?.[0]).toBeInstanceOf(AbortSignal);
  });

  it('takes the file\'s backoff multiplier (resilience.retry.multiplier) and still retries to success', async () => {
    // GIVEN a policy whose delays grow by 1.5 per retry (capped at maxDelayMs)
    const policy = createPolicy({ ...base, retry: { ...base.retry, multiplier: 1.5 } });
    const fn = failing(2);
    // WHEN executed / THEN it retried to success
    await expect(policy.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('gives up after maxAttempts with the last error', async () => {
    // GIVEN a call that always fails
    const policy = createPolicy(base);
    const fn = failing(10);
    // WHEN / THEN
    await expect(policy.execute(fn)).rejects.toThrow('fail 3');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('does not retry errors isRetryable rejects', async () => {
    // GIVEN a policy that retries only "transient" errors
    const policy = createPolicy({ ...base, isRetryable: (e) => e.message.includes('transient') });
    const fn = failing(5);
    // WHEN / THEN
    await expect(policy.execute(fn)).rejects.toThrow('fail 1');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('with retryIdempotentOnly, retries only calls marked idempotent', async () => {
    // GIVEN such a policy
    const policy = createPolicy({ ...base, retryIdempotentOnly: true });
    const unsafe = failing(1);
    const safe = failing(1);
    // WHEN both fail once
    await expect(policy.execute(unsafe)).rejects.toThrow('fail 1');
    await expect(policy.execute(safe, { idempotent: true })).resolves.toBe('ok');
    // THEN only the idempotent call was retried
    expect(unsafe).toHaveBeenCalledTimes(1);
    expect(safe).toHaveBeenCalledTimes(2);
  });

  it('opens the breaker after consecutive failures, then half-opens and closes on success', async () => {
    // GIVEN a breaker opening after 2 failures, without retries, on fake timers
    jest.useFakeTimers({ now: 0 });
    try {
      const policy = createPolicy({ ...base, retry: { ...base.retry, maxAttempts: 1 }, circuitBreaker: { failureThreshold: 2, halfOpenAfterMs: 1_000 } });
      const fn = failing(2);
      // WHEN two calls fail
      await expect(policy.execute(fn)).rejects.toThrow('fail 1');
      await expect(policy.execute(fn)).rejects.toThrow('fail 2');
      // THEN the circuit is open and the next call fails fast without running
      expect(policy.breakerState()).toBe('open');
      await expect(policy.execute(fn)).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(fn).toHaveBeenCalledTimes(2);
      // WHEN the half-open delay passes and a trial call succeeds
      jest.setSystemTime(1_001);
      await expect(policy.execute(fn)).resolves.toBe('ok');
      // THEN it is closed again
      expect(policy.breakerState()).toBe('closed');
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not retry into an open circuit', async () => {
    // GIVEN a breaker opening after 1 failure and 3 attempts allowed
    const policy = createPolicy({ ...base, circuitBreaker: { failureThreshold: 1, halfOpenAfterMs: 10_000 } });
    const fn = failing(5);
    // WHEN the call fails
    await expect(policy.execute(fn)).rejects.toBeInstanceOf(BrokenCircuitError);
    // THEN it ran once: the retry saw the open circuit and stopped
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects calls beyond the bulkhead at once', async () => {
    // GIVEN one slot and no queue, with a call holding the slot
    const policy = createPolicy({ ...base, bulkhead: { maxConcurrent: 1, maxQueue: 0 } });
    let release: (v: string) => void = () => undefined;
    const slow = policy.execute(() => new Promise<string>((r) => (release = r)));
    // WHEN another call arrives
    const rejected = policy.execute(() => Promise.resolve('never'));
    // THEN it is rejected by the bulkhead, and the first completes
    await expect(rejected).rejects.toBeInstanceOf(BulkheadRejectedError);
    release('done');
    await expect(slow).resolves.toBe('done');
  });

  it('times out an attempt that ignores its signal', async () => {
    // GIVEN a 20 ms timeout, no retries, and a call that never settles
    const policy = createPolicy({ ...base, retry: { ...base.retry, maxAttempts: 1 }, timeoutMs: 20 });
    // WHEN / THEN it is rejected as cancelled
    await expect(policy.execute(() => new Promise<string>(() => undefined))).rejects.toThrow('Operation timed out after 20ms');
  });

  it('times out an attempt and aborts its signal', async () => {
    // GIVEN a 20 ms timeout, no retries, and a call that never resolves by itself
    const policy = createPolicy({ ...base, retry: { ...base.retry, maxAttempts: 1 }, timeoutMs: 20 });
    let aborted = false;
    // WHEN executed
    const promise = policy.execute(
      (signal) =>
        new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    // THEN it is cancelled and the signal fired
    await expect(promise).rejects.toBeInstanceOf(TaskCancelledError);
    expect(aborted).toBe(true);
  });

  it('treats maxAttempts below 1 as a single attempt', async () => {
    const policy = createPolicy({ ...base, retry: { ...base.retry, maxAttempts: 0 } });
    const fn = failing(1);
    await expect(policy.execute(fn)).rejects.toThrow('fail 1');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(policy.breakerState()).toBe('closed');
  });
});
