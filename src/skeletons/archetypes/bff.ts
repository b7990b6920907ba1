/**
 * bff: a backend for a frontend. One resilient HTTP client per aggregated service (base URL from configuration),
 * a response cache (TtlCache, bff.caching.ttl_seconds), GET proxies per service, GET /overview aggregating every
 * downstream in parallel (partial results with the failures listed), and a token-bucket rate limit.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, configFile, httpEntries } from '../common';
import { constant, kebab, plural } from '../names';
import { outboundConfig, WITH_AWS_ENV } from '../outbound';
import { entitiesOf } from './stateless';

/** Configuration of the outbound resilience policy, defaulted from the resolved resilience settings. */
export function resilienceConfig(ctx: ServiceContext, timeoutMs = 5000): Record<string, ConfigVar> {
  const r = ctx.service.resilience;
  const int = (value: number, description: string): ConfigVar => ({ kind: 'int', default: String(value), description });
  return {
    DOWNSTREAM_TIMEOUT_MS: int(timeoutMs, 'Timeout of one outbound attempt, in milliseconds'),
    RETRY_MAX_ATTEMPTS: int(r.retry.max_attempts, 'Attempts of an outbound call, the first included'),
    RETRY_INITIAL_INTERVAL_MS: int(r.retry.initial_interval_ms, 'Delay before the first retry, in milliseconds'),
    RETRY_MAX_INTERVAL_MS: int(r.retry.max_interval_ms, 'Upper bound of the delay between retries, in milliseconds'),
    BREAKER_FAILURE_THRESHOLD: int(r.circuit_breaker.failure_threshold, 'Consecutive failures that open a circuit'),
    BREAKER_HALF_OPEN_AFTER_MS: int(r.circuit_breaker.timeout_ms, 'How long a circuit stays open before a trial call, in milliseconds'),
    BULKHEAD_MAX_CONCURRENT: int(r.bulkhead.max_concurrent, 'Concurrent outbound calls per downstream'),
    BULKHEAD_MAX_QUEUE: int(r.bulkhead.max_queue, 'Outbound calls waiting for a slot per downstream'),
  };
}

/** The path /overview reads from a downstream: the first entity's collection of a CRUD service, else `/`. */
function overviewPath(ctx: ServiceContext, name: string): string {
  const target = ctx.model.services.find((s) => s.name === name);
  if (target?.kind !== 'stateless') return '/';
  const first = entitiesOf({ ...ctx, service: target })[0];
  return first === undefined ? '/' : `/${plural(kebab(first))}`;
}

