import type { ResiliencePolicy } from '@allframe/platform';

/** The fetch the client uses; tests pass a fake. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** A service answered with an error status. */
export class ServiceCallError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
  ) {
    super(`${service} answered ${status}`);
    this.name = 'ServiceCallError';
  }
}

/** Retry server errors, timeouts and network failures, never a 4xx. */
export function isRetryable(error: Error): boolean {
  return !(error instanceof ServiceCallError && error.status < 500);
}

/** JSON over HTTP to one service, every call through that service's resilience policy. */
export class ServiceClient {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly policy: ResiliencePolicy,
    private readonly fetchFn: Fetch = fetch,
  ) {}

  /** POSTs `body` as JSON with an idempotency key, so that retries are safe; the JSON answer, undefined when empty. */
  post(path: string, body: unknown, idempotencyKey: string): Promise<unknown> {
    return this.policy.execute(
      async (signal) => {
        const res = await this.fetchFn(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
          signal,
        });
        const text = await res.text();
        if (!res.ok) throw new ServiceCallError(this.name, res.status);
        return text === '' ? undefined : (JSON.parse(text) as unknown);
      },
      { idempotent: true },
    );
  }
}
