import {
  FirestoreOutbox, // @if outbox
  testSecrets,
} from '@allframe/platform';
import { FirestoreEventStore } from '../src/adapters/event-store';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

describe('dependency wiring', () => {
  test('defaults to in-memory adapters and the snapshot frequency of the architecture', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    expect(deps.snapshotEvery).toBe(/*=snapshotFrequency*/ 100);
    await expect(deps.store.read('none')).resolves.toEqual([]);
    await expect(deps.relay.runOnce()).resolves.toBe(0); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with EVENT_STORE=firestore and STORE=firestore, streams__outboxNote__ and read models are in Firestore (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ EVENT_STORE: 'firestore', STORE: 'firestore', FIRESTORE_DATABASE: 'shop' }), testSecrets(SECRET_NAMES));
    expect(deps.store).toBeInstanceOf(FirestoreEventStore);
    expect(deps.events.outbox).toBeInstanceOf(FirestoreOutbox); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });
});
