/**
 * bff: a backend for a frontend. One resilient HTTP client per aggregated service (base URL from configuration),
 * a response cache (TtlCache, bff.caching.ttl_seconds), GET proxies per service, GET /overview aggregating every
 * downstream in parallel (partial results with the failures listed), and a token-bucket rate limit.
 */
import { OutputFile, managed } from '../../model/output-file';
import { tenancyOf } from '../../resolve/model';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage, typedCallees } from '../context';
import type { ConfigVar } from '../common';
import { constant, kebab, plural } from '../names';
import { outboundConfig } from '../outbound';
import { apiDocsVar, graphqlConfig, serviceClients, serviceConfig, serviceData, serviceGraphqlTest, serviceHttpEntries, serviceOpenApiTest } from '../service-files';
import { templateFile } from '../template';
import { entitiesOf, typedTestData } from './stateless';

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

/** The service's variables beyond the base ones: a base URL per aggregated service, outbound auth, cache, rate limit, resilience. */
function bffConfig(ctx: ServiceContext, aggregates: readonly string[]): Record<string, ConfigVar> {
  const rate = ctx.service.resilience.rate_limit;
  return {
    ...Object.fromEntries(aggregates.map((a) => [`${constant(a)}_URL`, { kind: 'string', default: `http://${a}:8080`, description: `Base URL of ${a}` } satisfies ConfigVar])),
    ...outboundConfig(),
    CACHE_TTL_SECONDS: { kind: 'int', default: String(ctx.service.sizing.bffCaching.ttl_seconds), description: 'Response cache TTL in seconds (0: no caching)' },
    RATE_LIMIT_RPS: { kind: 'int', default: String(rate.rps), description: 'Requests per second one instance accepts (token refill rate)' },
    RATE_LIMIT_BURST: { kind: 'int', default: String(rate.burst), description: 'Requests one instance accepts at once (token bucket size)' },
    ...resilienceConfig(ctx),
  };
}

/** README.md: what the BFF does and which variables configure it. */
function readme(ctx: ServiceContext, aggregates: readonly string[]): OutputFile {
  const s = ctx.service;
  const ttl = s.sizing.bffCaching.ttl_seconds;
  const tenancy = tenancyOf(ctx.model);
  return managed(
    `${ctx.dir}/README.md`,
    `# ${s.name}

${s.spec.responsibility ? `${s.spec.responsibility}\n\n` : ''}Backend for frontend (archetype \`bff\`) aggregating ${aggregates.map((a) => `\`${a}\``).join(', ')}.

