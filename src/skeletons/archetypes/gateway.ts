/**
 * gateway: one client per external provider (base URL from configuration, API key from the secrets read at
 * start-up), every call through the platform's resilience policy, idempotent forwarding, events after each call.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, configFile, httpEntries } from '../common';
import { camel, constant } from '../names';
import { secretNamesOf } from '../../resolve/model';
import { secretsWiring } from '../secrets';
import { FAILURE_EVENT, policyLiteral } from './saga-orchestrator';

export function renderGateway(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const integrations = s.spec.integrations ?? { providers: [s.name.replace(/-gateway$/, '')] };
  const providers = integrations.providers;
  const secrets = secretNamesOf(s);
  const secretOf = (p: string) => secrets.find((x) => x.startsWith(`${constant(p)}_`));
  const publishes = s.spec.publishes ?? [];
  const onSuccess = publishes.filter((e) => !FAILURE_EVENT.test(e));
  const onFailure = publishes.filter((e) => FAILURE_EVENT.test(e));
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const keyHeader = s.spec.idempotency?.key_header ?? 'Idempotency-Key';
  const timeoutMs = integrations.timeout_ms ?? 10000;
  const baseUrl = integrations.base_url;
  const extra: Record<string, ConfigVar> = {
    ...Object.fromEntries(
      providers.map((p) => [
        `${constant(p)}_BASE_URL`,
        (baseUrl !== undefined ? { kind: 'string', default: baseUrl, description: `Base URL of the ${p} API` } : { kind: 'string', required: true, description: `Base URL of the ${p} API` }) satisfies ConfigVar,
      ]),
    ),
  };
  const testUrls = baseUrl === undefined ? providers.map((p) => `${constant(p)}_BASE_URL: 'https://${p}.test'`) : [];
  const testEnv = testUrls.length > 0 ? `{ ${testUrls.join(', ')} }` : '{}';
  const w = secretsWiring(ctx);
  const files: OutputFile[] = [servicePackage(ctx, ['hono']), configFile(ctx, extra), dockerfile(ctx, 'server'), ...httpEntries(ctx, { relay: outbox })];

  // ---- managed: the provider client
  files.push(
    managed(
      `${ctx.dir}/src/adapters/provider-client.ts`,
      `import type { BreakerState, ResiliencePolicy } from '${P}';

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
    super(\`\${provider} answered \${status}\`);
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

  /** Sends \`request\`; it may be retried only when safe (GET, PUT, DELETE, or with an idempotency key). */
  send(request: ProviderRequest): Promise<ProviderResponse> {
    const idempotent = request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE' || request.idempotencyKey !== undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = \`Bearer \${this.apiKey}\`;
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    const url = \`\${this.baseUrl.replace(/\\/+$/, '')}\${request.path}\`;
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
`,
    ),
    managed(
      `${ctx.dir}/test/provider-client.test.ts`,
      `import { createPolicy } from '${P}';
import { ProviderClient, ProviderError, isRetryable, type Fetch } from '../src/adapters/provider-client';

const policy = (retryIdempotentOnly: boolean) =>
  createPolicy({
    retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    circuitBreaker: { failureThreshold: 10, halfOpenAfterMs: 1000 },
    bulkhead: { maxConcurrent: 10, maxQueue: 10 },
    timeoutMs: 1000,
    retryIdempotentOnly,
    isRetryable,
  });

function fakeFetch(...responses: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: Fetch = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(responses.shift() ?? new Response('{}'));
  };
  return { calls, fn };
}

describe('ProviderClient', () => {
  test('sends JSON with the API key and the idempotency key, and parses the answer', async () => {
    const { calls, fn } = fakeFetch(new Response('{"id":"r1"}', { status: 201 }));
    const client = new ProviderClient('acme', 'https://acme.test/', 'secret', policy(true), fn);
    await expect(client.send({ method: 'POST', path: '/v1/things', body: { a: 1 }, idempotencyKey: 'k1' })).resolves.toEqual({ status: 201, body: { id: 'r1' } });
    expect(calls[0]?.url).toBe('https://acme.test/v1/things');
    expect(calls[0]?.init.headers).toEqual({ accept: 'application/json', 'content-type': 'application/json', authorization: 'Bearer secret', 'idempotency-key': 'k1' });
  });

  test('text and empty answers, no API key', async () => {
    const { calls, fn } = fakeFetch(new Response('plain'), new Response(''));
    const client = new ProviderClient('acme', 'https://acme.test', undefined, policy(true), fn);
    await expect(client.send({ method: 'GET', path: '/a' })).resolves.toEqual({ status: 200, body: 'plain' });
    await expect(client.send({ method: 'DELETE', path: '/b' })).resolves.toEqual({ status: 200, body: undefined });
    expect(calls[0]?.init.headers).toEqual({ accept: 'application/json' });
  });

  test('idempotent calls are retried on server errors; unsafe ones and client errors are not', async () => {
    const retried = fakeFetch(new Response('', { status: 503 }), new Response('{}'));
    await new ProviderClient('acme', 'https://acme.test', 'k', policy(true), retried.fn).send({ method: 'PUT', path: '/x', body: {} });
    expect(retried.calls).toHaveLength(2);
    const unsafe = fakeFetch(new Response('', { status: 503 }));
    await expect(new ProviderClient('acme', 'https://acme.test', 'k', policy(true), unsafe.fn).send({ method: 'POST', path: '/x' })).rejects.toBeInstanceOf(ProviderError);
    expect(unsafe.calls).toHaveLength(1);
    const refused = fakeFetch(new Response('', { status: 400 }));
    await expect(new ProviderClient('acme', 'https://acme.test', 'k', policy(false), refused.fn).send({ method: 'GET', path: '/x' })).rejects.toThrow('acme answered 400');
    expect(refused.calls).toHaveLength(1);
    expect(isRetryable(new ProviderError('acme', 429))).toBe(true);
  });

  test('reports its circuit breaker state', () => {
    expect(new ProviderClient('acme', 'https://acme.test', 'k', policy(true), fakeFetch().fn).breakerState()).toBe('closed');
  });
});
`,
    ),
  );

  // ---- managed: secrets, wiring and routes
  const imports = ['closePools', 'createEventSink', ...(idem ? ['createIdempotencyStore'] : []), 'createLogger', ...(outbox ? ['createOutbox'] : []), 'createPolicy', 'createPublisher', ...(outbox ? ['OutboxRelay'] : [])];
  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { ${imports.join(', ')} } from '${P}';
