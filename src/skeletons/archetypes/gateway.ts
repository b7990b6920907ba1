/**
 * gateway: one client per external provider (base URL from configuration, API key from the secrets read at
 * start-up), every call through the platform's resilience policy, idempotent forwarding, events after each call.
 * The code is in templates/gateway/.
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import type { ConfigVar } from '../common';
import { camel, constant, pascal } from '../names';
import { secretNamesOf, tenancyOf } from '../../resolve/model';
import { apiDocsVar, policyNames, serviceConfig, serviceData, serviceHttpEntries, serviceOpenApiTest } from '../service-files';
import { templateFile, type Names } from '../template';
import { FAILURE_EVENT } from './saga-orchestrator';

/** The names of a provider: `dhl` (routes, URLs), `dhl` (property), `DHL_BASE_URL`, its API key expression. */
function providerNames(ctx: ServiceContext, provider: string): Names {
  const secret = secretNamesOf(ctx.service).find((x) => x.startsWith(`${constant(provider)}_`));
  return { provider, Provider: pascal(camel(provider)), providerVar: camel(provider), baseUrlVar: `${constant(provider)}_BASE_URL`, apiKey: secret !== undefined ? `secrets.${secret}` : 'undefined' };
}

/** `<PROVIDER>_BASE_URL` per provider: the architecture's base_url as default, else required. */
function providerConfig(providers: readonly string[], baseUrl: string | undefined): Record<string, ConfigVar> {
  return Object.fromEntries(
    providers.map((p) => [
      `${constant(p)}_BASE_URL`,
      (baseUrl !== undefined ? { kind: 'string', default: baseUrl, description: `Base URL of the ${p} API` } : { kind: 'string', required: true, description: `Base URL of the ${p} API` }) satisfies ConfigVar,
    ]),
  );
}

export function renderGateway(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const integrations = s.spec.integrations ?? { providers: [s.name.replace(/-gateway$/, '')] };
  const providers = integrations.providers;
  const publishes = s.spec.publishes ?? [];
  const onSuccess = publishes.filter((e) => !FAILURE_EVENT.test(e));
  const onFailure = publishes.filter((e) => FAILURE_EVENT.test(e));
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const baseUrl = integrations.base_url;
  const testUrls = baseUrl === undefined ? providers.map((p) => `${constant(p)}_BASE_URL: 'https://${p}.test'`) : [];
  const published = (events: readonly string[]) => `expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(events)});`;
  const data = serviceData(ctx, {
    names: {
      ...policyNames(ctx, integrations.timeout_ms ?? 10000),
      firstProvider: providers[0]!,
      idempotencyHeader: s.sizing.idempotency.key_header,
      idempotencyTtl: String(s.sizing.idempotency.ttl_hours * 3600),
      publishedNote: publishes.length > 0 ? ` (${publishes.join(', ')})` : '',
      replayedNote: idem ? ' and replayed' : '',
      storedNote: idem ? ', and the second answer is the stored one' : '',
      providerCalls: idem ? '2' : '3',
      withOutbox: String(outbox),
      withIdempotency: String(idem),
    },
    flags: { idempotency: idem, outbox, events: publishes.length > 0, successes: onSuccess.length > 0, failures: onFailure.length > 0 },
    lists: {
      providers: providers.map((p) => providerNames(ctx, p)),
      otherProviders: providers.slice(1).map((p) => providerNames(ctx, p)),
      successes: onSuccess.map((event) => ({ event })),
      failures: onFailure.map((event) => ({ event })),
    },
  });
  const tests = { ...data, slots: { env: `const ENV = ${testUrls.length > 0 ? `{ ${testUrls.join(', ')} }` : '{}'};`, idempotency: `idempotency: ${idem ? 'new MemoryIdempotencyStore()' : 'undefined'},`, successes: published(onSuccess), failures: published(onFailure) } };
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod']),
    serviceConfig(ctx, { ...providerConfig(providers, baseUrl), API_DOCS: apiDocsVar(ctx) }),
    dockerfile(ctx, 'server'),
    ...serviceHttpEntries(ctx, { relay: outbox }),
    // managed: the provider client, the wiring, and the routes (exported: callers get typed clients of them)
    templateFile('managed', ctx.dir, 'gateway/src/adapters/provider-client.ts', data),
    templateFile('managed', ctx.dir, 'gateway/test/provider-client.test.ts', data),
    templateFile('managed', ctx.dir, 'gateway/src/deps.ts', data),
    templateFile('managed', ctx.dir, 'gateway/src/app.ts', data),
    templateFile('managed', ctx.dir, 'gateway/src/routes.ts', data),
    templateFile('managed', ctx.dir, 'gateway/test/deps.test.ts', tests),
    // owned: domain, application and the forwarding test against a fake fetch
    templateFile('owned', ctx.dir, 'gateway/src/domain/provider-request.ts', data),
    templateFile('owned', ctx.dir, 'gateway/src/application/gateway-service.ts', data),
    templateFile('owned', ctx.dir, 'gateway/test/gateway.test.ts', tests),
    serviceOpenApiTest(ctx, { env: Object.fromEntries(baseUrl === undefined ? providers.map((p) => [`${constant(p)}_BASE_URL`, `https://${p}.test`]) : []) }),
    // architecture.multi_tenant: tenants' idempotency keys and events stay apart
    ...(tenancyOf(ctx.model) !== undefined ? [templateFile('managed', ctx.dir, 'gateway/test/tenancy.test.ts', tests)] : []),
  ];
}