- \`GET /<service>/<path>\` proxies a GET to the service (GETs only), through a circuit breaker, retries, a
  bulkhead and a timeout (\`createPolicy\`), configured by the \`RETRY_*\`, \`BREAKER_*\`, \`BULKHEAD_*\` and \`DOWNSTREAM_TIMEOUT_MS\`
  variables. Base URLs: ${aggregates.map((a) => `\`${constant(a)}_URL\``).join(', ')}. With \`OUTBOUND_AUTH=aws-iam\` the calls are
  signed with SigV4 for \`AWS_REGION\` (services behind API Gateway's IAM authorization, as the AWS target deploys them);
  with \`OUTBOUND_AUTH=google-id-token\` they carry a Google ID token whose audience is the called URL's origin (Cloud
  Run services that only let their invokers in, as the GCP target deploys them); with \`OUTBOUND_AUTH=ed25519\` they are
  signed with this service's own key (the \`SERVICE_SIGNING_KEY\` secret) for the service called, which checks it
  (\`INBOUND_AUTH\`, \`TRUSTED_CALLERS\`: Fly.io, where nothing stands in front of the services).
- Successful (200) responses are cached in memory for \`CACHE_TTL_SECONDS\` (${ttl}${ttl === 0 ? ': caching off' : ' s'}); the \`x-cache\`
  header says \`hit\` or \`miss\`. The cache is per instance.
- \`GET /overview\` calls every service at once and returns what answered, with the failures under \`errors\`
  (502 only when nothing answered). The path read per service is \`OVERVIEW_PATHS\` in \`src/application/bff-service.ts\`.
- \`GET /openapi.json\` serves the OpenAPI 3.1 document of \`/overview\` (committed as \`openapi.json\`); \`GET /docs\` the docs
  page when \`API_DOCS\` is on. The proxies pass each service's own API through: see that service's document.
${ctx.service.protocols.includes('graphql') ? '- `POST /graphql` serves the overview over GraphQL (`{ overview { results errors { service error } } }`), its schema\n  committed as `schema.graphql`; GraphiQL there when `API_DOCS` is on.\n' : ''}- Every route but the probes is rate limited per instance by a token bucket: \`RATE_LIMIT_BURST\` requests at
  once, refilled at \`RATE_LIMIT_RPS\` per second (429 with \`retry-after\` beyond that).
${tenancy ? `- \`architecture.multi_tenant\`: every request but the probes names its tenant in \`${tenancy.header}\` (a 400 without
  one). The calls to the services carry it, the cache holds each tenant's answers apart, and each tenant has a
  token bucket of its own (the \`RATE_LIMIT_*\` numbers are per tenant and instance).
` : ''}`,
  );
}

/** bff.test.ts's app with architecture.multi_tenant: every request names a tenant. */
const TENANT_APP = (header: string) => `// architecture.multi_tenant: every request names its tenant (test/tenancy.test.ts shows what keeps tenants apart)
const built = buildApp(deps);
const app = { request: (path: string, init: RequestInit = {}) => built.request(path, { ...init, headers: { '${header}': 'tenant-a', ...(init.headers as Record<string, string> | undefined) } }) };`;

export function renderBff(ctx: ServiceContext): OutputFile[] {
  const aggregates = ctx.service.spec.bff?.aggregates ?? [];
  // the first stateless service with a typed client, for the generated test of typed clients
  const typed = typedTestData(ctx);
  const data = serviceData(ctx, {
    names: {
      first: aggregates[0]!,
      second: aggregates[1] ?? '',
      multiplier: String(ctx.service.resilience.retry.multiplier),
      ...typed.names,
    },
    flags: { second: aggregates.length > 1, graphql: ctx.service.protocols.includes('graphql'), typedClients: typedCallees(ctx).length > 0, typedTest: typed.typedTest, tenants: tenancyOf(ctx.model) !== undefined },
    lists: { aggregates: aggregates.map((a) => ({ aggregate: a, AGGREGATE: constant(a), overviewPath: overviewPath(ctx, a) })) },
  });
  const managedFiles = ['src/ports.ts', 'src/adapters/downstream.ts', 'src/adapters/rate-limit.ts', 'src/deps.ts', 'src/app.ts'];
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod']),
    serviceConfig(ctx, { ...bffConfig(ctx, aggregates), API_DOCS: apiDocsVar(ctx), ...graphqlConfig(ctx) }),
    ...serviceHttpEntries(ctx),
    dockerfile(ctx, 'server'),
    readme(ctx, aggregates),
    ...managedFiles.map((f) => templateFile('managed', ctx.dir, `bff/${f}`, data)),
    templateFile('owned', ctx.dir, 'bff/src/application/bff-service.ts', data),
    // tests: the owned behaviour (proxy, caching, overview, rate limit) and the managed adapters; with
    // architecture.multi_tenant every request of the owned test names a tenant (tenancy.test.ts keeps tenants apart)
    templateFile('owned', ctx.dir, 'bff/test/bff.test.ts', { ...data, slots: { app: tenancyOf(ctx.model) === undefined ? 'const app = buildApp(deps);' : TENANT_APP(tenancyOf(ctx.model)!.header) } }),
    templateFile('managed', ctx.dir, 'bff/test/adapters.test.ts', data),
    serviceOpenApiTest(ctx),
    ...serviceGraphqlTest(ctx),
    ...serviceClients(ctx),
    // architecture.multi_tenant: calls, cache and rate limit per tenant
    ...(tenancyOf(ctx.model) !== undefined ? [templateFile('managed', ctx.dir, 'bff/test/tenancy.test.ts', data)] : []),
  ];
}
