/**
 * event-sourced: one aggregate stored as a stream of events (event store port, in-memory, DynamoDB, PostgreSQL and
 * Firestore adapters with optimistic concurrency), commands that produce the published events, snapshots every N events, one projector per
 * projection and the events sent to the bus directly or through the outbox.
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, storeConfig } from '../common';
import { apiDocsVar, graphqlConfig, grpcNames, serviceConfig, serviceGraphqlTest, serviceGrpcTest, serviceOpenApiTest, serviceData, serviceHttpEntries } from '../service-files';
import { templateFile, type Names } from '../template';
import { camel, kebab } from '../names';
import { entitiesOf, entityNames } from './stateless';

/** Irregular past tenses and their present tense (Withdrawn → Withdraw). */
const IRREGULAR: Record<string, string> = {
  Withdrawn: 'Withdraw', Drawn: 'Draw', Sent: 'Send', Paid: 'Pay', Sold: 'Sell', Bought: 'Buy', Made: 'Make', Taken: 'Take',
  Given: 'Give', Written: 'Write', Built: 'Build', Held: 'Hold', Done: 'Do', Chosen: 'Choose', Frozen: 'Freeze', Shown: 'Show',
  Split: 'Split', Set: 'Set', Put: 'Put', Reset: 'Reset', Begun: 'Begin', Undone: 'Undo', Synced: 'Sync', Lost: 'Lose', Won: 'Win',
};

/** Stems whose present tense ends in a silent e (Updat → Update, Clos → Close, Enabl → Enable, Chang → Change). */
const SILENT_E = /(?:[aeiou][zsvcgbkmd]|[aou]t|et|[aiou]r|[aiou]l|[aeiou]p|[io]n|ang|[bptgcdkzf]l|[rl]g|dg|[rnpl]s|[rl]v|[nr]c|yp|yz)$/;

/** The present tense of a past-tense verb, by rule (Updated → Update, Deposited → Deposit, Shipped → Ship). */
function presentTense(verb: string): string | undefined {
  const irregular = IRREGULAR[verb];
  if (irregular) return irregular;
  if (/[^aeiou]ied$/.test(verb)) return `${verb.slice(0, -3)}y`;
  if (!verb.endsWith('ed') || verb.length < 4) return undefined;
  const stem = verb.slice(0, -2);
  if (/[eu]$/.test(stem)) return `${stem}e`;
  if (/([bgmnprt])\1$/.test(stem) || /.{3}ell$/.test(stem)) return stem.slice(0, -1);
  if (/[aeiou]{2}[^aeiou]$/.test(stem)) return /([svcz]|creat)$/i.test(stem) ? `${stem}e` : stem;
  return SILENT_E.test(stem) && !/(lop|ion)$/.test(stem) ? `${stem}e` : stem;
}

/** The command producing `event`: ProductUpdated → UpdateProduct, FundsWithdrawn → WithdrawFunds, else Record<Event>. */
export function commandFor(event: string): string {
  const words = event.match(/[A-Z][a-z0-9]*/g) ?? [];
  const verb = words[words.length - 1];
  const present = verb && words.length > 1 ? presentTense(verb) : undefined;
  return present ? present + words.slice(0, -1).join('') : `Record${event}`;
}

/** The names of a projection in the templates: `AccountBalance`, `accountBalance`, `account-balance` (tables, routes). */
function projectionNames(projection: string): Names {
  return { Projection: projection, projection: camel(projection), projectionFile: kebab(projection) };
}

/** The commands of the aggregate (route segment, event): derived from the events, `record-<event>` if two collide. */
function commandsOf(events: readonly string[]): (readonly [string, string])[] {
  const derived = events.map((e) => [kebab(commandFor(e)), e] as const);
  return new Set(derived.map(([c]) => c)).size === derived.length ? derived : events.map((e) => [kebab(`Record${e}`), e] as const);
}

