/**
 * System tests on the fly flavour of `allframe dev`: fixtures/dev/system-fly.yaml's generated services run against
 * nats-server (JetStream, with the bus app's users and permissions) and PostgreSQL, each with its Fly app's
 * environment and secrets, driven over real HTTP. As on the other flavours, every assertion is an observable outcome
 * (an HTTP answer, a row in a table, a message in a stream), never a log line.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { execFileSync } from 'node:child_process';
import { Pool } from 'pg';
import { startDev, type DevRun, type DevService } from '../../src/dev';
import type { LogLine } from '../../src/dev/processes';
import { pgTableName } from '../../src/skeletons/platform/src/postgres';
import { describeWithReferee } from '../referees';
import { openWebSocket } from '../websocket-client';
import { createOrder, envelope, eventually, killedConsumerLosesNothing, printLogsOnFailure, sharedSystemTests, systemEdits } from './scenarios';
import { writeDevWorkspace, type DevWorkspace } from './workspace';

const EVENTS = 'DEV_SYSTEM_EVENTS';
const DLQ = 'DEV_SYSTEM_DLQ';
const ORDER_CREATED = 'dev-system.events.order-api.OrderCreated';
const MAILER_DLQ = 'dev-system.dlq.order-mailer';

describeWithReferee('nats-server', 'allframe dev, fly flavour', () => describeWithReferee('redis-server', 'the system runs end to end on NATS JetStream, PostgreSQL and Redis', () => {
  let ws: DevWorkspace;
  let run: DevRun;
  const logs: LogLine[] = [];
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let db: Pool;
  const service = (name: string): DevService => run.services.find((s) => s.name === name)!;

  /** Whether order-mailer recorded event `id` as processed (its idempotency table in its own database). */
  const processed = async (id: string): Promise<true | undefined> => {
    const table = pgTableName(`${service('order-mailer').environment.TABLE_PREFIX}-idempotency`);
    const r = await db.query(`select 1 from ${table} where key = $1`, [`event:${id}`]).catch(() => ({ rowCount: 0 }));
    return (r.rowCount ?? 0) > 0 ? true : undefined;
  };
  /** The dead letters of order-mailer (the DLQ stream holds every consumer's, order-cache's too). */
  const dlqMessages = async () => (await jsm.streams.info(DLQ, { subjects_filter: MAILER_DLQ }).catch(() => undefined))?.state.subjects?.[MAILER_DLQ] ?? 0;

  beforeAll(async () => {
    ws = await writeDevWorkspace('fixtures/dev/system-fly.yaml', { edit: systemEdits });
    run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: 4950, log: (l) => logs.push(l) });
    const admin = new URL(run.emulators.get('nats')!);
    nc = await connect({ servers: `nats://${admin.host}`, user: decodeURIComponent(admin.username), pass: decodeURIComponent(admin.password) });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    db = new Pool({ connectionString: service('order-mailer').environment.DATABASE_URL, max: 2 });
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await nc?.close();
    await run?.stop();
    ws?.remove();
  }, 60_000);

  printLogsOnFailure(logs);

  test("each service runs with its Fly app's configuration: the bus on loopback, its own user, a database of its own, signed calls", () => {
    const mailer = service('order-mailer').environment;
    expect(mailer).toMatchObject({ NATS_URL: `nats://127.0.0.1:${4950 + 6}`, NATS_USER: 'order-mailer', NATS_STREAM: EVENTS, NATS_FILTER_SUBJECTS: ORDER_CREATED, NATS_MAX_DELIVER: '3', NATS_ACK_WAIT_SECONDS: '10', NATS_DLQ_SUBJECT: MAILER_DLQ });
    expect(mailer.NATS_PASSWORD).toMatch(/^p[0-9a-f]{48}$/);
    expect(mailer.DATABASE_URL).toMatch(/\/order_mailer$/);
    expect(service('order-api').environment).toMatchObject({ EVENT_BUS: 'nats', EVENT_TARGET: 'dev-system.events.order-api', TRUSTED_CALLERS: 'web-bff', INBOUND_AUTH: 'ed25519-optional' });
    expect(service('web-bff').environment).toMatchObject({ OUTBOUND_AUTH: 'ed25519', ORDER_API_URL: service('order-api').url });
    expect(service('web-bff').environment.SIGNING_KEY_ORDER_API).toBeDefined();
    expect(service('order-api').environment.CALLER_KEY_WEB_BFF).toBeDefined();
  });

  test('1. a write through the outbox commits the entity and its event; JetStream delivers it to the consumer, which records it as processed', async () => {
    const created = await createOrder(service('order-api'), 'first order');
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    expect(await (await fetch(`${service('order-api').url}/orders/${order.id}`)).json()).toMatchObject({ id: order.id, name: 'first order' });
    // the relay published it on order-api's subject of the events stream
    const event = await eventually('OrderCreated in the events stream', async () => {
      const m = await jsm.streams.getMessage(EVENTS, { last_by_subj: ORDER_CREATED }).catch(() => null);
      const e = m?.json<{ id: string; data: { id: string } }>();
      return e?.data.id === order.id ? e : undefined;
    });
    await eventually('the processed record in order-mailer', () => processed(event.id));
    expect(await dlqMessages()).toBe(0);
  }, 60_000);

  test('2. a poison event is delivered exactly max_retries (3) times, then lands in the DLQ stream with its body intact and where it came from', async () => {
    const body = `{"poison":true,"sent":"${new Date().toISOString()}"}`;
    const ack = await js.publish(ORDER_CREATED, body);
    const dead = await eventually('the poison message in the DLQ stream', async () => {
      const m = await jsm.streams.getMessage(DLQ, { last_by_subj: MAILER_DLQ }).catch(() => null);
      return m?.string() === body ? m : undefined;
    }, 60_000);
    expect(dead.header.get('Dlq-Delivery-Count')).toBe('3');
    expect(dead.header.get('Dlq-Original-Subject')).toBe(ORDER_CREATED);
    expect(dead.header.get('Dlq-Original-Sequence')).toBe(String(ack.seq));
    expect(dead.header.get('Dlq-Original-Stream')).toBe(EVENTS);
    expect(await dlqMessages()).toBe(1);
    // and nothing of it is left to deliver: every durable of order-mailer has no pending or unacknowledged message
    await eventually('order-mailer caught up', async () => {
      const consumers = await jsm.consumers.list(EVENTS).next();
      const mine = consumers.filter((c) => c.name.startsWith('order-mailer'));
      return mine.length > 0 && mine.every((c) => c.num_pending === 0 && c.num_ack_pending === 0) ? true : undefined;
    });
  }, 90_000);

  sharedSystemTests(() => run);

  test("a call claiming to be a trusted caller without that caller's signature is refused: the callee checks every signed call", async () => {
    const r = await fetch(`${service('order-api').url}/orders`, {
      headers: {
        'x-allframe-caller': 'web-bff',
        'x-allframe-audience': 'order-api',
        'x-allframe-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-allframe-nonce': 'AAAAAAAAAAAAAAAAAAAAAA',
        'x-allframe-signature': Buffer.alloc(64).toString('base64url'),
      },
    });
    expect(r.status).toBe(401);
  }, 30_000);

  test("a cache's durable consumer takes its invalidation events from JetStream: OrderCreated deletes order-cache's key in Redis", async () => {
    const redis = run.emulators.get('redis')!.replace(/^redis:\/\/127\.0\.0\.1:/, '');
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', redis, ...args], { encoding: 'utf8' }).trim();
    const id = '33333333-3333-4333-8333-333333333333';
    cli('SET', `order-cache:order:${id}`, 'stale');
    await js.publish(ORDER_CREATED, envelope('e-33333333', 'OrderCreated', { id, name: 'cached order' }));
    await eventually('the key invalidated', async () => (cli('EXISTS', `order-cache:order:${id}`) === '0' ? true : undefined), 20_000);
  }, 30_000);

  test('7. a consumer killed in the middle of its messages loses none: JetStream delivers again what was not acknowledged', async () => {
    // GIVEN order-mailer stopped, and slow events (1.5 s each) waiting for it in the stream
    await run.stopService('order-mailer');
    const ids = Array.from({ length: 6 }, (_, i) => `00000000-0000-4000-8000-00000000001${i}`);
    for (const id of ids) await js.publish(ORDER_CREATED, envelope(id, 'OrderCreated', { id, name: `slow ${id}` }), { msgID: id });
    // WHEN it starts, is killed outright part way through them, and starts again
    // THEN every event is processed (the unacknowledged ones after their ack wait), none dead-lettered
    await killedConsumerLosesNothing(run, ids, processed);
    expect(await dlqMessages()).toBe(1); // the poison message of test 2 only
  }, 120_000);
}));

