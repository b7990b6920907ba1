// The NATS JetStream adapters without a server (allframe runs them on a real nats-server: test/platform/nats.test.ts).
import type { JetStreamManager } from '@nats-io/jetstream';
import { newEvent, PublishError } from '../src/events';
import {
  DEAD_LETTER_DELIVERIES,
  NatsPublisher,
  ensureDurable,
  ensureStream,
  natsDeliveryOf,
  natsSettingsFrom,
  planDurables,
  retryBackoffOf,
  retryDelayMs,
  startJetStreamBroadcast,
  startJetStreamConsumer,
  supportsFilterSubjects,
} from '../src/nats';
import { createPublisher } from '../src/wiring';
import { fakeLogger } from './fakes';

const PLACED = 'shop.events.order-service.OrderPlaced';
const CANCELLED = 'shop.events.order-service.OrderCancelled';

/** A JetStream API error as the client throws it. */
function apiError(code: number): Error {
  return Object.assign(new Error(`api error ${code}`), { code });
}

/** A JetStreamManager recording stream and consumer calls; `existing` answers `info`. */
function fakeJsm(existing: { stream?: boolean; consumer?: Record<string, unknown>; addStream?: Error } = {}) {
  const calls: { op: string; args: unknown[] }[] = [];
  const record = (op: string) => (...args: unknown[]) => {
    calls.push({ op, args });
    return Promise.resolve({});
  };
  const jsm = {
    streams: {
      info: (...args: unknown[]) => (calls.push({ op: 'streams.info', args }), existing.stream ? Promise.resolve({}) : Promise.reject(apiError(10059))),
      add: (...args: unknown[]) => (calls.push({ op: 'streams.add', args }), existing.addStream ? Promise.reject(existing.addStream) : Promise.resolve({})),
    },
    consumers: {
      info: (...args: unknown[]) => (calls.push({ op: 'consumers.info', args }), existing.consumer ? Promise.resolve({ config: existing.consumer }) : Promise.reject(apiError(10014))),
      add: record('consumers.add'),
      update: record('consumers.update'),
    },
  };
  return { jsm: jsm as unknown as JetStreamManager, calls };
}

describe('NATS settings and durables', () => {
  it('reads NATS_URL (a comma list), NATS_USER and NATS_PASSWORD', () => {
    expect(natsSettingsFrom({ NATS_URL: 'nats://a:4222, nats://b:4222', NATS_USER: 'mailer', NATS_PASSWORD: 's3cret' })).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'mailer',
      password: 's3cret',
    });
    expect(natsSettingsFrom({ NATS_URL: 'nats://a:4222' })).toEqual({ servers: ['nats://a:4222'] });
    expect(() => natsSettingsFrom({ NATS_URL: ' ' })).toThrow('NATS_URL is required');
  });

  it('knows which servers take several filter subjects', () => {
    expect(['2.9.10', '2.9.25', '1.4.1', ''].map(supportsFilterSubjects)).toEqual([false, false, false, false]);
    expect(['2.10.0', '2.10.22', '2.11.1', '3.0.0'].map(supportsFilterSubjects)).toEqual([true, true, true, true]);
  });

  it('plans one durable on NATS 2.10+ and one per subject, in sorted order, before', () => {
    // GIVEN the subjects of a consumer, unordered, one repeated
    const subjects = [PLACED, CANCELLED, PLACED];
    // WHEN / THEN
    expect(planDurables('mailer', subjects, '2.10.7')).toEqual({ durables: [{ name: 'mailer', subjects: [CANCELLED, PLACED] }], fallback: false });
    expect(planDurables('mailer', subjects, '2.9.10')).toEqual({
      durables: [
        { name: 'mailer-1', subjects: [CANCELLED] },
        { name: 'mailer-2', subjects: [PLACED] },
      ],
      fallback: true,
    });
  });

  it('grows the retry delay as asked, up to the maximum', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs('exponential', n, 100, 500))).toEqual([100, 200, 400, 500]);
    expect([1, 2, 3].map((n) => retryDelayMs('linear', n, 100, 10_000))).toEqual([100, 200, 300]);
    expect([1, 5].map((n) => retryDelayMs('fixed', n, 100, 10_000))).toEqual([100, 100]);
    expect(retryBackoffOf('linear')).toBe('linear');
    expect(() => retryBackoffOf('random')).toThrow('NATS_RETRY_BACKOFF must be one of exponential, linear, fixed, got "random"');
  });
});