import type { EventSink, IdempotencyStore, Logger, PolicyOptions } from '${P}';
import { ProviderClient, isRetryable, type Fetch } from './adapters/provider-client';
import type { Config } from './config';
${w.importType}
/** Resilience of every provider call (one policy per provider, from the architecture's resolved resilience). */
export const POLICY: PolicyOptions = ${policyLiteral(ctx, timeoutMs, s.resilience.retry.idempotent_only, ['isRetryable'])};

/** Everything the application needs from the outside world. */
export interface Dependencies {
${w.field}  readonly logger: Logger;
  readonly events: EventSink;
  readonly providers: {
${providers.map((p) => `    readonly ${camel(p)}: ProviderClient;`).join('\n')}
  };
  readonly idempotency: IdempotencyStore | undefined;
${outbox ? '  readonly relay: OutboxRelay;\n' : ''}  close(): Promise<void>;
}

/** One client per provider (its API key from the secrets read at start-up), real or in-memory adapters as configured. */
export function createDependencies(config: Config${w.param}, fetchFn: Fetch = fetch): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
${outbox ? '  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL);\n' : ''}  return {
${w.prop}    logger,
    events: createEventSink(publisher${outbox ? ', outbox' : ''}),
    providers: {
${providers.map((p) => `      ${camel(p)}: new ProviderClient('${p}', config.${constant(p)}_BASE_URL, ${secretOf(p) ? `secrets.${secretOf(p)!}` : 'undefined'}, createPolicy(POLICY), fetchFn),`).join('\n')}
    },
    idempotency: ${idem ? `createIdempotencyStore(config.STORE, \`\${config.TABLE_PREFIX}-idempotency\`, config.DATABASE_URL)` : 'undefined'},
${outbox ? '    relay: new OutboxRelay(outbox, publisher, logger),\n' : ''}    close: () => closePools(),
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp${idem ? ', idempotency' : ''} } from '${P}';
import { GatewayService } from './application/gateway-service';
import type { Dependencies } from './deps';

