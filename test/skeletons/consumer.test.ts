import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

function render(file: string) {
  return new Map(renderText(readFileSync(join(__dirname, '..', '..', file), 'utf8')).map((f) => [f.path, f]));
}

describe('consumer skeleton', () => {
  // GIVEN the consumer fixture: email-notifier consumes OrderPlaced and OrderShipped
  const files = render('fixtures/archetypes/consumer.yaml');
  const dir = 'services/email-notifier';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('one owned handler per consumed event, routed by a managed dispatcher that fails unknown types', () => {
    expect(files.get(`${dir}/src/application/handlers.ts`)?.kind).toBe('owned');
    expect(content('src/application/handlers.ts')).toContain('export function onOrderPlaced(event: EventEnvelope, deps: HandlerDeps)');
    expect(content('src/application/handlers.ts')).toContain('export function onOrderShipped(');
    expect(files.get(`${dir}/src/dispatcher.ts`)?.kind).toBe('managed');
    expect(content('src/dispatcher.ts')).toContain('  OrderPlaced: onOrderPlaced,\n  OrderShipped: onOrderShipped,');
    expect(content('src/dispatcher.ts')).toContain('no handler for event type');
  });

  test('processing is idempotent, keyed by event id, with the store from configuration', () => {
    expect(content('src/dispatcher.ts')).toContain('store: deps.idempotency');
    expect(content('src/deps.ts')).toContain('createMessaging(config, { outbox: false, idempotency: true, schemas: EVENT_SCHEMAS })');
    expect(content('src/deps.ts')).toContain('idempotency: messaging.idempotency');
    expect(content('src/config.ts')).toContain("STORE: { kind: 'string', default: \"memory\"");
  });

  test('consumer settings become configuration defaults', () => {
    const config = content('src/config.ts');
    expect(config).toContain('BATCH_SIZE: { kind: \'int\', default: "10"');
    expect(config).toContain('CONCURRENCY: { kind: \'int\', default: "5"');
    expect(config).toContain('MAX_RETRIES: { kind: \'int\', default: "5"');
    expect(config).not.toContain('SMTP_PASSWORD');
    expect(config).toContain('SECRETS_SOURCE: { kind: \'string\', default: "env"');
    expect(content('src/secrets.ts')).toContain("export const SECRET_NAMES = ['SMTP_PASSWORD'] as const;");
    expect(content('src/entry/lambda.ts')).toContain('  const deps = createDependencies(config, await loadServiceSecrets(config));\n  return sqsHandler(');
    expect(content('src/entry/server.ts')).toContain('async function main(): Promise<void> {');
  });

  test('on NATS JetStream (Fly.io): the container entry starts the consumer when NATS_URL is set, with the bus\'s names as defaults', () => {
    // GIVEN order-notifications: email-notifier consumes OrderPlaced and OrderShipped from order-service, timeout 20 s
    const config = content('src/config.ts');
    // THEN
    expect(config).toContain('NATS_URL: { kind: \'string\', default: ""');
    expect(config).toContain('NATS_STREAM: { kind: \'string\', default: "ORDER_NOTIFICATIONS_EVENTS"');
    expect(config).toContain('NATS_CONSUMER: { kind: \'string\', default: "email-notifier"');
    expect(config).toContain('NATS_FILTER_SUBJECTS: { kind: \'list\', default: "order-notifications.events.order-service.OrderPlaced,order-notifications.events.order-service.OrderShipped"');
    expect(config).toContain('NATS_MAX_DELIVER: { kind: \'int\', default: "5"');
    expect(config).toContain('NATS_ACK_WAIT_SECONDS: { kind: \'int\', default: "20"');
    expect(config).toContain('NATS_DLQ_SUBJECT: { kind: \'string\', default: "order-notifications.dlq.email-notifier"');
    expect(config).toContain('NATS_RETRY_BACKOFF: { kind: \'string\', default: "exponential"');
    expect(content('src/entry/server.ts')).toContain("if (config.NATS_URL !== '') {\n    jetStream = await startConfiguredJetStreamConsumer(config, process.env, {");
    expect(content('src/entry/server.ts')).toContain('await Promise.all([...pollers.map((p) => p.stop()), jetStream?.stop()]);');
    // the service's own code is the same whatever the bus
    for (const file of ['src/application/handlers.ts', 'src/adapters/sqs-poller.ts']) expect(content(file)).not.toMatch(/nats|jetstream/i);
  });

  test('entries: Lambda SQS with batch item failures, a container with push and polling, a DLQ redrive', () => {
    expect(content('src/entry/lambda.ts')).toContain('sqsHandler(createDispatcher(deps)');
    expect(content('src/entry/server.ts')).toContain("if (config.QUEUE_URL !== '')");
    expect(content('src/app.ts')).toContain("createRoute({ method: 'post', path: '/events', tags: ['Events'], middleware: [bodyAsJson], request: { body: { ...jsonContent(PushBodySchema, 'An event envelope, or a Pub/Sub push delivery of one'), required: true } }");
    expect(content('src/app.ts')).toContain("if (result.batchItemFailures.length > 0) throw new HttpError(500, 'processing failed; the delivery will be retried');\n      return c.body(null, 204);");
    expect(content('src/push.ts')).toContain('export const PushBodySchema = z.union([EventEnvelopeSchema, PubSubPushSchema]);');
    expect(content('test/openapi.test.ts')).toContain('openApiDocument(buildApp(deps, createProcessor(deps, 60))');
    expect(content('src/push.ts')).toContain("Buffer.from(message.data, 'base64')");
    expect(content('src/entry/redrive.ts')).toContain('redrive({ dlqUrl: config.DLQ_URL, queueUrl: config.QUEUE_URL, max })');
    expect(content('Dockerfile')).toContain('src/entry/server.ts');
  });

  test('tests: handlers (owned), dispatcher, push decoding and the poll loop (managed)', () => {
    expect(files.get(`${dir}/test/handlers.test.ts`)?.kind).toBe('owned');
    const dispatcher = content('test/dispatcher.test.ts');
    for (const name of ['a duplicate event is skipped', 'failures are reported per message', 'an unknown event type fails', 'a Pub/Sub push body is decoded']) {
      expect(dispatcher).toContain(name);
    }
    expect(files.get(`${dir}/test/sqs-poller.test.ts`)?.kind).toBe('managed');
  });
});
