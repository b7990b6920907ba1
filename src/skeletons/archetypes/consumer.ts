/**
 * consumer: one handler per consumed event behind a dispatcher routing by event type, idempotent processing keyed by
 * event id, a Lambda SQS entry with per-message failures, a container entry (Pub/Sub push and an SQS poll loop), and
 * a dead-letter redrive command.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { containerEntry, lambdaEntry, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { baseConfig, configFile, databaseConfig, type ConfigVar } from '../common';

/** The consumed event types, in declaration order, without duplicates. */
export function consumedEvents(ctx: ServiceContext): string[] {
  return [...new Set((ctx.service.spec.consumes ?? []).map((c) => c.event))];
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
  };
}

export function renderConsumer(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const events = consumedEvents(ctx);
  const files: OutputFile[] = [servicePackage(ctx, ['hono', '@aws-sdk/client-sqs']), configFile(ctx, consumerConfig(ctx)), dockerfile(ctx, 'server')];

  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createEventSink, createIdempotencyStore, createLogger, createPublisher } from '${P}';
import type { EventSink, IdempotencyStore, Logger } from '${P}';
import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the handlers need from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  /** Where handlers emit follow-up events. */
  readonly events: EventSink;
  /** Processed event ids: a redelivered or twice-published event is handled once. */
  readonly idempotency: IdempotencyStore;
  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, SQS, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  return {
${secretsWiring(ctx).prop}    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    events: createEventSink(createPublisher(config.EVENT_BUS, config.EVENT_TARGET)),
    idempotency: createIdempotencyStore(config.STORE, \`\${config.TABLE_PREFIX}-idempotency\`, config.DATABASE_URL),
    close: () => closePools(),
  };
}
`,
    ),
  );

  // The handlers: the user's from the first synth on.
  const sources = new Map((s.spec.consumes ?? []).map((c) => [c.event, c.from]));
  files.push(
    owned(
      `${ctx.dir}/src/application/handlers.ts`,
      `import type { EventEnvelope } from '${P}';
import type { Dependencies } from '../deps';

/** What a handler may use; throwing fails the message (it is redelivered, then dead-lettered). */
export type HandlerDeps = Pick<Dependencies, 'logger' | 'events'>;
${events
  .map(
    (e) => `
/** Handles ${e}${sources.get(e) ? ` from ${sources.get(e)}` : ''}. Runs at most once per event id. */
export function on${e}(event: EventEnvelope, deps: HandlerDeps): Promise<void> {
  deps.logger.info({ eventId: event.id, type: event.type }, '${e} received');
  return Promise.resolve();
}
`,
  )
  .join('')}`,
    ),
  );

  files.push(
    managed(
      `${ctx.dir}/src/dispatcher.ts`,
      `import { processBatch } from '${P}';
import type { BatchResult, EventEnvelope, EventHandler, ProcessOptions, QueueMessage } from '${P}';
import { ${events.map((e) => `on${e}`).join(', ')}${events.length ? ', ' : ''}type HandlerDeps } from './application/handlers';
import type { Dependencies } from './deps';

/** A handler of one event type. */
export type Handler = (event: EventEnvelope, deps: HandlerDeps) => Promise<void>;

/** The consumed events and their handlers. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
${events.map((e) => `  ${e}: on${e},`).join('\n')}
};

/** Routes an event to the handler of its type; an event type nobody handles is a failure (it ends in the DLQ). */
export function createDispatcher(deps: HandlerDeps, handlers: Readonly<Record<string, Handler>> = HANDLERS): EventHandler {
  return (event) => {
    const handler = Object.prototype.hasOwnProperty.call(handlers, event.type) ? handlers[event.type] : undefined;
    if (!handler) return Promise.reject(new Error(\`no handler for event type \${event.type}\`));
    return handler(event, deps);
  };
}

/** Options of the batch processing: each event id is handled once, per-message failures are reported. */
export function processOptions(deps: Dependencies, ttlSeconds: number): ProcessOptions {
  return { logger: deps.logger, store: deps.idempotency, ttlSeconds };
}

/** Processes a batch of queue messages through the dispatcher. */
export function createProcessor(
  deps: Dependencies,
  ttlSeconds: number,
  handlers: Readonly<Record<string, Handler>> = HANDLERS,
): (messages: readonly QueueMessage[]) => Promise<BatchResult> {
  const dispatch = createDispatcher(deps, handlers);
  const options = processOptions(deps, ttlSeconds);
  return (messages) => processBatch(messages, dispatch, options);
}
`,
    ),
    managed(
      `${ctx.dir}/src/push.ts`,
      `import { HttpError } from '${P}';
import type { QueueMessage } from '${P}';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringAttributes(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * The queue message in an HTTP push: a Pub/Sub push body \`{ message: { data (base64), attributes, messageId } }\`, or
 * an event envelope posted as is. Anything else is a 400.
 */
export function pushedMessage(body: unknown): QueueMessage {
  if (!isRecord(body)) throw new HttpError(400, 'expected a JSON object');
  const message = body.message;
  if (isRecord(message)) {
    if (typeof message.data !== 'string' || typeof message.messageId !== 'string') throw new HttpError(400, 'message.data and message.messageId are required');
    return { id: message.messageId, body: Buffer.from(message.data, 'base64').toString('utf8'), attributes: stringAttributes(message.attributes) };
  }
  if (typeof body.id !== 'string') throw new HttpError(400, 'expected a Pub/Sub push body or an event envelope');
  return { id: body.id, body: JSON.stringify(body) };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp, HttpError } from '${P}';
import type { BatchResult, QueueMessage } from '${P}';
import type { Dependencies } from './deps';
import { pushedMessage } from './push';

/**
 * Health and readiness, and \`POST /events\` for push deliveries (Pub/Sub push subscriptions, or an envelope posted
 * directly): 204 once handled (or already handled), 500 when the handler fails so that the sender retries.
 */
export function buildApp(deps: Dependencies, process: (messages: readonly QueueMessage[]) => Promise<BatchResult>) {
  const app = createHttpApp({ service: '${s.name}', logger: deps.logger });
  app.post('/events', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, 'expected a JSON body');
    });
    const result = await process([pushedMessage(body)]);
    return result.batchItemFailures.length > 0 ? c.json({ error: 'processing failed' }, 500) : c.body(null, 204);
  });
  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/src/adapters/sqs-poller.ts`,
      `import { DeleteMessageCommand, ReceiveMessageCommand, type ReceiveMessageCommandOutput } from '@aws-sdk/client-sqs';
import type { AwsClient, BatchResult, Logger, QueueMessage } from '${P}';

/** Options of an SQS poll loop. */
export interface PollerOptions {
  readonly client: AwsClient;
  readonly queueUrl: string;
  /** Messages per receive, at most 10. */
  readonly batchSize: number;
  readonly process: (messages: readonly QueueMessage[]) => Promise<BatchResult>;
  readonly logger: Logger;
  /** Long-poll wait; 20 s by default. */
  readonly waitSeconds?: number;
  /** Pause after a failed receive; 1 s by default. */
  readonly errorDelayMs?: number;
}

/** Receives one batch, processes it, and deletes the messages that succeeded (the failed ones reappear). */
export async function pollOnce(options: PollerOptions): Promise<number> {
  const out = (await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, options.batchSize)),
      WaitTimeSeconds: options.waitSeconds ?? 20,
      MessageAttributeNames: ['All'],
    }),
  )) as ReceiveMessageCommandOutput;
  const received = (out.Messages ?? []).map((m) => ({ id: m.MessageId ?? '', body: m.Body ?? '', receipt: m.ReceiptHandle }));
  if (received.length === 0) return 0;
  const result = await options.process(received.map(({ id, body }) => ({ id, body })));
  const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of received) {
    if (!failed.has(m.id)) await options.client.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.receipt }));
  }
  return received.length;
}

/** A running poll loop. */
export interface Poller {
  /** Stops after the current receive and waits for it. */
  stop(): Promise<void>;
}

/** Polls until stopped; a failed receive is logged and retried after a pause. */
export function startPolling(options: PollerOptions): Poller {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await pollOnce(options);
      } catch (err) {
        options.logger.error({ err }, 'queue poll failed');
        await new Promise((resolve) => setTimeout(resolve, options.errorDelayMs ?? 1000));
      }
    }
  })();
  return {
    stop: () => {
      running = false;
      return loop;
    },
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/entry/lambda.ts`,
      lambdaEntry(ctx, `import { sqsHandler } from '${P}';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { createDispatcher, processOptions } from '../dispatcher';

const config = loadConfig(process.env);
const deps = createDependencies(config);

/** SQS event source mapping (batch size ${s.spec.consumer?.batch_size ?? 10}); enable ReportBatchItemFailures so only failed messages return. */
export const handler = sqsHandler(createDispatcher(deps), processOptions(deps, config.IDEMPOTENCY_TTL_SECONDS));
`),
    ),
    managed(
      `${ctx.dir}/src/entry/server.ts`,
      containerEntry(ctx, `import { SQSClient } from '@aws-sdk/client-sqs';
import { serve } from '${P}';
import { startPolling, type Poller } from '../adapters/sqs-poller';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { createProcessor } from '../dispatcher';

const config = loadConfig(process.env);
const deps = createDependencies(config);
const processor = createProcessor(deps, config.IDEMPOTENCY_TTL_SECONDS);
const pollers: Poller[] = [];
if (config.QUEUE_URL !== '') {
  const client = new SQSClient({});
  for (let i = 0; i < config.CONCURRENCY; i++) {
    pollers.push(startPolling({ client, queueUrl: config.QUEUE_URL, batchSize: config.BATCH_SIZE, process: processor, logger: deps.logger }));
  }
}
serve(buildApp(deps, processor), {
  port: config.PORT,
  logger: deps.logger,
  onShutdown: async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    await deps.close();
  },
});
`),
    ),
    managed(
      `${ctx.dir}/src/entry/redrive.ts`,
      `// Moves up to N messages (argument, default 100) from DLQ_URL back to QUEUE_URL: npx tsx src/entry/redrive.ts 50
import { redrive } from '${P}';
import { loadConfig } from '../config';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.DLQ_URL === '' || config.QUEUE_URL === '') throw new Error('DLQ_URL and QUEUE_URL are required');
  const max = Number(process.argv[2] ?? '100');
  if (!Number.isInteger(max) || max < 1) throw new Error('the maximum must be a positive integer');
  const moved = await redrive({ dlqUrl: config.DLQ_URL, queueUrl: config.QUEUE_URL, max });
  console.log(\`moved \${moved} message(s) from the dead-letter queue\`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
`,
    ),
  );

  // Tests: the handlers (owned) and the managed wiring.
  const sample = events[0] ?? 'SomethingHappened';
  files.push(
    owned(
      `${ctx.dir}/test/handlers.test.ts`,
      `import { MemoryPublisher, createEventSink, createLogger, newEvent } from '${P}';
${events.length ? `import { ${events.map((e) => `on${e}`).join(', ')} } from '../src/application/handlers';\n` : ''}
const deps = { logger: createLogger({ service: 'test', level: 'silent' }), events: createEventSink(new MemoryPublisher()) };

describe('handlers', () => {
${events
  .map(
    (e) => `  test('${e} is handled', async () => {
    // GIVEN a ${e} event
    const event = newEvent('${e}', '${sources.get(e) ?? 'test'}', {});
    // WHEN it is handled THEN it succeeds
    await expect(on${e}(event, deps)).resolves.toBeUndefined();
  });
`,
  )
  .join('\n')}${events.length ? '' : "  test('no consumed events', () => {\n    expect(deps.logger).toBeDefined();\n  });\n"}});
`,
    ),
    managed(
      `${ctx.dir}/test/dispatcher.test.ts`,
      `import { FirestoreIdempotencyStore, newEvent } from '${P}';
import type { EventEnvelope, QueueMessage } from '${P}';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { HANDLERS, createDispatcher, createProcessor, type Handler } from '../src/dispatcher';
import { pushedMessage } from '../src/push';

const EVENTS = ${JSON.stringify(events)};

function setup(fail: (event: EventEnvelope) => boolean = () => false) {
  const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' })${secretsWiring(ctx).testArg});
  const handled: EventEnvelope[] = [];
  const record: Handler = (event) => {
    if (fail(event)) return Promise.reject(new Error('boom'));
    handled.push(event);
    return Promise.resolve();
  };
  const handlers = Object.fromEntries(['${sample}', ...EVENTS].map((type) => [type, record]));
  return { deps, handled, process: createProcessor(deps, 60, handlers) };
}

const message = (event: EventEnvelope, id = event.id): QueueMessage => ({ id, body: JSON.stringify(event) });

describe('dispatcher', () => {
  test('routes every consumed event type to its handler', async () => {
    // GIVEN one event of each consumed type
    const { process, handled } = setup();
    const events = EVENTS.map((type) => newEvent(type, 'test', {}));
    // WHEN the batch is processed
    const result = await process(events.map((e) => message(e)));
    // THEN each handler ran once and nothing failed
    expect(result.batchItemFailures).toEqual([]);
    expect(handled.map((e) => e.type)).toEqual(EVENTS);
    expect(Object.keys(HANDLERS)).toEqual(EVENTS);
  });

  test('a duplicate event is skipped', async () => {
    const { process, handled } = setup();
    const event = newEvent('${sample}', 'test', {});
    const result = await process([message(event, 'm1'), message(event, 'm2')]);
    expect(result.batchItemFailures).toEqual([]);
    expect(handled).toHaveLength(1);
  });

  test('failures are reported per message and retried on redelivery', async () => {
    const bad = newEvent('${sample}', 'test', { bad: true });
    const good = newEvent('${sample}', 'test', {});
    const { process, handled } = setup((e) => e.id === bad.id);
    const result = await process([message(bad), message(good), { id: 'garbage', body: 'not json' }]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.id }, { itemIdentifier: 'garbage' }]);
    expect(handled.map((e) => e.id)).toEqual([good.id]);
  });

  test('an unknown event type fails', async () => {
    const { deps } = setup();
    const dispatch = createDispatcher(deps, {});
    const event = newEvent('NobodyHandlesThis', 'test', {});
    await expect(dispatch(event, message(event))).rejects.toThrow('no handler for event type NobodyHandlesThis');
    await expect(createDispatcher(deps)(event, message(event))).rejects.toThrow('no handler');
  });

  test('with STORE=firestore, processed event ids are kept in a Firestore collection (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent', STORE: 'firestore', FIRESTORE_DATABASE: 'shop' })${secretsWiring(ctx).testArg});
    expect(deps.idempotency).toBeInstanceOf(FirestoreIdempotencyStore);
    await deps.close();
  });
});

describe('push deliveries', () => {
  const event = newEvent('${sample}', 'test', { n: 1 });

  test('a Pub/Sub push body is decoded', () => {
    const body = { message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), attributes: { type: '${sample}', n: 1 }, messageId: 'p1' } };
    expect(pushedMessage(body)).toEqual({ id: 'p1', body: JSON.stringify(event), attributes: { type: '${sample}' } });
    expect(pushedMessage({ message: { data: '', messageId: 'p2' } }).attributes).toEqual({});
  });

  test('a raw envelope is accepted; anything else is a 400', () => {
    expect(pushedMessage(event)).toEqual({ id: event.id, body: JSON.stringify(event) });
    for (const bad of [null, [1], { message: { data: 1 } }, { type: 'x' }]) expect(() => pushedMessage(bad)).toThrow();
  });

  test('POST /events handles a push, reports failures with a 500 and bad bodies with a 400', async () => {
    const { deps, process, handled } = setup((e) => e.id === 'fails');
    const app = buildApp(deps, process);
    const post = (body: string) => app.request('/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const push = { message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), messageId: 'p1' } };
    expect((await post(JSON.stringify(push))).status).toBe(204);
    expect(handled).toHaveLength(1);
    expect((await post(JSON.stringify({ ...event, id: 'fails' }))).status).toBe(500);
    expect((await post('{')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    expect((await app.request('/healthz')).status).toBe(200);
    await deps.close();
  });
});
`,
    ),
    managed(
      `${ctx.dir}/test/sqs-poller.test.ts`,
      `import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createLogger } from '${P}';
import type { BatchResult, QueueMessage } from '${P}';
import { pollOnce, startPolling, type Poller } from '../src/adapters/sqs-poller';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A fake SQS client: answers receives from \`batches\` (an Error is thrown), records deletes. */
function fakeSqs(batches: (object[] | Error)[], onEmpty: () => void = () => undefined) {
  const deleted: unknown[] = [];
  const client = {
    send: async (command: object): Promise<unknown> => {
      await new Promise((resolve) => setImmediate(resolve));
      if (command instanceof DeleteMessageCommand) {
        deleted.push(command.input.ReceiptHandle);
        return {};
      }
      if (!(command instanceof ReceiveMessageCommand)) throw new Error('unexpected command');
      const next = batches.shift();
      if (next instanceof Error) throw next;
      if (!next) onEmpty();
      return next ? { Messages: next } : {};
    },
  };
  return { client, deleted };
}

const failing = (ids: string[]) => (messages: readonly QueueMessage[]): Promise<BatchResult> =>
  Promise.resolve({ batchItemFailures: messages.filter((m) => ids.includes(m.id)).map((m) => ({ itemIdentifier: m.id })) });

describe('SQS poll loop', () => {
  test('deletes the processed messages and leaves the failed ones', async () => {
    const { client, deleted } = fakeSqs([[{ MessageId: 'a', Body: '{}', ReceiptHandle: 'ra' }, { MessageId: 'b', Body: '{}', ReceiptHandle: 'rb' }, {}]]);
    const count = await pollOnce({ client, queueUrl: 'q', batchSize: 50, process: failing(['b']), logger });
    expect(count).toBe(3);
    expect(deleted).toEqual(['ra', undefined]);
    expect(await pollOnce({ client, queueUrl: 'q', batchSize: 1, waitSeconds: 0, process: failing([]), logger })).toBe(0);
  });

  test('polls until stopped, surviving a failed receive', async () => {
    const running: { poller?: Poller } = {};
    const { client, deleted } = fakeSqs([new Error('throttled'), [{ MessageId: 'a', Body: '{}', ReceiptHandle: 'ra' }]], () => void running.poller?.stop());
    const poller = (running.poller = startPolling({ client, queueUrl: 'q', batchSize: 10, process: failing([]), logger, errorDelayMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await poller.stop();
    expect(deleted).toEqual(['ra']);
  });
});
`,
    ),
  );
  return files;
}
