/**
 * System tests on the aws flavour of `allframe dev`: the generated services of fixtures/dev/system.yaml run as
 * processes against moto, created from their synthesized templates, and are driven over real HTTP. Every assertion
 * is an observable outcome (an HTTP answer, an item in a table, a message in a queue), never a log line.
 */
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { execFileSync } from 'node:child_process';
import { startDev, type DevRun, type DevService } from '../../src/dev';
import type { LogLine } from '../../src/dev/processes';
import { describeWithReferee } from '../referees';
import { createOrder, envelope, eventually, idempotentCreate, killedConsumerLosesNothing, printLogsOnFailure, sharedSystemTests, systemEdits } from './scenarios';
import { writeDevWorkspace, type DevWorkspace } from './workspace';

const REGION = 'eu-west-1';
const credentials = { accessKeyId: 'AKIAALLFRAMEDEVLOCAL1', secretAccessKey: 'allframe-dev-local-secret-access-key-0000' };

describeWithReferee('moto_server', 'allframe dev, aws flavour', () => describeWithReferee('redis-server', 'the system runs end to end', () => {
  let ws: DevWorkspace;
  let run: DevRun;
  const logs: LogLine[] = [];
  let sqs: SQSClient;
  let sns: SNSClient;
  let dynamodb: DynamoDBClient;
  /** A queue of the test's own subscribed to order-api's topic: what order-api published. */
  let tapUrl: string;
  const service = (name: string): DevService => run.services.find((s) => s.name === name)!;

  beforeAll(async () => {
    ws = await writeDevWorkspace('fixtures/dev/system.yaml', { edit: systemEdits });
    run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: 4800, log: (l) => logs.push(l) });
    const endpoint = run.emulators.get('moto')!;
    sqs = new SQSClient({ endpoint, region: REGION, credentials });
    sns = new SNSClient({ endpoint, region: REGION, credentials });
    dynamodb = new DynamoDBClient({ endpoint, region: REGION, credentials });
    const tap = await sqs.send(new CreateQueueCommand({ QueueName: 'system-test-tap' }));
    tapUrl = tap.QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: tapUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: service('order-api').environment.EVENT_TARGET, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'true' } }));
  }, 120_000);

  afterAll(async () => {
    sqs?.destroy();
    sns?.destroy();
    dynamodb?.destroy();
    await run?.stop();
    ws?.remove();
  }, 60_000);

  printLogsOnFailure(logs);

  /** The events order-api published, read from the tap queue. */
  async function tapped(): Promise<{ id: string; type: string; data: Record<string, unknown> }[]> {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: tapUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of out.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: tapUrl, ReceiptHandle: m.ReceiptHandle }));
    // (the poison message of test 2 is on the topic too: no envelope, no data)
    return (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { id: string; type: string; data?: Record<string, unknown> }).flatMap((e) => (e.data !== undefined ? [{ ...e, data: e.data }] : []));
  }

  async function depth(url: string): Promise<number> {
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(a.Attributes!.ApproximateNumberOfMessages) + Number(a.Attributes!.ApproximateNumberOfMessagesNotVisible);
  }

  const processed = async (eventId: string) =>
    (await dynamodb.send(new GetItemCommand({ TableName: `${service('order-mailer').environment.TABLE_PREFIX}-idempotency`, Key: { pk: { S: `event:${eventId}` } }, ConsistentRead: true }))).Item;

  test('1. a write through the outbox commits the entity and its event; the event reaches the consumer through SNS and SQS, which records it as processed', async () => {
    // WHEN an order is created
    const created = await createOrder(service('order-api'), 'first order');
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string; name: string };
    // THEN the entity is there
    const read = await fetch(`${service('order-api').url}/orders/${order.id}`);
    expect(await read.json()).toMatchObject({ id: order.id, name: 'first order' });
    // AND the relay published its OrderCreated to the topic
    const event = await eventually('OrderCreated on the topic', async () => (await tapped()).find((e) => e.type === 'OrderCreated' && e.data.id === order.id));
    expect(event.data).toMatchObject({ name: 'first order' });
    // AND order-mailer received it through its queue and recorded it as processed, leaving nothing in its queues
    const item = await eventually('the processed record in order-mailer', () => processed(event.id));
    expect(item.pk!.S).toBe(`event:${event.id}`);
    await eventually('order-mailer queues drained', async () => ((await depth(service('order-mailer').environment.QUEUE_URL!)) === 0 ? true : undefined));
    expect(await depth(service('order-mailer').environment.DLQ_URL!)).toBe(0);
  }, 60_000);

  test('2. a poison event is delivered max_retries (3) times, then lands in the dead-letter queue with its body intact, where the alarm metric counts it', async () => {
    const mailer = service('order-mailer');
    // GIVEN a message no handler can take (not an event envelope), published as order-api publishes OrderCreated
    const body = '{"poison":true,"sent":"' + new Date().toISOString() + '"}';
    await sns.send(new PublishCommand({ TopicArn: service('order-api').environment.EVENT_TARGET, Message: body, MessageAttributes: { type: { DataType: 'String', StringValue: 'OrderCreated' } } }));
    // WHEN the consumer fails it on every delivery
    const dead = await eventually(
      'the poison message in the DLQ',
      async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: mailer.environment.DLQ_URL, MaxNumberOfMessages: 1, AttributeNames: ['All'], VisibilityTimeout: 30 }))).Messages?.[0],
      60_000,
    );
    // THEN it was received exactly max_retries times from the queue (the count it carries; this receive from the DLQ is the fourth)
    expect(Number(dead.Attributes!.ApproximateReceiveCount)).toBe(3 + 1);
    expect(dead.Body).toBe(body);
    // AND the DLQ depth (the ApproximateNumberOfMessagesVisible the DLQ alarm watches) counts it, the queue is empty
    expect(await depth(mailer.environment.DLQ_URL!)).toBe(1);
    expect(await depth(mailer.environment.QUEUE_URL!)).toBe(0);
  }, 90_000);

  test('3. the same request with the same Idempotency-Key twice has one effect and the same response', async () => {
    const a = await idempotentCreate(service('order-api'));
    // one event only
    const events: { type: string; data: Record<string, unknown> }[] = [];
    await eventually('the OrderCreated of the key', async () => {
      events.push(...(await tapped()));
      return events.some((e) => e.data.id === a.id) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 2500));
    events.push(...(await tapped()));
    expect(events.filter((e) => e.data.name === 'once only')).toHaveLength(1);
  }, 60_000);

  sharedSystemTests(() => run, { idempotency: false });

  test('the queue an event source mapping drains in the cloud is drained locally into the service: OrderCreated invalidates order-cache\'s key in Redis', async () => {
    // GIVEN a cached order in the local Redis, under the key order-cache's default invalidation deletes
    const redis = run.emulators.get('redis')!.replace(/^redis:\/\/127\.0\.0\.1:/, '');
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', redis, ...args], { encoding: 'utf8' }).trim();
    const id = '33333333-3333-4333-8333-333333333333';
    cli('SET', `order-cache:order:${id}`, 'stale');
    // WHEN an OrderCreated of that order is published on order-api's topic
    await sns.send(new PublishCommand({ TopicArn: service('order-api').environment.EVENT_TARGET, Message: envelope('e-33333333', 'OrderCreated', { id, name: 'cached order' }), MessageAttributes: { type: { DataType: 'String', StringValue: 'OrderCreated' } } }));
    // THEN it reaches order-cache's invalidation queue, allframe dev drains it into POST /events, and the key is gone
    await eventually('the key invalidated', async () => (cli('EXISTS', `order-cache:order:${id}`) === '0' ? true : undefined), 20_000);
  }, 30_000);

  test('7. a consumer killed in the middle of a batch loses no message: the unfinished ones are delivered again after the visibility timeout', async () => {
    const mailer = service('order-mailer');
    // GIVEN order-mailer stopped, and slow events waiting in its queue (1.5 s each, batches of 5)
    await run.stopService('order-mailer');
    const ids = Array.from({ length: 6 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
    for (const id of ids) {
      await sqs.send(new SendMessageCommand({ QueueUrl: mailer.environment.QUEUE_URL, MessageBody: envelope(id, 'OrderCreated', { id, name: `slow ${id}` }), MessageAttributes: { type: { DataType: 'String', StringValue: 'OrderCreated' } } }));
    }
    // WHEN it starts, is killed outright part way through its first batches, and starts again
    // THEN every event is processed (the received but unfinished ones after their visibility timeout), none dead-lettered
    await killedConsumerLosesNothing(run, ids, processed);
    expect(await depth(mailer.environment.DLQ_URL!)).toBe(1); // the poison message of test 2 only
  }, 120_000);
}));

