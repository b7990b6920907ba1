/**
 * System tests on the gcp flavour of `allframe dev`: fixtures/dev/system-gcp.yaml's generated services run against
 * Google's Pub/Sub and Firestore emulators, set up from the synthesized Terraform, driven over real HTTP. As on the
 * aws flavour (aws-system.test.ts), every assertion is an observable outcome, never a log line.
 */
import { Firestore } from '@google-cloud/firestore';
import { startDev, type DevRun, type DevService } from '../../src/dev';
import type { LogLine } from '../../src/dev/processes';
import { describeWithReferee } from '../referees';
import { createOrder, envelope, eventually, printLogsOnFailure, sharedSystemTests, systemEdits } from './scenarios';
import { writeDevWorkspace, type DevWorkspace } from './workspace';

const PROJECT = 'dev-system-local';

interface Pulled {
  ackId: string;
  message: { data?: string; attributes?: Record<string, string>; messageId: string };
}

describeWithReferee('gcloud', 'allframe dev, gcp flavour: the system runs end to end', () => {
  let ws: DevWorkspace;
  let run: DevRun;
  const logs: LogLine[] = [];
  let pubsub: string;
  let firestore: Firestore;
  const service = (name: string): DevService => run.services.find((s) => s.name === name)!;

  /** The emulator's Pub/Sub REST API. */
  const api = async (method: string, path: string, body?: object): Promise<Record<string, unknown>> => {
    const r = await fetch(`${pubsub}/v1/projects/${PROJECT}/${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const pull = async (subscription: string): Promise<Pulled[]> => {
    const out = await api('POST', `subscriptions/${subscription}:pull`, { maxMessages: 10, returnImmediately: true });
    const received = (out.receivedMessages ?? []) as Pulled[];
    if (received.length > 0) await api('POST', `subscriptions/${subscription}:acknowledge`, { ackIds: received.map((m) => m.ackId) });
    return received;
  };
  const publish = (topic: string, data: string, attributes: Record<string, string>) => api('POST', `topics/${topic}:publish`, { messages: [{ data: Buffer.from(data).toString('base64'), attributes }] });
  const body = (m: Pulled) => Buffer.from(m.message.data ?? '', 'base64').toString('utf8');
  /** What order-api published, from the test's own subscription to its topic. */
  const tapped = async () =>
    (await pull('system-test-tap')).map((m) => JSON.parse(body(m)) as { id: string; type: string; data?: Record<string, unknown> }).flatMap((e) => (e.data !== undefined ? [{ ...e, data: e.data }] : []));
  const processed = async (eventId: string) => {
    const doc = await firestore.collection(`${service('order-mailer').environment.TABLE_PREFIX}-idempotency`).doc(encodeURIComponent(`event:${eventId}`)).get();
    return doc.exists ? doc.data() : undefined;
  };

  beforeAll(async () => {
    ws = await writeDevWorkspace('fixtures/dev/system-gcp.yaml', { edit: systemEdits });
    run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: 4850, log: (l) => logs.push(l) });
    pubsub = run.emulators.get('pubsub')!;
    firestore = new Firestore({ projectId: PROJECT, databaseId: service('order-mailer').environment.FIRESTORE_DATABASE, host: run.emulators.get('firestore')!.replace(/^http:\/\//, ''), ssl: false, credentials: { client_email: 'test@example.com', private_key: 'none' } });
    await api('PUT', 'subscriptions/system-test-tap', { topic: `projects/${PROJECT}/topics/${service('order-api').environment.EVENT_TARGET}` });
  }, 120_000);

  afterAll(async () => {
    await firestore?.terminate();
    await run?.stop();
    ws?.remove();
  }, 60_000);

  printLogsOnFailure(logs);

  test('1. a write through the outbox commits the entity and its event; Pub/Sub pushes it to the consumer, which records it as processed in Firestore', async () => {
    const created = await createOrder(service('order-api'), 'first order');
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    expect(await (await fetch(`${service('order-api').url}/orders/${order.id}`)).json()).toMatchObject({ id: order.id, name: 'first order' });
    const event = await eventually('OrderCreated on the topic', async () => (await tapped()).find((e) => e.type === 'OrderCreated' && e.data.id === order.id));
    const record = await eventually('the processed record in order-mailer', () => processed(event.id));
    expect(record).toBeDefined();
  }, 60_000);

  test('2. a poison event is delivered max_retries (5) times, then lands on the dead-letter topic with its body intact and its delivery count', async () => {
    const text = `{"poison":true,"sent":"${new Date().toISOString()}"}`;
    await publish(service('order-api').environment.EVENT_TARGET!, text, { type: 'OrderCreated' });
    const dead = await eventually('the poison message on the dead-letter topic', async () => (await pull('dev-system-order-mailer-from-order-api-dlq-sub')).find((m) => body(m) === text), 60_000);
    expect(dead.message.attributes).toMatchObject({ type: 'OrderCreated', CloudPubSubDeadLetterSourceDeliveryCount: '5', CloudPubSubDeadLetterSourceSubscription: 'dev-system-order-mailer-from-order-api' });
  }, 90_000);

  test("the subscription's filter holds locally: an event type the consumer does not take is acknowledged for it, neither handled nor dead-lettered", async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    await publish(service('order-api').environment.EVENT_TARGET!, envelope(id, 'OrderShipped', { id }), { type: 'OrderShipped' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(await processed(id)).toBeUndefined();
    expect((await pull('dev-system-order-mailer-from-order-api-dlq-sub')).map(body)).toEqual([]);
  }, 30_000);

  sharedSystemTests(() => run);

  test('7. a consumer killed while handling pushes loses no message: Pub/Sub pushes again what was not acknowledged', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => `22222222-2222-4222-8222-22222222222${i}`);
    for (const id of ids) {
      await publish(service('order-api').environment.EVENT_TARGET!, envelope(id, 'OrderCreated', { id, name: `slow ${id}` }), { type: 'OrderCreated' });
    }
    const done = async () => (await Promise.all(ids.map(processed))).filter((d) => d !== undefined).length;
    await eventually('a first push under way', async () => ((await done()) > 0 || logs.some((l) => l.source === 'order-mailer' && l.text.includes('slow')) ? true : undefined), 20_000).catch(() => undefined);
    await run.stopService('order-mailer', { kill: true });
    const before = await done();
    expect(before).toBeLessThan(ids.length);
    await run.startService('order-mailer');
    for (const id of ids) await eventually(`event ${id} processed`, () => processed(id), 60_000);
  }, 120_000);
});
