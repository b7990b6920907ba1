/**
 * The platform's NATS JetStream publisher and consumer (src/skeletons/platform/src/nats.ts) on a real nats-server
 * (Debian's, a required referee in CI) run with the configuration allframe renders for the Fly.io bus app: each
 * service as its own user with its own permissions. Delivery, dead-lettering after exactly max_deliver failures,
 * idempotency, redelivery after a killed consumer, de-duplication and a clean stop. The platform's own tests
 * (src/skeletons/platform/test/nats.test.ts) cover the same code without a server (they ship with the workspace).
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { NATS_ADMIN_USER } from '../../lib-constructs/core/nats-defaults';
import { natsDlqSubject, natsEventSubject, natsPublisherPrefix } from '../../lib-constructs/fly/nats-bus';
import { processBatch, type EventHandler, type QueueMessage } from '../../src/skeletons/platform/src/consumer';
import { newEvent, type EventEnvelope } from '../../src/skeletons/platform/src/events';
import { MemoryIdempotencyStore } from '../../src/skeletons/platform/src/idempotency';
import {
  DEAD_LETTER_DELIVERIES,
  DLQ_HEADERS,
  NatsPublisher,
  closeNatsConnections,
  connectNats,
  startJetStreamConsumer,
  startJetStreamBroadcast,
  type JetStreamBroadcast,
  type JetStreamBroadcastOptions,
  type JetStreamConsumer,
  type JetStreamConsumerOptions,
  type NatsSettings,
} from '../../src/skeletons/platform/src/nats';
import { createPublisher } from '../../src/skeletons/platform/src/wiring';
import { recordingLogger, startNatsServer, type NatsServer } from '../nats';
import { describeWithReferee } from '../referees';

const ARCH = 'shop';
const PLACED = natsEventSubject(ARCH, 'order-service', 'OrderPlaced');
const CANCELLED = natsEventSubject(ARCH, 'order-service', 'OrderCancelled');
const SERVICES = [
  { name: 'order-service', publishes: true, consumes: [] },
  { name: 'mailer', publishes: false, consumes: [PLACED, CANCELLED] },
  // a WebSocket gateway: every Machine follows the events it broadcasts
  { name: 'live-gateway', publishes: false, consumes: [], broadcasts: [PLACED, CANCELLED] },
];

/** Resolves once `condition()` holds, checking after each `step` ms (what the server does next is asynchronous). */
async function until(condition: () => Promise<boolean> | boolean, step = 20): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, step));
}

/** A deferred value: `wait` resolves once `resolve` is called. */
function gate<T = void>(): { wait: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const wait = new Promise<T>((r) => (resolve = r));
  return { wait, resolve };
}