function constantName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function renderEventSourced(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const A = entitiesOf(ctx)[0]!;
  const publishes = s.spec.publishes ?? [];
  const commands = commandsOf(publishes.length > 0 ? publishes : [`${A}Changed`]);
  const [firstCommand, firstEvent] = commands[0]!;
  const projections = s.spec.cqrs?.projections ?? [];
  const every = s.sizing.cqrs.snapshot_frequency;
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const store = s.eventStore ?? 'dynamodb';
  const graphql = s.protocols.includes('graphql');
  const grpc = s.protocols.includes('grpc');
  const extra: Record<string, ConfigVar> = {
    ...storeConfig(ctx),
    EVENT_STORE: { kind: 'string', default: 'memory', description: `memory | dynamodb | postgres | firestore: where the event streams are kept (the architecture's event store: ${store})` },
    SNAPSHOT_FREQUENCY: { kind: 'int', default: String(every), description: 'Snapshot the aggregate every N events (0: never)' },
    API_DOCS: apiDocsVar(ctx),
    ...graphqlConfig(ctx),
  };
  const data = serviceData(ctx, {
    names: {
      ...entityNames(A),
      ...projectionNames(projections[0] ?? 'None'),
      ENTITY: constantName(A),
      firstCommand,
      firstCommandEnum: firstCommand.replace(/-/g, '_').toUpperCase(),
      firstEvent,
      commandCount: String(commands.length),
      lastStep: String(commands.length - 1),
      snapshotFrequency: String(every),
      projectionsType: projections.length > 0 ? 'Projections' : 'Record<string, never>',
      projectionsNote: projections.length > 0 ? ', the projections' : '',
      publishNote: publishes.length > 0 ? ', publish' : '',
      publishedNote: publishes.length > 0 ? 'each event was published' : 'nothing was published',
      outboxNote: outbox ? ', the outbox' : '',
      idempotencyHeader: s.sizing.idempotency.key_header,
      idempotencyTtl: String(s.sizing.idempotency.ttl_hours * 3600),
      withOutbox: String(outbox),
      withIdempotency: String(idem),
      ...grpcNames(ctx),
    },
    flags: { outbox, idempotency: idem, projections: projections.length > 0, publishes: publishes.length > 0, graphql, grpc, schemas: graphql || grpc },
    lists: {
      commands: commands.map(([command, Event], step) => ({ command, Event, step: String(step) })),
      projections: projections.map(projectionNames),
    },
    slots: {
      published: `expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(publishes)});`,
    },
  });
  const file = (kind: 'managed' | 'owned', path: string) => templateFile(kind, ctx.dir, `event-sourced/${path}`, data);
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod', '@aws-sdk/lib-dynamodb', ...(grpc ? (['@connectrpc/connect', '@connectrpc/connect-node'] as const) : [])]),
    serviceConfig(ctx, extra),
    ...serviceHttpEntries(ctx, { relay: outbox }),
    dockerfile(ctx, 'server'),
    // managed: the event store port and its adapters, wiring and routes
    file('managed', 'src/adapters/event-store.ts'),
    file('managed', 'src/deps.ts'),
    file('managed', 'src/app.ts'),
    file('managed', 'src/routes.ts'),
    // owned: domain, application, projections, the aggregate's test
    file('owned', 'src/domain/__entityFile__.ts'),
    file('owned', 'src/application/__entityFile__-service.ts'),
    file('owned', 'src/application/projections.ts'),
    file('owned', 'test/__entityFile__.test.ts'),
    // managed: the adapters' test (in memory, DynamoDB and PostgreSQL against fakes, Firestore in memory, PostgreSQL on a
    // real server when TEST_DATABASE_URL is set) and the wiring's
    file('managed', 'test/event-store.test.ts'),
    file('managed', 'test/deps.test.ts'),
    serviceOpenApiTest(ctx),
    ...serviceGraphqlTest(ctx),
    ...serviceGrpcTest(ctx),
  ];
}
