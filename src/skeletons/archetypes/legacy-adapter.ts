/**
 * legacy-adapter (anti-corruption-layer): a translation layer between the legacy model and the domain model, an
 * upstream client for acl.protocol (REST and SOAP over fetch; a port to implement for the others), the sync strategy
 * (polling, webhook, on-demand) and the translated events published.
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, storeConfig } from '../common';
import { camel, constant, kebab, pascal, plural } from '../names';
import { apiDocsVar, serviceConfig, serviceData, serviceHttpEntries, serviceOpenApiTest } from '../service-files';
import { TemplateData, templateFile } from '../template';

/** The entity the adapter translates: domain.entities[0], else the subject of the first event (PolicyImported → Policy). */
export function legacyEntity(ctx: ServiceContext): string {
  const declared = ctx.service.spec.domain?.entities?.[0];
  if (declared) return declared;
  const words = ctx.service.spec.publishes?.[0]?.match(/[A-Z][a-z0-9]*/g) ?? [];
  if (words.length > 1) return words.slice(0, -1).join('');
  return pascal(ctx.service.name.replace(/-(adapter|acl|service)$/, ''));
}

/** How the adapter talks to the legacy system and takes its changes. */
function aclOf(ctx: ServiceContext) {
  const acl = ctx.service.spec.acl ?? { upstream: 'http://legacy.invalid' };
  const { protocol, sync_strategy: strategy } = ctx.service.sizing.acl;
  return { acl, protocol, strategy, polling: strategy === 'polling', webhook: strategy === 'webhook' || strategy === 'cdc', onDemand: strategy === 'on-demand' };
}

/** The service's variables beyond the base ones: the store (polling keeps a cursor), the upstream, the polling interval. */
function legacyConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  const { acl, protocol, polling } = aclOf(ctx);
  return {
    ...(polling ? storeConfig(ctx) : {}),
    UPSTREAM_URL: { kind: 'string', default: acl.upstream, description: `URL of the legacy system (${protocol})` },
    ...(protocol === 'soap' ? { UPSTREAM_SOAP_NAMESPACE: { kind: 'string', default: 'http://tempuri.org/', description: 'Namespace of the legacy SOAP operations' } satisfies ConfigVar } : {}),
    ...(polling ? { POLLING_INTERVAL_SECONDS: { kind: 'int', default: String(ctx.service.sizing.acl.polling_interval_seconds), description: 'Seconds between two polls of the legacy system' } satisfies ConfigVar } : {}),
  };
}

/** Template data: the entity's names, the protocol and strategy flags, the upstream client (a slot: one of three). */
function legacyData(ctx: ServiceContext): TemplateData {
  const { protocol, strategy, polling, webhook, onDemand } = aclOf(ctx);
  const E = legacyEntity(ctx);
  const event = ctx.service.spec.publishes?.[0];
  const outbox = ctx.service.spec.messaging?.pattern === 'outbox';
  const rest = protocol === 'rest';
  const soap = protocol === 'soap';
  const custom = !rest && !soap;
  const publishes = event !== undefined && !onDemand;
  const upstream = custom ? ['CustomUpstream', './application/custom-upstream', 'new CustomUpstream()'] : soap ? ['SoapUpstream', './adapters/upstream', `new SoapUpstream(config.UPSTREAM_URL, config.UPSTREAM_SOAP_NAMESPACE, '${E}', fetchFn)`] : ['RestUpstream', './adapters/upstream', 'new RestUpstream(config.UPSTREAM_URL, fetchFn)'];
  return serviceData(ctx, {
    names: {
      Entity: E,
      entity: camel(E),
      ENTITY: constant(E),
      entityFile: kebab(E),
      entitiesPath: plural(kebab(E)),
      event: event ?? '',
      protocol,
      strategy,
      fetchParam: custom ? '_fetchFn' : 'fetchFn',
      syncHow: polling ? 'Polls the legacy system for changes' : webhook ? 'Receives the changes the legacy system pushes' : 'Fetches records from the legacy system on demand',
      publishedAs: publishes ? ` and published as ${event}` : '',
      andPublished: event !== undefined ? ' and published' : '',
      withOutbox: String(outbox),
    },
    flags: { rest, soap, custom, polling, webhook, onDemand, outbox, publishes, httpError: onDemand, platformValues: onDemand || publishes, entityType: webhook || onDemand || event !== undefined, pushedOrPolled: polling || webhook },
    slots: {
      upstreamImport: `import { ${upstream[0]} } from '${upstream[1]}';`,
      upstream: `upstream: ${upstream[2]},`,
    },
  });
}

/** Container entry running the poller every POLLING_INTERVAL_SECONDS, a Lambda HTTP entry and a Lambda poll entry for a schedule. */
function pollingEntries(ctx: ServiceContext, data: TemplateData, relay: boolean): OutputFile[] {
  const entry = (file: string) => templateFile('managed', ctx.dir, file, { ...data, flags: { ...data.flags, relay } });
  return [entry('legacy-adapter/src/entry/server.ts'), entry('service/src/entry/lambda.ts'), entry('legacy-adapter/src/entry/poll.ts'), ...(relay ? [entry('service/src/entry/relay.ts')] : [])];
}

export function renderLegacyAdapter(ctx: ServiceContext): OutputFile[] {
  const data = legacyData(ctx);
  const { protocol, polling } = aclOf(ctx);
  const outbox = ctx.service.spec.messaging?.pattern === 'outbox';
  const custom = protocol !== 'rest' && protocol !== 'soap';
  const file = (kind: 'managed' | 'owned', path: string) => templateFile(kind, ctx.dir, `legacy-adapter/${path}`, data);
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod']),
    serviceConfig(ctx, { ...legacyConfig(ctx), API_DOCS: apiDocsVar(ctx) }),
    dockerfile(ctx, 'server'),
    ...(polling ? pollingEntries(ctx, data, outbox) : serviceHttpEntries(ctx, { relay: outbox })),
    // managed: the upstream port and the REST and SOAP clients, wiring and routes
    file('managed', 'src/adapters/upstream.ts'),
    file('managed', 'test/upstream.test.ts'),
    ...(custom ? [file('owned', 'src/application/custom-upstream.ts')] : []),
    file('managed', 'src/deps.ts'),
    file('managed', 'src/app.ts'),
    file('managed', 'test/deps.test.ts'),
    // owned: the domain model, the translation layer, the sync use cases and their test
    file('owned', 'src/domain/__entityFile__.ts'),
    file('owned', 'src/application/translator.ts'),
    file('owned', 'src/application/__entityFile__-sync.ts'),
    file('owned', 'test/__entityFile__-sync.test.ts'),
    serviceOpenApiTest(ctx),
  ];
}