describe('ensureStream', () => {
  it('creates a missing stream on file, with limits retention, its max age and the duplicate window', async () => {
    const { jsm, calls } = fakeJsm();
    await ensureStream(jsm, 'SHOP_EVENTS', ['shop.events.>'], 60);
    expect(calls.map((c) => c.op)).toEqual(['streams.info', 'streams.add']);
    expect(calls[1]?.args[0]).toEqual({
      name: 'SHOP_EVENTS',
      subjects: ['shop.events.>'],
      retention: 'limits',
      storage: 'file',
      discard: 'old',
      num_replicas: 1,
      max_age: 60e9,
      duplicate_window: 120e9,
    });
  });

  it('leaves an existing stream alone, and one another service created meanwhile', async () => {
    const existing = fakeJsm({ stream: true });
    await ensureStream(existing.jsm, 'SHOP_EVENTS', ['shop.events.>'], 60);
    expect(existing.calls.map((c) => c.op)).toEqual(['streams.info']);
    const raced = fakeJsm({ addStream: apiError(10058) });
    await expect(ensureStream(raced.jsm, 'SHOP_EVENTS', ['shop.events.>'], 60)).resolves.toBeUndefined();
    const failing = fakeJsm({ addStream: apiError(10047) });
    await expect(ensureStream(failing.jsm, 'SHOP_EVENTS', ['shop.events.>'], 60)).rejects.toThrow('api error 10047');
  });
});

describe('ensureDurable', () => {
  it('creates the 2.10 durable with filter_subjects, the ack wait, and max_deliver plus the dead-letter deliveries', async () => {
    // GIVEN no durable yet
    const { jsm, calls } = fakeJsm();
    // WHEN
    await ensureDurable(jsm, 'SHOP_EVENTS', { name: 'mailer', subjects: [CANCELLED, PLACED] }, 5, 30);
    // THEN
    expect(calls.map((c) => c.op)).toEqual(['consumers.info', 'consumers.add']);
    expect(calls[1]?.args).toEqual([
      'SHOP_EVENTS',
      { durable_name: 'mailer', ack_policy: 'explicit', deliver_policy: 'all', ack_wait: 30e9, max_deliver: 5 + DEAD_LETTER_DELIVERIES, filter_subject: undefined, filter_subjects: [CANCELLED, PLACED] },
    ]);
  });

  it('creates a durable of one subject with filter_subject (its create call names the filter)', async () => {
    const { jsm, calls } = fakeJsm();
    await ensureDurable(jsm, 'SHOP_EVENTS', { name: 'mailer-2', subjects: [PLACED] }, 5, 30);
    expect(calls[1]?.args[1]).toMatchObject({ durable_name: 'mailer-2', filter_subject: PLACED, filter_subjects: undefined });
  });

  it('leaves a durable that says what is wanted, and updates one that does not', async () => {
    const same = fakeJsm({ consumer: { ack_wait: 30e9, max_deliver: 5 + DEAD_LETTER_DELIVERIES, filter_subjects: [PLACED, CANCELLED] } });
    await ensureDurable(same.jsm, 'SHOP_EVENTS', { name: 'mailer', subjects: [CANCELLED, PLACED] }, 5, 30);
    expect(same.calls.map((c) => c.op)).toEqual(['consumers.info']);

    const changed = fakeJsm({ consumer: { ack_wait: 30e9, max_deliver: 5 + DEAD_LETTER_DELIVERIES, filter_subject: PLACED } });
    await ensureDurable(changed.jsm, 'SHOP_EVENTS', { name: 'mailer', subjects: [CANCELLED, PLACED] }, 5, 30);
    expect(changed.calls.map((c) => c.op)).toEqual(['consumers.info', 'consumers.update']);
    expect(changed.calls[1]?.args).toEqual(['SHOP_EVENTS', 'mailer', { ack_wait: 30e9, max_deliver: 8, filter_subject: undefined, filter_subjects: [CANCELLED, PLACED] }]);
  });
});

