import {
  EventBridgePublisher,
  MemoryPublisher,
  PubSubPublisher,
  SnsPublisher,
  SqsPublisher,
  type EventEnvelope,
  type EventPublisher,
} from './events';
import { closeFirestores } from './firestore';
import {
  DynamoDbIdempotencyStore,
  FirestoreIdempotencyStore,
  MemoryIdempotencyStore,
  PostgresIdempotencyStore,
  type IdempotencyStore,
} from './idempotency';
import { DynamoDbOutbox, FirestoreOutbox, MemoryOutbox, PostgresOutbox, type Outbox } from './outbox';
import { createPostgresPool, pgTableName, postgresOptionsFrom, withSetup, type ClosablePool, type PostgresPoolOptions, type SqlPool } from './postgres';
import { DynamoDbRepository, FirestoreRepository, MemoryRepository, PostgresRepository, type Repository } from './repository';

/** Where a service emits its events: straight to the publisher, or into the outbox for the relay. */
export interface EventSink {
  emit(events: readonly EventEnvelope[]): Promise<void>;
  /** The outbox, with the outbox pattern: a unit of work writes it in the state change's transaction. */
  readonly outbox?: Outbox;
}

/** An {@link EventSink} writing to `outbox` when given, else publishing directly. */
export function createEventSink(publisher: EventPublisher, outbox?: Outbox): EventSink {
  return { emit: (events) => (outbox ? outbox.add(events) : publisher.publish(events)), ...(outbox ? { outbox } : {}) };
}

function required(value: string, what: string, kind: string): string {
  if (value === '') throw new Error(`${what} is required for ${kind}`);
  return value;
}

function unknownKind(setting: string, kind: string, allowed: string): Error {
  return new Error(`${setting} must be one of ${allowed}, got ${JSON.stringify(kind)}`);
}

/** The publisher for `kind` (memory | sns | eventbridge | sqs | pubsub) sending to `target`. */
export function createPublisher(kind: string, target: string): EventPublisher {
  switch (kind) {
    case 'memory':
      return new MemoryPublisher();
    case 'sns':
      return SnsPublisher.create(required(target, 'a topic ARN', kind));
    case 'eventbridge':
      return EventBridgePublisher.create(required(target, 'a bus name', kind));
    case 'sqs':
      return SqsPublisher.create(required(target, 'a queue URL', kind));
    case 'pubsub': {
      const topic = required(target, 'a topic name', kind);
      let publisher: Promise<PubSubPublisher> | undefined;
      return { publish: async (events) => (await (publisher ??= PubSubPublisher.create(topic))).publish(events) };
    }
    default:
      throw unknownKind('EVENT_BUS', kind, 'memory, sns, eventbridge, sqs, pubsub');
  }
}

const pools = new Map<string, ClosablePool>();

/**
 * One lazily created pool per connection string, shared by every adapter of the process. Its options are those
 * of its first call: by default, what the environment asks for (PG_IAM_AUTH, PG_IAM_PROVIDER, AWS_REGION; see
 * postgresOptionsFrom).
 */
export function sharedPool(databaseUrl: string, options: PostgresPoolOptions = postgresOptionsFrom(process.env)): ClosablePool {
  const url = required(databaseUrl, 'DATABASE_URL', 'postgres');
  let pool = pools.get(url);
  if (!pool) {
    let real: Promise<ClosablePool> | undefined;
    const get = (): Promise<ClosablePool> => (real ??= createPostgresPool(url, options));
    pool = {
      query: async (text, values) => (await get()).query(text, values),
      end: async () => {
        pools.delete(url);
        if (real) await (await real).end();
      },
    };
    pools.set(url, pool);
  }
  return pool;
}

/** Ends every shared pool and Firestore client (call it from the service's shutdown hook). */
export async function closePools(): Promise<void> {
  await Promise.all([...[...pools.values()].map((p) => p.end()), closeFirestores()]);
}

/** A pool whose first query is preceded by `create(pool)`, so tables exist in development. */
function prepared(databaseUrl: string, create: (pool: SqlPool) => Promise<void>): SqlPool {
  return withSetup(sharedPool(databaseUrl), create);
}

const STORES = 'memory, dynamodb, postgres, firestore';

/**
 * The repository for `store` (memory | dynamodb | postgres | firestore) over `table` (a Postgres table name is
 * derived; on Firestore it is the collection id, in the database FIRESTORE_DATABASE of GOOGLE_CLOUD_PROJECT).
 */
export function createRepository<T extends { id: string }>(store: string, table: string, databaseUrl = ''): Repository<T> {
  switch (store) {
    case 'memory':
      return new MemoryRepository<T>();
    case 'dynamodb':
      return DynamoDbRepository.create<T>(table);
    case 'postgres': {
      const name = pgTableName(table);
      return new PostgresRepository<T>(prepared(databaseUrl, (p) => new PostgresRepository(p, name).ensureTable()), name);
    }
    case 'firestore':
      return FirestoreRepository.create<T>(table);
    default:
      throw unknownKind('STORE', store, STORES);
  }
}

/** The outbox for `store` (memory | dynamodb | postgres | firestore) over `table`. */
export function createOutbox(store: string, table: string, databaseUrl = ''): Outbox {
  switch (store) {
    case 'memory':
      return new MemoryOutbox();
    case 'dynamodb':
      return DynamoDbOutbox.create(table);
    case 'postgres': {
      const name = pgTableName(table);
      return new PostgresOutbox(prepared(databaseUrl, (p) => new PostgresOutbox(p, name).ensureTable()), name);
    }
    case 'firestore':
      return FirestoreOutbox.create(table);
    default:
      throw unknownKind('STORE', store, STORES);
  }
}

/** The idempotency store for `store` (memory | dynamodb | postgres | firestore) over `table`. */
export function createIdempotencyStore(store: string, table: string, databaseUrl = ''): IdempotencyStore {
  switch (store) {
    case 'memory':
      return new MemoryIdempotencyStore();
    case 'dynamodb':
      return DynamoDbIdempotencyStore.create(table);
    case 'postgres': {
      const name = pgTableName(table);
      return new PostgresIdempotencyStore(prepared(databaseUrl, (p) => new PostgresIdempotencyStore(p, name).ensureTable()), name);
    }
    case 'firestore':
      return FirestoreIdempotencyStore.create(table);
    default:
      throw unknownKind('STORE', store, STORES);
  }
}