export function renderBff(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const aggregates = s.spec.bff?.aggregates ?? [];
  const ttl = s.spec.bff?.caching?.ttl_seconds ?? 60;
  const rate = s.resilience.rate_limit;
  const extra: Record<string, ConfigVar> = {
    ...Object.fromEntries(aggregates.map((a) => [`${constant(a)}_URL`, { kind: 'string', default: `http://${a}:8080`, description: `Base URL of ${a}` } satisfies ConfigVar])),
    ...outboundConfig(),
    CACHE_TTL_SECONDS: { kind: 'int', default: String(ttl), description: 'Response cache TTL in seconds (0: no caching)' },
    RATE_LIMIT_RPS: { kind: 'int', default: String(rate.rps), description: 'Requests per second one instance accepts (token refill rate)' },
    RATE_LIMIT_BURST: { kind: 'int', default: String(rate.burst), description: 'Requests one instance accepts at once (token bucket size)' },
    ...resilienceConfig(ctx),
  };
  const files: OutputFile[] = [servicePackage(ctx, ['hono']), configFile(ctx, extra), ...httpEntries(ctx), dockerfile(ctx, 'server')];

  files.push(
    managed(
      `${ctx.dir}/README.md`,
      `# ${s.name}

${s.spec.responsibility ? `${s.spec.responsibility}\n\n` : ''}Backend for frontend (archetype \`bff\`) aggregating ${aggregates.map((a) => `\`${a}\``).join(', ')}.

- \`GET /<service>/<path>\` proxies a GET to the service (GETs only), through a circuit breaker, retries, a
  bulkhead and a timeout (\`createPolicy\`), configured by the \`RETRY_*\`, \`BREAKER_*\`, \`BULKHEAD_*\` and \`DOWNSTREAM_TIMEOUT_MS\`
  variables. Base URLs: ${aggregates.map((a) => `\`${constant(a)}_URL\``).join(', ')}. With \`OUTBOUND_AUTH=aws-iam\` the calls are
  signed with SigV4 for \`AWS_REGION\` (services behind API Gateway's IAM authorization, as the AWS target deploys them);
  with \`OUTBOUND_AUTH=google-id-token\` they carry a Google ID token whose audience is the called URL's origin (Cloud
  Run services that only let their invokers in, as the GCP target deploys them).
- Successful (200) responses are cached in memory for \`CACHE_TTL_SECONDS\` (${ttl}${ttl === 0 ? ': caching off' : ' s'}); the \`x-cache\`
  header says \`hit\` or \`miss\`. The cache is per instance.
- \`GET /overview\` calls every service at once and returns what answered, with the failures under \`errors\`
  (502 only when nothing answered). The path read per service is \`OVERVIEW_PATHS\` in \`src/application/bff-service.ts\`.
- Every route but the probes is rate limited per instance by a token bucket: \`RATE_LIMIT_BURST\` requests at
  once, refilled at \`RATE_LIMIT_RPS\` per second (429 with \`retry-after\` beyond that).
`,
    ),
    managed(
      `${ctx.dir}/src/ports.ts`,
      `/** A downstream response, as the BFF passes it on. */
export interface DownstreamResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Served from the response cache. */
  readonly cached?: boolean;
}

/** Port: one aggregated service, read over HTTP. */
export interface Downstream {
  readonly name: string;
  /** GETs \`path\` (with its query string); rejects when the service is unavailable (5xx, timeout, open circuit). */
  get(path: string): Promise<DownstreamResponse>;
}
`,
    ),
    managed(
      `${ctx.dir}/src/adapters/downstream.ts`,
      `import { TtlCache } from '${P}';
import type { ResiliencePolicy } from '${P}';
import type { Downstream, DownstreamResponse } from '../ports';

/** The part of \`fetch\` the client uses; tests pass a fake. */
export type Fetch = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

/** A downstream answered with a server error (it is retried and counts against the circuit breaker). */
export class DownstreamError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
  ) {
    super(\`\${service} answered \${status}\`);
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
    this.baseUrl = baseUrl.replace(/\\/+$/, '');
  }

  get(path: string): Promise<DownstreamResponse> {
    return this.policy.execute(
      async (signal) => {
        const res = await this.fetchFn(this.baseUrl + path, { signal, headers: { accept: 'application/json' } });
        if (res.status >= 500) throw new DownstreamError(this.name, res.status);
        return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/octet-stream', body: await res.text() };
      },
      { idempotent: true },
    );
  }
}

/** Caches a downstream's 200 responses for \`ttlSeconds\`, per path (query string included). */
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
    const hit = this.cache.get(path);
    if (hit) return { ...hit, cached: true };
    const res = await this.inner.get(path);
    if (res.status === 200) this.cache.set(path, res);
    return res;
  }
}
`,
    ),
    managed(
      `${ctx.dir}/src/adapters/rate-limit.ts`,
      `import type { MiddlewareHandler } from 'hono';

/** A token bucket: \`capacity\` tokens, refilled at \`ratePerSecond\`; each request takes one. Per instance. */
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

/** Hono middleware answering 429 (with \`retry-after\`) when the bucket is empty. */
export function rateLimit(bucket: TokenBucket): MiddlewareHandler {
  return async (c, next) => {
    if (!bucket.take()) return c.json({ error: 'rate-limited' }, 429, { 'retry-after': String(bucket.retryAfterSeconds()) });
    await next();
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createLogger, createPolicy, outboundFetch } from '${P}';
import type { Logger } from '${P}';
import { CachedDownstream, HttpDownstream } from './adapters/downstream';
import type { Fetch } from './adapters/downstream';
import { TokenBucket } from './adapters/rate-limit';
import type { Config } from './config';
${secretsWiring(ctx).importType}import type { Downstream } from './ports';

/** Everything the application needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  /** The aggregated services, by name. */
  readonly downstreams: Readonly<Record<string, Downstream>>;
  readonly limiter: TokenBucket;
  close(): Promise<void>;
}

/** Seams for tests: the HTTP client and the clock of the cache and the rate limiter. */
export interface DependencyOptions {
  /** @default - fetch, signing with SigV4 when OUTBOUND_AUTH is aws-iam, with a Google ID token when google-id-token */
  readonly fetch?: Fetch;
  readonly now?: () => number;
}

/** One resilient (and, with a TTL, cached) client per aggregated service. */
export function createDependencies(config: Config${secretsWiring(ctx).param}, options: DependencyOptions = {}): Dependencies {
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION);
  const downstream = (name: string, url: string): Downstream => {
    const policy = createPolicy({
      // resilience.retry.multiplier (a fraction, so not an integer variable): fixed at generation
      retry: { maxAttempts: config.RETRY_MAX_ATTEMPTS, initialDelayMs: config.RETRY_INITIAL_INTERVAL_MS, maxDelayMs: config.RETRY_MAX_INTERVAL_MS, multiplier: ${s.resilience.retry.multiplier} },
      circuitBreaker: { failureThreshold: config.BREAKER_FAILURE_THRESHOLD, halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS },
      bulkhead: { maxConcurrent: config.BULKHEAD_MAX_CONCURRENT, maxQueue: config.BULKHEAD_MAX_QUEUE },
      timeoutMs: config.DOWNSTREAM_TIMEOUT_MS,
    });
    const http = new HttpDownstream(name, url, policy, fetchFn);
    return config.CACHE_TTL_SECONDS > 0 ? new CachedDownstream(http, config.CACHE_TTL_SECONDS, now) : http;
  };
  return {
${secretsWiring(ctx).prop}    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    downstreams: {
${aggregates.map((a) => `      '${a}': downstream('${a}', config.${constant(a)}_URL),`).join('\n')}
    },
    limiter: new TokenBucket(config.RATE_LIMIT_RPS, Math.max(1, config.RATE_LIMIT_BURST), now),
    close: () => closePools(),
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp } from '${P}';
import { rateLimit } from './adapters/rate-limit';
import { BffService } from './application/bff-service';
import type { Dependencies } from './deps';

const NULL_BODY = new Set([204, 205, 304]);

/** The HTTP app: probes, then (rate limited) GET /overview and a GET proxy per aggregated service. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: '${s.name}', logger: deps.logger });
  const bff = new BffService(deps.downstreams);
  app.use('*', rateLimit(deps.limiter));
  app.get('/overview', async (c) => {
    const overview = await bff.overview();
    return c.json(overview, Object.keys(overview.results).length === 0 ? 502 : 200);
  });
  for (const name of Object.keys(deps.downstreams)) {
    app.get(\`/\${name}/*\`, async (c) => {
      const url = new URL(c.req.url);
      const res = await bff.proxy(name, (url.pathname.slice(name.length + 1) || '/') + url.search);
      const headers = { 'content-type': res.contentType, 'x-cache': res.cached ? 'hit' : 'miss' };
      return new Response(NULL_BODY.has(res.status) ? null : res.body, { status: res.status, headers });
    });
  }
  return app;
}
`,
    ),
    owned(
      `${ctx.dir}/src/application/bff-service.ts`,
      `import { HttpError } from '${P}';
import type { Downstream, DownstreamResponse } from '../ports';

/** What GET /overview reads from each aggregated service. Change the paths to what your frontend needs. */
export const OVERVIEW_PATHS: Readonly<Record<string, string>> = {
${aggregates.map((a) => `  '${a}': '${overviewPath(ctx, a)}',`).join('\n')}
};

/** GET /overview: what each service answered, and the services that failed. */
export interface Overview {
  readonly results: Record<string, unknown>;
  readonly errors: { service: string; error: string }[];
}

/** Use cases of the BFF: pass reads through, and aggregate the services into one response. */
export class BffService {
  constructor(private readonly downstreams: Readonly<Record<string, Downstream>>) {}

  /** A GET on one service; 502 when it is unavailable. */
  async proxy(service: string, path: string): Promise<DownstreamResponse> {
    const downstream = this.downstreams[service];
    if (!downstream) throw new HttpError(404, \`unknown service \${service}\`);
    try {
      return await downstream.get(path);
    } catch {
      throw new HttpError(502, \`\${service} is unavailable\`);
    }
  }

  /** Every service at once; a failing one (unavailable, or an error status) is listed under errors. */
  async overview(): Promise<Overview> {
    const entries = Object.entries(OVERVIEW_PATHS);
    const settled = await Promise.allSettled(entries.map(([service, path]) => this.proxy(service, path)));
    const results: Record<string, unknown> = {};
    const errors: Overview['errors'] = [];
    settled.forEach((outcome, i) => {
      const service = entries[i]![0];
      if (outcome.status === 'rejected') errors.push({ service, error: (outcome.reason as Error).message });
      else if (outcome.value.status >= 400) errors.push({ service, error: \`\${service} answered \${outcome.value.status}\` });
      else results[service] = parseBody(outcome.value);
    });
    return { results, errors };
  }
}

function parseBody(res: DownstreamResponse): unknown {
  if (!res.contentType.includes('json')) return res.body;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return res.body;
  }
}
`,
    ),
  );

  // tests: the owned behaviour (proxy, caching, overview, rate limit) and the managed adapters
  const first = aggregates[0]!;
  const second = aggregates[1];
  const env = `{ LOG_LEVEL: 'silent', RETRY_MAX_ATTEMPTS: '1', CACHE_TTL_SECONDS: '30', RATE_LIMIT_BURST: '1000', ...overrides }`;
  files.push(
    owned(
      `${ctx.dir}/test/bff.test.ts`,
      `import type { Fetch } from '../src/adapters/downstream';
import { buildApp } from '../src/app';
import { BffService, OVERVIEW_PATHS } from '../src/application/bff-service';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import type { Downstream } from '../src/ports';

/** A fake \`fetch\`: answers per URL from \`routes\` (404 otherwise) and counts calls. */
function fakeFetch(routes: Record<string, () => Response>) {
  const calls: string[] = [];
  const fetchFn: Fetch = (url) => {
    calls.push(url);
    const route = routes[url];
    return Promise.resolve(route ? route() : new Response('{"error":"not-found"}', { status: 404, headers: { 'content-type': 'application/json' } }));
  };
  return { fetchFn, calls };
}

${WITH_AWS_ENV}
const json = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function setup(routes: Record<string, () => Response>, overrides: Record<string, string> = {}) {
  let now = 1_000_000;
  const fake = fakeFetch(routes);
  const deps = createDependencies(loadConfig(${env})${secretsWiring(ctx).testArg}, { fetch: fake.fetchFn, now: () => now });
  return { app: buildApp(deps), calls: fake.calls, advance: (ms: number) => (now += ms) };
}

const FIRST = 'http://${first}:8080';

describe('${s.name}', () => {
  test('GET /${first}/... is proxied, then served from the cache until the TTL expires', async () => {
    // GIVEN a downstream answering 200
    const { app, calls, advance } = setup({ [\`\${FIRST}/items?page=2\`]: json([{ id: '1' }]) });
    // WHEN the same path is read twice
    const miss = await app.request('/${first}/items?page=2');
    const hit = await app.request('/${first}/items?page=2');
    // THEN the second read is a cache hit: one downstream call
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('miss');
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await hit.json()).toEqual([{ id: '1' }]);
    expect(calls).toHaveLength(1);
    // WHEN the TTL has passed THEN the downstream is called again
    advance(30_001);
    expect((await app.request('/${first}/items?page=2')).headers.get('x-cache')).toBe('miss');
    expect(calls).toHaveLength(2);
  });

  test('errors are passed through and not cached; no caching with a TTL of 0', async () => {
    const { app, calls } = setup({ [\`\${FIRST}/\`]: json({ ok: true }), [\`\${FIRST}/empty\`]: () => new Response(null, { status: 204 }) }, { CACHE_TTL_SECONDS: '0' });
    expect((await app.request('/${first}/missing')).status).toBe(404);
    expect((await app.request('/${first}/missing')).status).toBe(404);
    expect((await app.request('/${first}')).status).toBe(200);
    expect((await app.request('/${first}')).headers.get('x-cache')).toBe('miss');
    expect((await app.request('/${first}/empty')).status).toBe(204);
    expect(calls).toHaveLength(5);
  });

  test('an unavailable downstream is a 502', async () => {
    const { app } = setup({ [\`\${FIRST}/boom\`]: json({ error: 'boom' }, 500) });
    expect((await app.request('/${first}/boom')).status).toBe(502);
  });

  test('GET /overview returns partial results and lists the failures', async () => {
    // GIVEN ${second ? `${first} failing and the others answering` : `${first} answering`}
    const routes: Record<string, () => Response> = {};
    for (const [service, path] of Object.entries(OVERVIEW_PATHS)) routes[\`http://\${service}:8080\${path}\`] = json({ service });
${second ? `    routes[\`\${FIRST}\${OVERVIEW_PATHS['${first}']}\`] = json({ error: 'down' }, 503);\n` : ''}    const { app } = setup(routes);
    // WHEN
    const res = await app.request('/overview');
    const body = (await res.json()) as { results: Record<string, unknown>; errors: { service: string }[] };
    // THEN
    expect(res.status).toBe(200);
${second ? `    expect(body.errors.map((e) => e.service)).toEqual(['${first}']);
    expect(body.results['${second}']).toEqual({ service: '${second}' });` : `    expect(body.errors).toEqual([]);
    expect(body.results['${first}']).toEqual({ service: '${first}' });`}
  });

  test('GET /overview is a 502 when nothing answers', async () => {
    const { app } = setup({});
    const res = await app.request('/overview');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(Object.keys(OVERVIEW_PATHS).length);
  });

  test('overview keeps non-JSON and malformed bodies as text; unknown services are a 404', async () => {
    const text = (body: string, type: string) => ({ name: 'x', get: () => Promise.resolve({ status: 200, contentType: type, body }) });
    const downstreams: Record<string, Downstream> = Object.fromEntries(Object.keys(OVERVIEW_PATHS).map((n, i) => [n, text(i === 0 ? 'plain' : '{bad', i === 0 ? 'text/plain' : 'application/json')]));
    const overview = await new BffService(downstreams).overview();
    expect(Object.values(overview.results)[0]).toBe('plain');
    await expect(new BffService({}).proxy('nope', '/')).rejects.toMatchObject({ status: 404 });
  });

  test('requests beyond the bucket are rate limited (429); the probes never are', async () => {
    // GIVEN a bucket of 2 tokens refilled at 1 per second
    const { app, advance } = setup({ [\`\${FIRST}/\`]: json({}) }, { RATE_LIMIT_BURST: '2', RATE_LIMIT_RPS: '1' });
    // WHEN 3 requests arrive at once THEN the third is refused
    expect((await app.request('/${first}/')).status).toBe(200);
    expect((await app.request('/${first}/')).status).toBe(200);
    const limited = await app.request('/${first}/');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await app.request('/healthz')).status).toBe(200);
    // WHEN a second has passed THEN a token is back
    advance(1000);
    expect((await app.request('/${first}/')).status).toBe(200);
  });

  test('by default, one client per aggregated service with the real fetch', async () => {
    const deps = createDependencies(loadConfig({})${secretsWiring(ctx).testArg});
    expect(Object.keys(deps.downstreams)).toEqual(${JSON.stringify(aggregates)});
    await deps.close();
  });

  test('with OUTBOUND_AUTH=aws-iam, the calls are signed (SigV4 for execute-api)', async () => {
    const get = (env: Record<string, string>) => () => createDependencies(loadConfig({ ...env, CACHE_TTL_SECONDS: '0' })${secretsWiring(ctx).testArg}).downstreams['${first}']!.get('/');
    const [signed] = await withAwsEnv(get({ OUTBOUND_AUTH: 'aws-iam', AWS_REGION: 'eu-west-1' }));
    expect(signed?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\\/\\d{8}\\/eu-west-1\\/execute-api\\/aws4_request, /);
    const [plain] = await withAwsEnv(get({}));
    expect(plain?.authorization).toBeUndefined();
  });

  test('OUTBOUND_AUTH=google-id-token is accepted (tokens are fetched on the first call); anything else fails at start-up', () => {
    expect(Object.keys(createDependencies(loadConfig({ OUTBOUND_AUTH: 'google-id-token' })${secretsWiring(ctx).testArg}).downstreams)).toEqual(${JSON.stringify(aggregates)});
    expect(() => createDependencies(loadConfig({ OUTBOUND_AUTH: 'mtls' })${secretsWiring(ctx).testArg})).toThrow('OUTBOUND_AUTH must be one of none, aws-iam, google-id-token');
  });
});
`,
    ),
    managed(
      `${ctx.dir}/test/adapters.test.ts`,
      `import { CachedDownstream, DownstreamError, HttpDownstream } from '../src/adapters/downstream';
import { TokenBucket } from '../src/adapters/rate-limit';

const policy = { execute: <T>(fn: (signal: AbortSignal) => Promise<T>) => fn(new AbortController().signal), breakerState: () => 'closed' as const };

describe('managed adapters', () => {
  test('HttpDownstream joins URLs, rejects server errors and defaults the content type', async () => {
    const urls: string[] = [];
    const ok = new HttpDownstream('a', 'http://a:8080/', policy, (url) => {
      urls.push(url);
      return Promise.resolve(new Response('x', { status: 200, headers: {} }));
    });
    const res = await ok.get('/p?q=1');
    expect(urls).toEqual(['http://a:8080/p?q=1']);
    expect(res.contentType).toMatch(/text\\/plain|application\\/octet-stream/);
    const failing = new HttpDownstream('a', 'http://a', policy, () => Promise.resolve(new Response('', { status: 503 })));
    await expect(failing.get('/')).rejects.toBeInstanceOf(DownstreamError);
  });

  test('CachedDownstream caches 200s only, until they expire', async () => {
    let now = 0;
    let status = 200;
    let calls = 0;
    const inner = { name: 'a', get: () => Promise.resolve({ status, contentType: 'application/json', body: String(++calls) }) };
    const cached = new CachedDownstream(inner, 1, () => now);
    expect(cached.name).toBe('a');
    expect((await cached.get('/')).body).toBe('1');
    expect(await cached.get('/')).toMatchObject({ body: '1', cached: true });
    now = 1001;
    status = 404;
    expect((await cached.get('/')).body).toBe('2');
    expect((await cached.get('/')).body).toBe('3');
  });

  test('TokenBucket refills at its rate up to its capacity', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(bucket.retryAfterSeconds()).toBe(1);
    now = 10_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(new TokenBucket(1, 1).take()).toBe(true);
  });
});
`,
    ),
  );
  return files;
}
