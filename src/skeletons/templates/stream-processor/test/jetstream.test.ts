import { MemoryPublisher, NatsPublisher, closeNatsConnections, connectNats, createEventSink, createLogger, natsSettingsFrom, newEvent, testSecrets } from '@allframe/platform';
import type { EventEnvelope } from '@allframe/platform';
import { loadConfig } from '../src/config';
import { startJetStreamInput } from '../src/entry/jetstream';
import { StreamProcessor } from '../src/processor';
import { SECRET_NAMES } from '../src/secrets';
import { Windower } from '../src/windows';

/** A NATS server with JetStream and no users to run the input on (e.g. `nats-server -js`: nats://127.0.0.1:4222). */
const natsUrl = process.env.TEST_NATS_URL ?? '';

/** Resolves once `condition()` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the JetStream input', () => {
  test('is off without NATS_URL', async () => {
    const deps = { logger: createLogger({ service: 'test', level: 'silent' }) };
    await expect(startJetStreamInput(loadConfig({}), deps, { handle: () => Promise.reject(new Error('never')) }, {})).resolves.toBeUndefined();
  });
});

(natsUrl === '' ? describe.skip : describe)('the JetStream input on a real NATS server (TEST_NATS_URL)', () => {
  afterAll(() => closeNatsConnections());

  test('an input event published on the bus is windowed once and acknowledged; a message that is no event is dead-lettered after NATS_MAX_DELIVER deliveries', async () => {
    // GIVEN the processor taking its input from the bus as on Fly.io: 2 deliveries, a 1 s ack wait, retries after 1 s
    const env = { NATS_URL: natsUrl, NATS_MAX_DELIVER: '2', NATS_ACK_WAIT_SECONDS: '1', NATS_RETRY_BACKOFF: 'fixed', LOG_LEVEL: 'silent' };
    const config = loadConfig(env);
    const logger = createLogger({ service: 'test', level: 'silent' });
    const deps = { secrets: testSecrets(SECRET_NAMES), logger, events: createEventSink(new MemoryPublisher()), close: () => Promise.resolve() };
    const processor = new StreamProcessor(deps, new Windower({ type: 'tumbling', sizeMs: 10_000 }));
    const handled: EventEnvelope[] = [];
    const handle = (events: readonly EventEnvelope[]) => {
      handled.push(...events);
      return processor.handle(events);
    };
    const input = await startJetStreamInput(config, deps, { handle }, env);
    const nc = await connectNats(natsSettingsFrom(env));
    const deadLetters: string[] = [];
    const dlq = nc.subscribe(config.NATS_DLQ_SUBJECT, { callback: (_, m) => void deadLetters.push(m.string()) });
    // WHEN an input event and a message that is no event are published on its first subject
    const [subject = ''] = config.NATS_FILTER_SUBJECTS;
    const publisher = await NatsPublisher.create(subject.split('.').slice(0, 3).join('.'), env);
    const event = newEvent(subject.split('.')[3] ?? '', 'test', {}, { time: new Date(1000).toISOString() });
    await publisher.publish([event]);
    nc.publish(subject, 'not an event');
    // THEN the event reached the processor once (acknowledged: not delivered again after the ack wait), in its window
    await until(() => deadLetters.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(handled).toEqual([event]);
    expect(deadLetters).toEqual(['not an event']);
    await input?.stop();
    expect(await processor.flush()).toBeGreaterThanOrEqual(0);
    dlq.unsubscribe();
    await nc.close();
  });
});