const SOURCE = '${s.name}';

/** The HTTP app: one forwarding route per provider; ready while no provider's circuit is open. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({
    service: SOURCE,
    logger: deps.logger,
    ready: () => Object.values(deps.providers).every((p) => p.breakerState() !== 'open'),
  });
${idem ? `  if (deps.idempotency) {\n    app.use('*', idempotency({ store: deps.idempotency, header: '${keyHeader}', ttlSeconds: ${(s.spec.idempotency?.ttl_hours ?? 24) * 3600} }));\n  }\n` : ''}  const gateway = new GatewayService(deps.events, SOURCE);
${providers
  .map(
    (p) => `  app.post('/${p}/requests', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    return c.json(await gateway.forward(deps.providers.${camel(p)}, body, c.req.header('${keyHeader}')));
  });`,
  )
  .join('\n')}
  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/test/deps.test.ts`,
      `import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';

const ENV = ${testEnv};

describe('dependency wiring', () => {
  test('one client per provider, in-memory adapters by default', async () => {
    const deps = createDependencies(loadConfig(ENV)${w.testArg});
    expect(Object.keys(deps.providers)).toEqual(${JSON.stringify(providers.map(camel))});
${outbox ? '    await expect(deps.relay.runOnce()).resolves.toBe(0);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });
});
`,
    ),
  );

  // ---- owned: domain and application
  const emit = (events: string[], data: string, indent: string) => (events.length > 0 ? `${indent}await this.events.emit([${events.map((e) => `newEvent('${e}', this.source, ${data})`).join(', ')}]);\n` : '');
  files.push(
    owned(
      `${ctx.dir}/src/domain/provider-request.ts`,
      `import { HttpError } from '${P}';
import type { Method, ProviderRequest } from '../adapters/provider-client';

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Validates a forwarding request \`{ method?, path, body? }\` (method POST by default). The path is relative to the
 * provider's base URL: anything that could leave it (a scheme, //, ..) is refused.
 */
export function parseProviderRequest(input: unknown, idempotencyKey: string | undefined): ProviderRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'expected a JSON object');
  const { method = 'POST', path, body } = input as { method?: unknown; path?: unknown; body?: unknown };
  if (typeof method !== 'string' || !METHODS.has(method)) throw new HttpError(400, 'method must be one of GET, POST, PUT, PATCH, DELETE');
  if (typeof path !== 'string' || !/^\\/(?!\\/)/.test(path) || path.includes('..') || path.includes('://')) {
    throw new HttpError(400, 'path must be a path on the provider, starting with /');
  }
  return { method: method as Method, path, body, ...(idempotencyKey ? { idempotencyKey } : {}) };
}
`,
    ),
    owned(
      `${ctx.dir}/src/application/gateway-service.ts`,
      `import { HttpError${publishes.length > 0 ? ', newEvent' : ''} } from '${P}';
import type { EventSink } from '${P}';
import type { ProviderClient, ProviderResponse } from '../adapters/provider-client';
import { parseProviderRequest } from '../domain/provider-request';

/** Forwards requests to a provider and publishes the outcome${publishes.length > 0 ? ` (${publishes.join(', ')})` : ''}. */
export class GatewayService {
  constructor(
    private readonly events: EventSink,
    private readonly source: string,
  ) {}

