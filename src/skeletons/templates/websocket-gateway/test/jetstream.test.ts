import { createLogger } from '@allframe/platform';
import { NatsPublisher, closeNatsConnections, newEvent } from '@allframe/platform'; // @if subscribed
import { MemoryConnectionRegistry, MemorySender } from '../src/adapters/memory';
import { Gateway } from '../src/application/gateway';
import { loadConfig } from '../src/config';
import { startJetStreamEvents } from '../src/entry/jetstream';

/** A NATS server with JetStream and no users to follow the events on (e.g. `nats-server -js`: nats://127.0.0.1:4222). */
const natsUrl = process.env.TEST_NATS_URL ?? '';
const logger = createLogger({ service: 'test', level: 'silent' });
const env = {
  NATS_URL: natsUrl,
  LOG_LEVEL: 'silent',
  WEBSOCKET_API_KEY: 'test-key', // @if apiKey
};

/** An instance of the gateway with one connection, refusing new ones. */
async function instance(config = loadConfig(env)) {
  const registry = new MemoryConnectionRegistry();
  const sender = new MemorySender();
  await registry.add({ id: 'c1', connectedAt: new Date().toISOString(), principal: 'test' });
  const gateway = new Gateway({ registry, sender, authorize: () => Promise.reject(new Error('no connections in this test')), logger });
  return { sender, events: await startJetStreamEvents(config, { gateway, logger }, env) };
}

// @if subscribed
/** Resolves once `condition()` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
// @end

describe('the subscribed events from JetStream', () => {
  test('are off without NATS_URL', async () => {
    expect((await instance(loadConfig({ ...env, NATS_URL: '' }))).events).toBeUndefined();
  });
});

// @if subscribed
(natsUrl === '' ? describe.skip : describe)('the subscribed events from JetStream on a real NATS server (TEST_NATS_URL)', () => {
  afterAll(() => closeNatsConnections());

  test('every instance broadcasts each event published on the bus to its connections, once', async () => {
    // GIVEN two instances, each with a connection of its own
    const [a, b] = [await instance(), await instance()];
    // WHEN a subscribed event is published
    const [subject = ''] = loadConfig(env).NATS_FILTER_SUBJECTS;
    const event = newEvent(subject.split('.')[3] ?? '', 'test', { n: 1 });
    await (await NatsPublisher.create(subject.split('.').slice(0, 3).join('.'), env)).publish([event]);
    // THEN both sent it to their connection
    await until(() => a.sender.sent.length === 1 && b.sender.sent.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const { sender } of [a, b]) expect(sender.sent.map((s) => [s.connectionId, JSON.parse(s.payload) as unknown])).toEqual([['c1', { type: event.type, id: event.id, time: event.time, data: event.data }]]);
    await Promise.all([a.events?.stop(), b.events?.stop()]);
  });
});
// @end
