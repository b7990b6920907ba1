import type { BreakerState, ResiliencePolicy } from '@allframe/platform';

/** The fetch the client uses; tests pass a fake. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request to a provider, relative to its base URL. */
export interface ProviderRequest {
  readonly method: Method;
  readonly path: string;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
}

/** The provider's answer: its status and its body (parsed when JSON). */
export interface ProviderResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A provider answered with an error status. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly status: number,
  ) {
    super(`${provider} answered ${status}`);
    this.name = 'ProviderError';
  }
}

/** Retry server errors, 429s, timeouts and network failures, never another 4xx. */
export function isRetryable(error: Error): boolean {
  return !(error instanceof ProviderError && error.status < 500 && error.status !== 429);
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One external provider: its base URL and API key, every call through its own resilience policy. */
export class ProviderClient {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly policy: ResiliencePolicy,
    private readonly fetchFn: Fetch = fetch,
  ) {}

  /** Sends `request`; it may be retried only when safe (GET, PUT, DELETE, or with an idempotency key). */
  send(request: ProviderRequest): Promise<ProviderResponse> {
    const idempotent = request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE' || request.idempotencyKey !== undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    const url = `${this.baseUrl.replace(/\/+$/, '')}${request.path}`;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    return this.policy.execute(async (signal) => {
      const res = await this.fetchFn(url, { method: request.method, headers, body, signal });
      const text = await res.text();
      if (!res.ok) throw new ProviderError(this.name, res.status);
      return { status: res.status, body: parse(text) };
    }, { idempotent });
  }

  /** The circuit breaker's state: open means the provider is failing and calls are refused. */
  breakerState(): BreakerState {
    return this.policy.breakerState();
  }
}
