import { NatsPublisher, closeNatsConnections, connectNats, createLogger, natsSettingsFrom, newEvent, testSecrets } from '@allframe/platform';
import { keysFor } from '../src/application/invalidation-keys';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { startJetStreamInvalidation } from '../src/entry/jetstream';
import { SECRET_NAMES } from '../src/secrets';

/** A NATS server with JetStream and no users to run the invalidation on (e.g. `nats-server -js`: nats://127.0.0.1:4222). */
const natsUrl = process.env.TEST_NATS_URL ?? '';

/** Resolves once `condition()` holds. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the JetStream invalidation', () => {
  test('is off without NATS_URL', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    await expect(startJetStreamInvalidation(loadConfig({}), { ...deps, logger: createLogger({ service: 'test', level: 'silent' }) }, {})).resolves.toBeUndefined();
    await deps.close();
  });
});

// @if events
(natsUrl === '' ? describe.skip : describe)('the JetStream invalidation on a real NATS server (TEST_NATS_URL)', () => {
  afterAll(() => closeNatsConnections());

  test('an invalidation event published on the bus deletes its keys; a message that is no event is dead-lettered after NATS_MAX_DELIVER deliveries', async () => {
    // GIVEN a cached entry and the invalidation taking its events from the bus as on Fly.io: 2 deliveries, retries after 1 s
    const env = { NATS_URL: natsUrl, NATS_MAX_DELIVER: '2', NATS_RETRY_BACKOFF: 'fixed', LOG_LEVEL: 'silent' };
    const config = loadConfig(env);
    const deps = createDependencies(config, testSecrets(SECRET_NAMES));
    const [subject = ''] = config.NATS_FILTER_SUBJECTS;
    const event = newEvent(subject.split('.')[3] ?? '', 'test', { id: '42' });
    const [key = ''] = keysFor(event);
    await deps.cache.set(key, { cached: true });
    const invalidation = await startJetStreamInvalidation(config, deps, env);
    const nc = await connectNats(natsSettingsFrom(env));
    const deadLetters: string[] = [];
    const dlq = nc.subscribe(config.NATS_DLQ_SUBJECT, { callback: (_, m) => void deadLetters.push(m.string()) });
    // WHEN the event and a message that is no event are published on its subject
    await (await NatsPublisher.create(subject.split('.').slice(0, 3).join('.'), env)).publish([event]);
    nc.publish(subject, 'not an event');
    // THEN the entry is gone, and the other message in the DLQ
    await until(async () => (await deps.cache.get(key)) === undefined);
    await until(() => deadLetters.length === 1);
    expect(key).not.toBe('');
    expect(deadLetters).toEqual(['not an event']);
    await invalidation?.stop();
    dlq.unsubscribe();
    await nc.close();
    await deps.close();
  });
});
// @end
