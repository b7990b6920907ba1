import {
  FirestoreIdempotencyStore, // @if idempotency
  FirestoreOutbox, // @if outbox
  FirestoreRepository,
  testSecrets,
} from '@allframe/platform';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

describe('dependency wiring', () => {
  test('defaults to in-memory adapters', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    expect(deps.logger).toBeDefined();
    await expect(deps.relay.runOnce()).resolves.toBe(0); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with STORE=firestore, the tables are Firestore collections (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ STORE: 'firestore', FIRESTORE_DATABASE: 'shop', GOOGLE_CLOUD_PROJECT: 'shop-prod' }), testSecrets(SECRET_NAMES));
    expect(deps.__entities__).toBeInstanceOf(FirestoreRepository);
    expect(deps.events.outbox).toBeInstanceOf(FirestoreOutbox); // @if outbox
    expect(deps.idempotency).toBeInstanceOf(FirestoreIdempotencyStore); // @if idempotency
    await expect(deps.close()).resolves.toBeUndefined();
  });
});