describeWithReferee('moto_server', 'allframe dev, aws flavour, events on EventBridge', () => {
  let ws: DevWorkspace;
  let run: DevRun;
  let dynamodb: DynamoDBClient;
  const logs: LogLine[] = [];
  beforeAll(async () => {
    ws = await writeDevWorkspace('fixtures/dev/eventbridge.yaml');
    run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: 4900, log: (l) => logs.push(l) });
    dynamodb = new DynamoDBClient({ endpoint: run.emulators.get('moto')!, region: REGION, credentials });
  }, 120_000);
  afterAll(async () => {
    dynamodb?.destroy();
    await run?.stop();
    ws?.remove();
  }, 60_000);

  test("the bus and the consumer's rule (its event pattern, its queue) come from the templates: OrderCreated reaches order-mailer through them", async () => {
    const mailer = run.services.find((s) => s.name === 'order-mailer')!;
    const orderApi = run.services.find((s) => s.name === 'order-api')!;
    expect(orderApi.environment).toMatchObject({ EVENT_BUS: 'eventbridge', EVENT_TARGET: 'dev-bus-events' });
    const records = async () => ((await dynamodb.send(new ScanCommand({ TableName: `${mailer.environment.TABLE_PREFIX}-idempotency` }))).Items ?? []).map((i) => i.pk!.S!);
    // WHEN an order is created (order-api publishes OrderCreated to the bus directly)
    const created = await createOrder(orderApi, 'on the bus');
    if (created.status !== 201) throw new Error(`${created.status} ${await created.text()}\n${logs.map((l) => `${l.source} | ${l.text}`).join('\n')}`);
    // THEN the rule routes it into order-mailer's queue, which processes it once
    await eventually('an event processed by order-mailer', async () => ((await records()).length === 1 ? true : undefined), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${logs.map((l) => `${l.source} | ${l.text}`).join('\n')}`);
    });
    expect((await records())[0]).toMatch(/^event:/);
  }, 60_000);
});