  /** Sends the request; a provider failure (error status, timeout, open circuit) is a 502. */
  async forward(provider: ProviderClient, input: unknown, idempotencyKey?: string): Promise<ProviderResponse> {
    const request = parseProviderRequest(input, idempotencyKey);
    let response: ProviderResponse;
    try {
      response = await provider.send(request);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
${emit(onFailure, '{ provider: provider.name, path: request.path, error }', '      ')}      throw new HttpError(502, \`\${provider.name}: \${error}\`);
    }
${emit(onSuccess, '{ provider: provider.name, path: request.path, status: response.status }', '    ')}    return response;
  }
}
`,
    ),
  );

  // ---- owned test: forwarding against a fake fetch
  const p0 = providers[0]!;
  files.push(
    owned(
      `${ctx.dir}/test/gateway.test.ts`,
      `import { ${idem ? 'MemoryIdempotencyStore, ' : ''}${outbox ? 'MemoryOutbox, ' : ''}MemoryPublisher, ${outbox ? 'OutboxRelay, ' : ''}createEventSink, createLogger, createPolicy } from '${P}';
import { ProviderClient, isRetryable, type Fetch } from '../src/adapters/provider-client';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';

/** A gateway whose providers answer with \`respond\`; failureThreshold 1 opens a circuit on the first failure. */
function setup(respond: (url: string) => Response, failureThreshold = 5) {
  const calls: string[] = [];
  const fetchFn: Fetch = (url) => {
    calls.push(url);
    return Promise.resolve(respond(url));
  };
  const policy = () =>
    createPolicy({
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: { failureThreshold, halfOpenAfterMs: 60_000 },
      bulkhead: { maxConcurrent: 10, maxQueue: 10 },
      timeoutMs: 1000,
      retryIdempotentOnly: true,
      isRetryable,
    });
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
${w.testProp}    logger,
    events: createEventSink(publisher),
    providers: {
${providers.map((p) => `      ${camel(p)}: new ProviderClient('${p}', 'https://${p}.test', 'test-key', policy(), fetchFn),`).join('\n')}
    },
    idempotency: ${idem ? 'new MemoryIdempotencyStore()' : 'undefined'},
${outbox ? '    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger),\n' : ''}    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, calls };
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

describe('${s.name}', () => {
  test('forwards a request to the provider and publishes the success', async () => {
    // GIVEN a provider that answers 201
    const { app, publisher, calls } = setup(() => new Response('{"id":"x1"}', { status: 201 }));
    // WHEN a request is forwarded
    const res = await app.request('/${p0}/requests', post({ path: '/v1/resources', body: { amount: 1 } }));
    // THEN the answer comes back and the success is published
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 201, body: { id: 'x1' } });
    expect(calls).toEqual(['https://${p0}.test/v1/resources']);
    expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(onSuccess)});
  });
${providers
  .slice(1)
  .map(
    (p) => `
  test('forwards to ${p}', async () => {
    const { app, calls } = setup(() => new Response('{}'));
    expect((await app.request('/${p}/requests', post({ method: 'GET', path: '/status' }))).status).toBe(200);
    expect(calls).toEqual(['https://${p}.test/status']);
  });
`,
  )
  .join('')}
  test('a provider failure is a 502 and publishes the failure', async () => {
    const { app, publisher } = setup(() => new Response('down', { status: 500 }));
    const res = await app.request('/${p0}/requests', post({ path: '/v1/resources' }));
    expect(res.status).toBe(502);
    expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(onFailure)});
  });

  test('requests with an idempotency key are retried${idem ? ' and replayed' : ''}', async () => {
    // GIVEN a provider that fails once, then succeeds
    let failures = 1;
    const { app, calls } = setup(() => (failures-- > 0 ? new Response('', { status: 503 }) : new Response('{}')));
    // WHEN the same keyed request is sent twice
    const first = await app.request('/${p0}/requests', post({ path: '/v1/resources' }, { '${keyHeader}': 'k1' }));
    const second = await app.request('/${p0}/requests', post({ path: '/v1/resources' }, { '${keyHeader}': 'k1' }));
    // THEN the provider saw the retry${idem ? ', and the second answer is the stored one' : ''}
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(calls).toHaveLength(${idem ? 2 : 3});
${idem ? "    expect(second.headers.get('Idempotent-Replayed')).toBe('true');\n" : ''}  });

  test('invalid requests are 400s', async () => {
    const { app, calls } = setup(() => new Response('{}'));
    for (const body of [[1], { path: 'relative' }, { path: '//evil.example.com/x' }, { path: '/../x' }, { path: '/x', method: 'TRACE' }]) {
      expect((await app.request('/${p0}/requests', post(body))).status).toBe(400);
    }
    expect((await app.request('/${p0}/requests', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect(calls).toEqual([]);
  });

  test('not ready while a provider circuit is open', async () => {
    // GIVEN a provider whose circuit opens on the first failure
    const { app } = setup(() => new Response('', { status: 500 }), 1);
    expect((await app.request('/readyz')).status).toBe(200);
    // WHEN a call fails
    await app.request('/${p0}/requests', post({ path: '/v1/resources' }));
    // THEN the gateway reports not ready, and health stays up
    expect((await app.request('/readyz')).status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
`,
    ),
  );
  return files;
}
