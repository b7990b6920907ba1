import {
  // @if !postgresTenants
  FirestoreIdempotencyStore, // @if idempotency
  FirestoreOutbox, // @if outbox
  FirestoreRepository,
  // @end
  // @if postgresTenants
  PostgresIdempotencyStore, // @if idempotency
  PostgresOutbox, // @if outbox
  PostgresRepository,
  // @end
  adapterOf,
  testSecrets,
} from '@allframe/platform';
import { buildApp } from '../src/app'; // @if storage
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

  // @if !postgresTenants

  test('with STORE=firestore, the tables are Firestore collections (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ STORE: 'firestore', FIRESTORE_DATABASE: 'shop', GOOGLE_CLOUD_PROJECT: 'shop-prod' }), testSecrets(SECRET_NAMES));
    expect(adapterOf(deps.__entities__)).toBeInstanceOf(FirestoreRepository);
    expect(deps.events.outbox).toBeInstanceOf(FirestoreOutbox); // @if outbox
    expect(deps.idempotency).toBeInstanceOf(FirestoreIdempotencyStore); // @if idempotency
    await expect(deps.close()).resolves.toBeUndefined();
  });
  // @end
  // @if postgresTenants

  test('with STORE=postgres, the tables are PostgreSQL tables, each tenant\'s in its own schema or database (connected on first use)', async () => {
    const deps = createDependencies(loadConfig({ STORE: 'postgres', DATABASE_URL: 'postgres://service@127.0.0.1:5432/service' }), testSecrets(SECRET_NAMES));
    expect(adapterOf(deps.__entities__)).toBeInstanceOf(PostgresRepository);
    expect(deps.events.outbox).toBeInstanceOf(PostgresOutbox); // @if outbox
    expect(deps.idempotency).toBeInstanceOf(PostgresIdempotencyStore); // @if idempotency
    await expect(deps.close()).resolves.toBeUndefined();
  });
  // @end
  // @if storage

  test('the buckets it may read are served over HTTP, read-only; no other bucket is', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    const app = buildApp(deps);
    const readable = [
      '__service__', // @if ownsBucket
      '__owner__', // @each buckets
    ];
    for (const bucket of readable) expect((await app.request(`/buckets/${bucket}/objects`)).status).toBe(200);
    expect((await app.request('/buckets/no-such-service/objects')).status).toBe(404);
    expect((await app.request(`/buckets/${readable[0]!}/object?key=nothing-here`)).status).toBe(404);
    await deps.close();
  });
  // @end
});