describe('NatsPublisher', () => {
  it('publishes each event on <prefix>.<type> with its id as Nats-Msg-Id', async () => {
    // GIVEN
    const sent: { subject: string; data: unknown; options: unknown }[] = [];
    const js = { publish: (subject: string, data: unknown, options: unknown) => (sent.push({ subject, data, options }), Promise.resolve({ stream: 'SHOP_EVENTS', seq: sent.length, duplicate: false })) };
    const publisher = new NatsPublisher(js, 'shop.events.order-service');
    const event = newEvent('OrderPlaced', 'order-service', { orderId: 'o-1' });
    // WHEN
    await publisher.publish([event]);
    // THEN
    expect(sent).toEqual([{ subject: PLACED, data: JSON.stringify(event), options: { msgID: event.id } }]);
  });

  it('names the events the stream did not take', async () => {
    const js = { publish: (subject: string) => (subject.endsWith('Bad') ? Promise.reject(new Error('no stream')) : Promise.resolve({ stream: 'S', seq: 1, duplicate: false })) };
    const publisher = new NatsPublisher(js, 'shop.events.order-service');
    const [good, bad] = [newEvent('Good', 'order-service', {}), newEvent('Bad', 'order-service', {})];
    const error = await publisher.publish([good, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).failedIds).toEqual([bad.id]);
  });

  it('is what EVENT_BUS=nats gives, and needs the subject prefix', () => {
    expect(() => createPublisher('nats', '')).toThrow('a subject prefix is required for nats');
    expect(typeof createPublisher('nats', 'shop.events.order-service').publish).toBe('function');
  });
});

describe('startJetStreamConsumer', () => {
  it('refuses incomplete settings before connecting, naming each problem', async () => {
    await expect(
      startJetStreamConsumer({
        connection: { servers: ['nats://127.0.0.1:1'] },
        stream: '',
        consumer: 'mailer',
        filterSubjects: [],
        maxDeliver: 0,
        ackWaitSeconds: 30,
        dlqSubject: 'shop.dlq.mailer',
        process: () => Promise.resolve({ batchItemFailures: [] }),
        logger: fakeLogger(),
      }),
    ).rejects.toThrow('JetStream consumer: NATS_STREAM is empty; NATS_FILTER_SUBJECTS names no subject; NATS_MAX_DELIVER must be a whole number from 1, got 0');
  });
});

describe('startJetStreamBroadcast', () => {
  it('refuses incomplete settings before connecting, naming each problem', async () => {
    await expect(
      startJetStreamBroadcast({
        connection: { servers: ['nats://127.0.0.1:1'] },
        stream: '',
        consumer: '',
        filterSubjects: [],
        process: () => Promise.resolve({ batchItemFailures: [] }),
        logger: fakeLogger(),
      }),
    ).rejects.toThrow('JetStream broadcast: NATS_STREAM is empty; NATS_CONSUMER is empty; NATS_FILTER_SUBJECTS names no subject');
  });

  it('reads where a delivered message is from its reply subject, in both forms', () => {
    expect(natsDeliveryOf('$JS.ACK.SHOP_EVENTS.gw-1.1.42.7.1700000000000000000.0')).toEqual({ streamSequence: 42, consumerSequence: 7 });
    expect(natsDeliveryOf('$JS.ACK.hub.ACCHASH.SHOP_EVENTS.gw-1.1.42.7.1700000000000000000.0.token')).toEqual({ streamSequence: 42, consumerSequence: 7 });
    expect(natsDeliveryOf('_INBOX.gw.reply')).toBeUndefined();
    expect(natsDeliveryOf('$JS.ACK.SHOP_EVENTS.gw-1.1')).toBeUndefined();
    expect(natsDeliveryOf('$JS.ACK.SHOP_EVENTS.gw-1.1.x.7.1.0')).toBeUndefined();
  });
});
