/** stateless: CRUD of the declared entities over HTTP, with idempotency, events (direct or outbox), a repository. */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage, typedCallees } from '../context';
import { apiDocsVar, calleeConfig, graphqlConfig, grpcNames, serviceClients, serviceConfig, serviceGraphqlTest, serviceGrpcTest, serviceOpenApiTest, serviceData, serviceHttpEntries } from '../service-files';
import { storageData } from '../storage';
import { templateFile, type Names } from '../template';
import { crudEntities, tenancyOf } from '../../resolve/model';
import { camel, kebab, pascal, plural } from '../names';

/** The entities a CRUD service manages: the declared ones, else one named after the service (the targets' tables follow the same list). */
export function entitiesOf(ctx: ServiceContext): string[] {
  return crudEntities(ctx.service);
}

/** The names of an entity in the templates: `Order`, `order`, `orders`, `order` (files), `orders` (routes). */
export function entityNames(entity: string): Names {
  return { Entity: entity, entity: camel(entity), entities: camel(plural(entity)), Entities: pascal(plural(entity)), entityFile: kebab(entity), entitiesPath: plural(kebab(entity)) };
}

/**
 * For the generated test of a caller's typed clients: the first stateless service it has a typed client of, and the
 * names the test uses (`typedCallee`, `calleeClient`, the entity and its route's path); `typedTest` false for none.
 */
export function typedTestData(ctx: ServiceContext): { names: Names; typedTest: boolean } {
  const typed = typedCallees(ctx).find((name) => ctx.model.services.some((o) => o.name === name && o.kind === 'stateless'));
  const entity = typed === undefined ? undefined : entitiesOf({ ...ctx, service: ctx.model.services.find((s) => s.name === typed)! })[0]!;
  return {
    names: { typedCallee: typed ?? '', calleeClient: typed === undefined ? '' : camel(typed), Entity: entity ?? '', typedPath: entity === undefined ? '' : `/${plural(kebab(entity))}` },
    typedTest: typed !== undefined,
  };
}

export function renderStateless(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const entities = entitiesOf(ctx);
  const publishes = s.spec.publishes ?? [];
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const graphql = s.protocols.includes('graphql');
  const grpc = s.protocols.includes('grpc');
  const callees = typedCallees(ctx);
  // its bucket and the buckets it reads (deps.objects, deps.buckets)
  const storage = storageData(ctx);
  const data = serviceData(ctx, {
    names: {
      ...entityNames(entities[0]!),
      summary: `${idem ? 'idempotent writes, ' : ''}CRUD of ${entities.join(', ')}`,
      idempotencyHeader: s.sizing.idempotency.key_header,
      idempotencyTtl: String(s.sizing.idempotency.ttl_hours * 3600),
      withOutbox: String(outbox),
      withIdempotency: String(idem),
      ...grpcNames(ctx),
    },
    // postgresTenants: a PostgreSQL schema or database per tenant (tenant.isolation), which only STORE=postgres keeps
    flags: { outbox, idempotency: idem, graphql, grpc, schemas: graphql || grpc, typedClients: callees.length > 0, postgresTenants: ['schema', 'database'].includes(tenancyOf(ctx.model)?.isolation ?? ''), ...storage.flags },
    lists: { entities: entities.map(entityNames), ...storage.lists },
  });
  const files: OutputFile[] = [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod', ...(grpc ? (['@connectrpc/connect', '@connectrpc/connect-node'] as const) : [])]),
    serviceConfig(ctx, { API_DOCS: apiDocsVar(ctx), ...graphqlConfig(ctx), ...calleeConfig(ctx) }),
    ...serviceHttpEntries(ctx, { relay: outbox }),
    dockerfile(ctx, 'server'),
    templateFile('managed', ctx.dir, 'stateless/src/deps.ts', data),
    templateFile('managed', ctx.dir, 'stateless/src/app.ts', data),
    templateFile('managed', ctx.dir, 'stateless/src/routes.ts', data),
    templateFile('managed', ctx.dir, 'stateless/test/deps.test.ts', data),
    serviceOpenApiTest(ctx),
    ...serviceGraphqlTest(ctx),
    ...serviceGrpcTest(ctx),
    ...serviceClients(ctx),
  ];
  // architecture.multi_tenant: the routes keep tenants apart (the first entity's; every repository is scoped the same way)
  if (tenancyOf(ctx.model) !== undefined) {
    const events = publishes.includes(`${entities[0]!}Created`) ? ['tenant-a', 'tenant-b'] : [];
    files.push(templateFile('managed', ctx.dir, 'stateless/test/tenancy.test.ts', { ...data, slots: { ...data.slots, tenantEvents: `expect(publisher.published.map((ev) => ev.tenant)).toEqual(${JSON.stringify(events)});` } }));
  }
  // domain, application and their test: the user's from the first synth on
  for (const e of entities) {
    const created = publishes.includes(`${e}Created`);
    const updated = publishes.includes(`${e}Updated`);
    const deleted = publishes.includes(`${e}Deleted`);
    const events = [created && `${e}Created`, updated && `${e}Updated`, deleted && `${e}Deleted`].filter((x): x is string => typeof x === 'string');
    const one = { ...data, names: { ...data.names, ...entityNames(e), eventsNote: events.length > 0 ? ', publishing its events' : '' }, flags: { ...data.flags, created, updated, deleted, events: events.length > 0 }, slots: { ...data.slots, published: `expect(publisher.published.map((ev) => ev.type)).toEqual(${JSON.stringify(events)});` } };
    files.push(
      templateFile('owned', ctx.dir, 'stateless/src/domain/__entityFile__.ts', one),
      templateFile('owned', ctx.dir, 'stateless/src/application/__entityFile__-service.ts', one),
      templateFile('owned', ctx.dir, 'stateless/test/__entityFile__.test.ts', one),
    );
  }
  return files;
}