describeWithReferee('nats-server', 'allframe dev, fly flavour, the reference architecture', () => describeWithReferee('redis-server', 'every archetype', () => {
  test('every service of examples/shop-fly starts with its Fly app configuration and answers /readyz; the bus took every user; a WebSocket client of the gateway gets an event from JetStream', async () => {
    const ws = await writeDevWorkspace('examples/shop-fly/architecture.yaml');
    const logs: LogLine[] = [];
    let run: DevRun | undefined;
    try {
      run = await startDev({ model: ws.model, outputs: ws.outputs, workspace: ws.dir, env: process.env, portBase: 5500, log: (l) => logs.push(l), scheduler: false });
      expect(run.services.filter((s) => s.started)).toHaveLength(ws.model.services.length);
      for (const s of run.services) expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      // every service that takes events (consumer, stream processor, cache, WebSocket gateway) connected as its own
      // user: the monitoring endpoint lists each connection's user
      const connz = (await (await fetch(`${run.emulators.get('nats monitoring')!}/connz?auth=true`)).json()) as { connections?: { authorized_user?: string }[] };
      const users = new Set((connz.connections ?? []).map((c) => c.authorized_user));
      const takers = run.services.filter((s) => s.environment.NATS_CONSUMER !== undefined);
      expect(takers.map((s) => s.kind).sort()).toEqual(['cache', 'consumer', 'stream-processor', 'websocket-gateway']);
      for (const s of takers) expect(users).toContain(s.environment.NATS_USER);
      // the WebSocket gateway serves its connections itself: an OrderCreated published on the bus reaches a client
      const gateway = run.services.find((s) => s.kind === 'websocket-gateway')!;
      const claims = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 60, iss: gateway.environment.JWT_ISSUER ?? '', sub: 'fan' })).toString('base64url');
      const client = await openWebSocket(`${gateway.url}/?token=${Buffer.from('{}').toString('base64url')}.${claims}.`);
      const admin = new URL(run.emulators.get('nats')!);
      const nc = await connect({ servers: `nats://${admin.host}`, user: decodeURIComponent(admin.username), pass: decodeURIComponent(admin.password) });
      try {
        const subject = gateway.environment.NATS_FILTER_SUBJECTS!.split(',').find((s) => s.endsWith('.OrderCreated'))!;
        const id = 'e-ws-44444444';
        await eventually('the event broadcast to the WebSocket client', async () => {
          if (!client.messages.some((m) => m.includes(id))) await jetstream(nc).publish(subject, envelope(id, 'OrderCreated', { sagaId: 'saga-ws-44444444' }));
          return client.messages.map((m) => JSON.parse(m) as { type: string; id: string }).find((m) => m.id === id);
        }, 30_000);
      } finally {
        client.close();
        await nc.close();
      }
    } catch (e) {
      throw new Error(`${String(e)}\n${logs.map((l) => `${l.source} | ${l.text}`).join('\n')}`);
    } finally {
      await run?.stop();
      ws.remove();
    }
  }, 180_000);
}));