describeWithReferee('nats-server', 'the platform on NATS JetStream (a real nats-server, the rendered configuration)', () => {
  let server: NatsServer;
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  const running: (JetStreamConsumer | JetStreamBroadcast)[] = [];

  const settings = (user: string): NatsSettings => ({ servers: [server.url], user, password: server.passwords[user] ?? '' });
  const publisherEnv = (): Record<string, string> => ({ NATS_URL: server.url, NATS_USER: 'order-service', NATS_PASSWORD: server.passwords['order-service'] ?? '' });

  /** The mailer's consumer with `handler` behind processBatch (idempotency by event id), fast retries. */
  let logger = recordingLogger();
  async function startMailer(handler: EventHandler, overrides: Partial<JetStreamConsumerOptions> = {}): Promise<JetStreamConsumer> {
    logger = recordingLogger();
    const store = new MemoryIdempotencyStore();
    const consumer = await startJetStreamConsumer({
      connection: settings('mailer'),
      stream: 'SHOP_EVENTS',
      consumer: 'mailer',
      filterSubjects: [PLACED, CANCELLED],
      maxDeliver: 3,
      ackWaitSeconds: 30,
      dlqSubject: natsDlqSubject(ARCH, 'mailer'),
      process: (messages, onFailure) => processBatch(messages, handler, { logger, store, onFailure }),
      logger,
      retryDelayMs: 10,
      ...overrides,
    });
    running.push(consumer);
    return consumer;
  }

  /** Every message of a mailer durable acknowledged (or terminated) and nothing left to deliver. */
  async function settled(durable: string, delivered: number): Promise<void> {
    await until(async () => {
      const info = await jsm.consumers.info('SHOP_EVENTS', durable);
      return info.num_ack_pending === 0 && info.num_pending === 0 && info.delivered.consumer_seq >= delivered;
    });
  }

  beforeEach(async () => {
    server = await startNatsServer({ architecture: ARCH, services: SERVICES });
    admin = await connect({ servers: server.url, user: NATS_ADMIN_USER, pass: server.passwords[NATS_ADMIN_USER] ?? '' });
    jsm = await jetstreamManager(admin);
  }, 30_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await closeNatsConnections();
    await admin?.close();
    await server?.stop();
    // every call the platform made was within its user's permissions
    expect(server.log()).not.toMatch(/Violation/);
  });

  test('GIVEN a publisher and a consumer WHEN an event is published THEN the consumer handles it once and acknowledges it', async () => {
    // GIVEN the mailer consuming (on 2.9: one durable per subject) and the order service publishing
    const handled: EventEnvelope[] = [];
    const got = gate();
    const mailer = await startMailer((event) => {
      handled.push(event);
      got.resolve();
      return Promise.resolve();
    });
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    // WHEN
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-1' });
    await publisher.publish([event]);
    await got.wait;
    const placed = mailer.durables.find((d) => d.subjects.includes(PLACED));
    await settled(placed?.name ?? '', 1);
    // THEN on the subject of its publisher and type, handled once, acknowledged, never redelivered
    const fallback = !/^(2\.(1\d|[2-9]\d)|[3-9])/.test(server.version);
    expect(mailer.durables).toEqual(fallback ? [{ name: 'mailer-1', subjects: [CANCELLED] }, { name: 'mailer-2', subjects: [PLACED] }] : [{ name: 'mailer', subjects: [CANCELLED, PLACED] }]);
    if (fallback) expect(logger.warn).toHaveBeenCalledWith({ server: server.version, durables: ['mailer-1', 'mailer-2'] }, expect.stringContaining('one durable consumer per subject'));
    expect(handled).toEqual([event]);
    const stored = await jsm.streams.getMessage('SHOP_EVENTS', { seq: 1 });
    expect(stored?.subject).toBe(PLACED);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(event.id);
    const info = await jsm.consumers.info('SHOP_EVENTS', placed?.name ?? '');
    expect(info.num_redelivered).toBe(0);
  });

  test('GIVEN EVENT_BUS=nats WHEN createPublisher publishes THEN the events reach the stream on the publisher\'s subjects', async () => {
    // GIVEN the environment a Fly service gets
    const saved = { ...process.env };
    Object.assign(process.env, publisherEnv());
    try {
      const publisher = createPublisher('nats', natsPublisherPrefix(ARCH, 'order-service'));
      // WHEN
      await publisher.publish([newEvent('OrderPlaced', 'order-service', { n: 1 }), newEvent('OrderCancelled', 'order-service', { n: 2 })]);
    } finally {
      process.env = saved;
    }
    // THEN
    const info = await jsm.streams.info('SHOP_EVENTS');
    expect(info.state.messages).toBe(2);
    expect(info.config.subjects).toEqual(['shop.events.>']);
    expect((await jsm.streams.getMessage('SHOP_EVENTS', { seq: 2 }))?.subject).toBe(CANCELLED);
  });

  test('GIVEN the same event published twice WHEN the stream stores them THEN Nats-Msg-Id drops the second', async () => {
    // GIVEN
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-2' });
    // WHEN
    await publisher.publish([event]);
    await publisher.publish([event]);
    // THEN
    const info = await jsm.streams.info('SHOP_EVENTS');
    expect(info.state.messages).toBe(1);
  });

  test('GIVEN a handler failing every time WHEN max_deliver deliveries failed THEN the message is in the DLQ stream with where it came from and why', async () => {
    // GIVEN max_deliver 3
    const deliveries: string[] = [];
    const mailer = await startMailer((_, message: QueueMessage) => {
      deliveries.push(message.attributes?.deliveryCount ?? '?');
      return Promise.reject(new Error('smtp down'));
    });
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-3' });
    // WHEN
    await publisher.publish([event]);
    await until(async () => (await jsm.streams.info('SHOP_DLQ').catch(() => undefined))?.state.messages === 1);
    const placed = mailer.durables.find((d) => d.subjects.includes(PLACED))?.name ?? '';
    await settled(placed, 3);
    // THEN exactly three deliveries, then the dead letter: the original data and headers naming its origin
    expect(deliveries).toEqual(['1', '2', '3']);
    const dead = await jsm.streams.getMessage('SHOP_DLQ', { seq: 1 });
    expect(dead?.subject).toBe('shop.dlq.mailer');
    expect(dead?.json<EventEnvelope>()).toEqual(event);
    expect(dead?.header.get(DLQ_HEADERS.subject)).toBe(PLACED);
    expect(dead?.header.get(DLQ_HEADERS.stream)).toBe('SHOP_EVENTS');
    expect(dead?.header.get(DLQ_HEADERS.sequence)).toBe('1');
    expect(dead?.header.get(DLQ_HEADERS.consumer)).toBe(placed);
    expect(dead?.header.get(DLQ_HEADERS.deliveries)).toBe('3');
    expect(dead?.header.get(DLQ_HEADERS.error)).toBe('Error: smtp down');
    // and the durable allows the dead-letter deliveries beyond max_deliver, nothing more is pending
    const info = await jsm.consumers.info('SHOP_EVENTS', placed);
    expect(info.config.max_deliver).toBe(3 + DEAD_LETTER_DELIVERIES);
    expect(info.delivered.consumer_seq).toBe(3);
  });

  test('GIVEN a redelivered event id WHEN the consumer gets it again THEN its handler runs once (idempotency) and both are acknowledged', async () => {
    // GIVEN the same event stored twice (two publishes outside the duplicate window look like this)
    const handled: string[] = [];
    const mailer = await startMailer((event) => {
      handled.push(event.id);
      return Promise.resolve();
    });
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-4' });
    const js = jetstream(admin);
    await js.publish(PLACED, JSON.stringify(event), { msgID: 'first' });
    await js.publish(PLACED, JSON.stringify(event), { msgID: 'second' });
    // WHEN
    const placed = mailer.durables.find((d) => d.subjects.includes(PLACED))?.name ?? '';
    await settled(placed, 2);
    // THEN
    expect(handled).toEqual([event.id]);
    expect((await jsm.consumers.info('SHOP_EVENTS', placed)).num_redelivered).toBe(0);
  });

  test('GIVEN a consumer killed mid-message WHEN its ack wait expires THEN a new consumer gets the message again', async () => {
    // GIVEN a first instance on a connection of its own, stuck in its handler (no ack sent)
    const inHandler = gate();
    const release = gate();
    const first: NatsConnection = await connectNats(settings('mailer'));
    const firstConsumer = await startMailer(
      async () => {
        inHandler.resolve();
        await release.wait;
      },
      { connection: first, ackWaitSeconds: 1 },
    );
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-5' });
    await publisher.publish([event]);
    await inHandler.wait;
    // WHEN it dies (its connection goes without a word) and a new instance starts
    await first.close();
    const redelivered = gate<QueueMessage>();
    await startMailer(
      (_, message) => {
        redelivered.resolve(message);
        return Promise.resolve();
      },
      { ackWaitSeconds: 1 },
    );
    const message = await redelivered.wait;
    release.resolve();
    // THEN the second delivery, to the new instance
    expect(JSON.parse(message.body)).toEqual(event);
    expect(message.attributes?.deliveryCount).toBe('2');
    await firstConsumer.stop();
  });

  test('GIVEN a consumer killed on the final delivery WHEN its ack wait expires THEN the next instance dead-letters the message without handling it', async () => {
    // GIVEN max_deliver 1 and a first instance stuck in its handler
    const inHandler = gate();
    const release = gate();
    const first = await connectNats(settings('mailer'));
    const firstConsumer = await startMailer(
      async () => {
        inHandler.resolve();
        await release.wait;
      },
      { connection: first, ackWaitSeconds: 1, maxDeliver: 1 },
    );
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    await publisher.publish([newEvent('OrderPlaced', 'order-service', { orderId: 'o-6' })]);
    await inHandler.wait;
    // WHEN it dies and a new instance starts
    await first.close();
    const handled: string[] = [];
    await startMailer(
      (event) => {
        handled.push(event.id);
        return Promise.resolve();
      },
      { ackWaitSeconds: 1, maxDeliver: 1 },
    );
    await until(async () => (await jsm.streams.info('SHOP_DLQ').catch(() => undefined))?.state.messages === 1);
    release.resolve();
    await firstConsumer.stop();
    // THEN in the DLQ after one failed delivery, saying the ack wait ran out; the new handler never ran
    const dead = await jsm.streams.getMessage('SHOP_DLQ', { seq: 1 });
    expect(dead?.header.get(DLQ_HEADERS.deliveries)).toBe('1');
    expect(dead?.header.get(DLQ_HEADERS.error)).toContain('not acknowledged within 1 s');
    expect(handled).toEqual([]);
  });

  test('GIVEN a message being handled WHEN the consumer stops THEN it finishes and acknowledges it, then closes its connection', async () => {
    // GIVEN
    const inHandler = gate();
    const release = gate();
    const handled: string[] = [];
    const connection = await connectNats(settings('mailer'));
    const mailer = await startMailer(
      async (event) => {
        inHandler.resolve();
        await release.wait;
        handled.push(event.id);
      },
      { connection },
    );
    running.splice(0);
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-7' });
    await publisher.publish([event]);
    await inHandler.wait;
    // WHEN
    const stopped = mailer.stop();
    release.resolve();
    await stopped;
    // THEN handled and acknowledged; the given connection is left open for its owner
    expect(handled).toEqual([event.id]);
    const placed = mailer.durables.find((d) => d.subjects.includes(PLACED))?.name ?? '';
    await settled(placed, 1);
    expect((await jsm.consumers.info('SHOP_EVENTS', placed)).num_redelivered).toBe(0);
    expect(connection.isClosed()).toBe(false);
    await connection.close();
  });

  test('GIVEN an idle consumer WHEN it stops THEN its own connection is drained and closed', async () => {
    // GIVEN
    const mailer = await startMailer(() => Promise.resolve());
    running.splice(0);
    // WHEN
    await mailer.stop();
    // THEN the server no longer sees the mailer connected
    await until(async () => {
      const connz = (await (await fetch(`${server.monitorUrl}/connz?auth=1`)).json()) as { connections: { authorized_user?: string }[] };
      return connz.connections.every((c) => c.authorized_user !== 'mailer');
    });
    await expect(mailer.stop()).resolves.toBeUndefined();
  });
  /** A Machine of the gateway: a broadcast follower on its own connection, recording what it took. */
  async function startGatewayMachine(overrides: Partial<JetStreamBroadcastOptions> = {}): Promise<{ follower: JetStreamBroadcast; got: EventEnvelope[] }> {
    const got: EventEnvelope[] = [];
    const follower = await startJetStreamBroadcast({
      connection: settings('live-gateway'),
      stream: 'SHOP_EVENTS',
      consumer: 'live-gateway',
      filterSubjects: [PLACED, CANCELLED],
      process: (messages) =>
        processBatch(
          messages,
          (event) => {
            got.push(event);
            return Promise.resolve();
          },
          { logger },
        ),
      logger,
      ...overrides,
    });
    running.push(follower);
    return { follower, got };
  }

  test('GIVEN two Machines of a gateway following its events WHEN events are published THEN each Machine gets every one, once, in order', async () => {
    // GIVEN an event published before they start (not theirs to broadcast), then two Machines
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    await publisher.publish([newEvent('OrderPlaced', 'order-service', { orderId: 'before' })]);
    const [a, b] = [await startGatewayMachine(), await startGatewayMachine()];
    // WHEN
    const events = [newEvent('OrderPlaced', 'order-service', { orderId: 'o-1' }), newEvent('OrderCancelled', 'order-service', { orderId: 'o-1' }), newEvent('OrderPlaced', 'order-service', { orderId: 'o-2' })];
    for (const event of events) await publisher.publish([event]);
    await until(() => a.got.length === 3 && b.got.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // THEN both got the three (in order per subject), nothing from before, nothing twice
    for (const machine of [a, b]) {
      expect(machine.got.filter((e) => e.type === 'OrderPlaced')).toEqual([events[0], events[2]]);
      expect(machine.got.filter((e) => e.type === 'OrderCancelled')).toEqual([events[1]]);
      expect(machine.got).toHaveLength(3);
    }
    // AND each Machine has one ephemeral consumer per subject, of its own; no durable, nothing acknowledged
    const names = [...a.follower.consumers(), ...b.follower.consumers()];
    expect(new Set(names).size).toBe(4);
    for (const name of names) {
      const info = await jsm.consumers.info('SHOP_EVENTS', name);
      expect([info.config.durable_name, info.config.ack_policy, info.config.mem_storage]).toEqual([undefined, 'none', true]);
    }
  });

  test('GIVEN a Machine whose consumer is lost WHEN events are published meanwhile THEN it makes a new one after the last event it took, missing none', async () => {
    // GIVEN a Machine that took one event
    const { follower, got } = await startGatewayMachine({ idleHeartbeatMs: 200 });
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    const first = newEvent('OrderPlaced', 'order-service', { orderId: 'o-1' });
    await publisher.publish([first]);
    await until(() => got.length === 1);
    // WHEN its consumer of OrderPlaced disappears (as after a restart of the bus) and events are published
    const lost = follower.consumers().find((n) => n.endsWith('-2-1')) ?? '';
    await jsm.consumers.delete('SHOP_EVENTS', lost);
    const later = [newEvent('OrderPlaced', 'order-service', { orderId: 'o-2' }), newEvent('OrderPlaced', 'order-service', { orderId: 'o-3' })];
    await publisher.publish(later);
    // THEN a new consumer delivers what was published since, once
    await until(() => got.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(got).toEqual([first, ...later]);
    expect(follower.consumers()).not.toContain(lost);
    // (a push consumer deleted says nothing to its inbox: its heartbeats stop)
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ consumer: lost, after: 1, why: 'heartbeats missed' }), expect.stringContaining('made again'));
  });

  test('GIVEN a Machine following its events WHEN the bus restarts (its consumers in memory gone) THEN the Machine follows again from the last event it took', async () => {
    // GIVEN a Machine that took one event
    const { follower, got } = await startGatewayMachine({ idleHeartbeatMs: 200 });
    const first = newEvent('OrderPlaced', 'order-service', { orderId: 'o-1' });
    await (await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv())).publish([first]);
    await until(() => got.length === 1);
    const before = follower.consumers();
    // WHEN the bus restarts (a deploy of its app) and an event is published after
    await closeNatsConnections();
    await admin.close();
    await server.restart();
    admin = await connect({ servers: server.url, user: NATS_ADMIN_USER, pass: server.passwords[NATS_ADMIN_USER] ?? '' });
    jsm = await jetstreamManager(admin);
    const later = newEvent('OrderPlaced', 'order-service', { orderId: 'o-2' });
    await (await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv())).publish([later]);
    // THEN the Machine, reconnected, made its consumers again and took the later event, once
    await until(() => got.length === 2, 50);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(got).toEqual([first, later]);
    expect(follower.consumers().filter((n) => before.includes(n))).toEqual([]);
  });

  test('GIVEN a Machine whose broadcast fails WHEN an event comes THEN it is logged, not delivered again nor dead-lettered, and the next one is broadcast', async () => {
    // GIVEN
    let calls = 0;
    const got: EventEnvelope[] = [];
    await startGatewayMachine({
      process: (messages) =>
        processBatch(
          messages,
          (event) => {
            calls++;
            if (calls === 1) return Promise.reject(new Error('send failed'));
            got.push(event);
            return Promise.resolve();
          },
          { logger },
        ),
    });
    const publisher = await NatsPublisher.create(natsPublisherPrefix(ARCH, 'order-service'), publisherEnv());
    // WHEN
    const [failing, next] = [newEvent('OrderPlaced', 'order-service', { orderId: 'o-1' }), newEvent('OrderPlaced', 'order-service', { orderId: 'o-2' })];
    await publisher.publish([failing]);
    await publisher.publish([next]);
    await until(() => got.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // THEN
    expect(calls).toBe(2);
    expect(got).toEqual([next]);
    expect(await jsm.streams.info('SHOP_DLQ').catch(() => undefined)).toBeUndefined();
  });

  test('GIVEN a broadcast follower WHEN it stops THEN its connection is closed and the server drops its consumers once nobody listens', async () => {
    // GIVEN
    const { follower } = await startGatewayMachine({ inactiveThresholdMs: 500 });
    running.splice(0);
    const names = follower.consumers();
    // WHEN
    await follower.stop();
    // THEN
    await until(async () => {
      const left = await Promise.all(names.map((n) => jsm.consumers.info('SHOP_EVENTS', n).then(() => true, () => false)));
      return left.every((l) => !l);
    }, 100);
    await expect(follower.stop()).resolves.toBeUndefined();
  });
});
