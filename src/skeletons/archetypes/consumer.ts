/**
 * consumer: one handler per consumed event behind a dispatcher routing by event type, idempotent processing keyed by
 * event id, a Lambda SQS entry with per-message failures, a container entry (Pub/Sub push, an SQS poll loop, a
 * JetStream consumer), and a dead-letter redrive command.
 */
import { natsEventSubject } from '../../../lib-constructs/fly/nats-bus';
import type { OutputFile } from '../../model/output-file';
import { publishersOf } from '../../resolve/model';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { baseConfig, databaseConfig, type ConfigVar } from '../common';
import { natsInputConfig } from '../nats-config';
import { apiDocsVar, serviceConfig, serviceData, serviceOpenApiTest } from '../service-files';
import { storageData } from '../storage';
import { templateFile, type Names } from '../template';

/** The consumed event types, in declaration order, without duplicates. */
export function consumedEvents(ctx: ServiceContext): string[] {
  return [...new Set((ctx.service.spec.consumes ?? []).map((c) => c.event))];
}

/** The NATS subjects of the consumed events: `<arch>.events.<publisher>.<type>` for each of their publishers. */
export function consumedSubjects(ctx: ServiceContext): string[] {
  const arch = ctx.model.file.architecture.name;
  const subjects = (ctx.service.spec.consumes ?? []).flatMap((c) => publishersOf(ctx.model, c.event, c.from).map((p) => natsEventSubject(arch, p, c.event)));
  return [...new Set(subjects)].sort();
}

/** Config variables of a consumer: the idempotency store (when the base has none), queues and delivery settings. */
function consumerConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  const c = ctx.service.spec.consumer ?? {};
  const base = baseConfig(ctx);
  const store: Record<string, ConfigVar> = base.STORE
    ? {}
    : {
        STORE: { kind: 'string', default: 'memory', description: 'Idempotency store of processed event ids: memory | dynamodb | postgres | firestore' },
        TABLE_PREFIX: { kind: 'string', default: `${ctx.model.file.architecture.name}-${ctx.service.name}`, description: "Prefix of the service's table names (Firestore collection ids with STORE=firestore)" },
        ...databaseConfig(),
      };
  return {
    ...store,
    QUEUE_URL: { kind: 'string', default: '', description: 'SQS queue the container entry polls (empty: no polling, e.g. Pub/Sub push)' },
    DLQ_URL: { kind: 'string', default: '', description: 'Dead-letter queue the redrive command drains' },
    BATCH_SIZE: { kind: 'int', default: String(c.batch_size ?? 10), description: 'consumer.batch_size: messages per batch (an SQS receive takes at most 10)' },
    CONCURRENCY: { kind: 'int', default: String(c.concurrency ?? 10), description: 'consumer.concurrency: poll loops the container entry runs at once' },
    MAX_RETRIES: {
      kind: 'int',
      default: String(c.max_retries ?? 5),
      description: `consumer.max_retries: deliveries before a message is dead-lettered (enforced by the queue's redrive policy, ${c.retry_backoff ?? 'exponential'} backoff)`,
    },
    IDEMPOTENCY_TTL_SECONDS: { kind: 'int', default: '604800', description: 'How long processed event ids are remembered' },
    ...natsInputConfig(ctx, consumedSubjects(ctx), 'durable'),
    API_DOCS: apiDocsVar(ctx),
  };
}

/** The files of the service, from templates/consumer/: the handlers and their test are the user's from the first synth on. */
const FILES: readonly (readonly ['managed' | 'owned', string])[] = [
  ['managed', 'src/deps.ts'],
  ['owned', 'src/application/handlers.ts'],
  ['managed', 'src/dispatcher.ts'],
  ['managed', 'src/push.ts'],
  ['managed', 'src/app.ts'],
  ['managed', 'src/adapters/sqs-poller.ts'],
  ['managed', 'src/entry/lambda.ts'],
  ['managed', 'src/entry/server.ts'],
  ['managed', 'src/entry/redrive.ts'],
  ['owned', 'test/handlers.test.ts'],
  ['managed', 'test/dispatcher.test.ts'],
  ['managed', 'test/sqs-poller.test.ts'],
];

/** The names of a consumed event in the templates: `OrderPlaced`, and where it comes from (a note, a test source). */
function eventNames(event: string, from: string | undefined): Names {
  return { Event: event, fromNote: from !== undefined && from !== '' ? ` from ${from}` : '', source: from ?? 'test' };
}

export function renderConsumer(ctx: ServiceContext): OutputFile[] {
  const events = consumedEvents(ctx);
  const sources = new Map((ctx.service.spec.consumes ?? []).map((c) => [c.event, c.from]));
  const storage = storageData(ctx);
  // with a bucket of its own, the handlers archive what they consume (the user's handlers, written once)
  const archive = storage.flags.ownsBucket === true && events.length > 0;
  const deps = "logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(new MemoryPublisher())";
  const data = serviceData(ctx, {
    names: { sample: events[0] ?? 'SomethingHappened', batchSize: String(ctx.service.sizing.consumer.batch_size) },
    flags: { events: events.length > 0, archive, ...storage.flags },
    lists: { events: events.map((e) => eventNames(e, sources.get(e))), ...storage.lists },
    slots: {
      handlerDeps: `export type HandlerDeps = Pick<Dependencies, 'logger' | 'events'${archive ? " | 'objects'" : ''}>;`,
      handled: archive ? '// archived in the service\'s bucket as events/<type>/<yyyy>/<mm>/<dd>/<id>.json: a redelivery writes the same object\nreturn archiveEvent(deps.objects, event);' : 'return Promise.resolve();',
      deps: `const deps = { ${deps}${archive ? ', objects: new MemoryObjectStore()' : ''} };`,
    },
  });
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod', '@aws-sdk/client-sqs']),
    serviceConfig(ctx, consumerConfig(ctx)),
    dockerfile(ctx, 'server'),
    ...FILES.map(([kind, file]) => templateFile(kind, ctx.dir, `consumer/${file}`, data)),
    serviceOpenApiTest(ctx, { appArgs: 'deps, createProcessor(deps, 60)', imports: ["import { createProcessor } from '../src/dispatcher';"] }),
  ];
}
