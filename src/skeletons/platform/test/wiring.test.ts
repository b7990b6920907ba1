import { z } from 'zod';
import { EventBridgePublisher, MemoryPublisher, newEvent, SnsPublisher, SqsPublisher } from '../src/events';
import { DynamoDbIdempotencyStore, FirestoreIdempotencyStore, MemoryIdempotencyStore, PostgresIdempotencyStore } from '../src/idempotency';
import { DynamoDbOutbox, FirestoreOutbox, MemoryOutbox, PostgresOutbox } from '../src/outbox';
import { DynamoDbRepository, FirestoreRepository, MemoryRepository, PostgresRepository } from '../src/repository';
import {
  closePools,
  createEventSink,
  createIdempotencyStore,
  createMessaging,
  createOutbox,
  createPublisher,
  createRepository,
  sharedPool,
} from '../src/wiring';

const publishMessage = jest.fn((_: unknown) => Promise.resolve('id'));
jest.mock('@google-cloud/pubsub', () => ({
  PubSub: class {
    topic(): { publishMessage: typeof publishMessage } {
      return { publishMessage };
    }
  },
}));

const query = jest.fn((_text: string, _values?: unknown[]) => Promise.resolve({ rows: [] as unknown[] }));
const end = jest.fn(() => Promise.resolve());
const poolConfigs: Record<string, unknown>[] = [];
const listened: string[] = [];
jest.mock('pg', () => ({
  Pool: class {
    query = query;
    end = end;
    constructor(config: Record<string, unknown>) {
      poolConfigs.push(config);
    }
    on(event: string) {
      listened.push(event);
      return this;
    }
  },
}));

const event = newEvent('t', 's', {});

describe('createEventSink', () => {
  it('publishes directly without an outbox and adds to the outbox when given one', async () => {
    // GIVEN a publisher and an outbox
    const publisher = new MemoryPublisher();
    const outbox = new MemoryOutbox();
    // WHEN an event is emitted through each kind of sink
    await createEventSink(publisher).emit([event]);
    await createEventSink(publisher, outbox).emit([event, newEvent('t', 's', {})]);
    // THEN the first was published and the other two wait in the outbox
    expect(publisher.published).toEqual([event]);
    expect(await outbox.pending(10)).toHaveLength(2);
  });
});

describe('createPublisher', () => {
  it('builds the configured publisher', () => {
    // GIVEN / WHEN / THEN
    expect(createPublisher('memory', '')).toBeInstanceOf(MemoryPublisher);
    expect(createPublisher('sns', 'arn:aws:sns:eu-west-1:1:t')).toBeInstanceOf(SnsPublisher);
    expect(createPublisher('eventbridge', 'bus')).toBeInstanceOf(EventBridgePublisher);
    expect(createPublisher('sqs', 'https://sqs/q')).toBeInstanceOf(SqsPublisher);
  });

  it('loads Pub/Sub on the first publish only, once', async () => {
    // GIVEN a pubsub publisher
    const publisher = createPublisher('pubsub', 'orders');
    // WHEN it publishes twice
    await publisher.publish([event]);
    await publisher.publish([event]);
    // THEN both reached the topic
    expect(publishMessage).toHaveBeenCalledTimes(2);
  });

  it('rejects a missing target and an unknown kind', () => {
    expect(() => createPublisher('sns', '')).toThrow('a topic ARN is required for sns');
    expect(() => createPublisher('pubsub', '')).toThrow('a topic name is required for pubsub');
    expect(() => createPublisher('kafka', 'x')).toThrow('EVENT_BUS must be one of memory, sns, eventbridge, sqs, pubsub, nats, got "kafka"');
  });
});

describe('store factories', () => {
  afterEach(async () => {
    await closePools();
    query.mockClear();
    end.mockClear();
  });

  it('build memory and DynamoDB adapters', () => {
    // GIVEN / WHEN / THEN
    expect(createRepository('memory', 't')).toBeInstanceOf(MemoryRepository);
    expect(createRepository('dynamodb', 't')).toBeInstanceOf(DynamoDbRepository);
    expect(createOutbox('memory', 't')).toBeInstanceOf(MemoryOutbox);
    expect(createOutbox('dynamodb', 't')).toBeInstanceOf(DynamoDbOutbox);
    expect(createIdempotencyStore('memory', 't')).toBeInstanceOf(MemoryIdempotencyStore);
    expect(createIdempotencyStore('dynamodb', 't')).toBeInstanceOf(DynamoDbIdempotencyStore);
  });

  it('build Firestore adapters on the shared client of the database the environment names', () => {
    // GIVEN / WHEN / THEN
    expect(createRepository('firestore', 'shop-orders-order')).toBeInstanceOf(FirestoreRepository);
    expect(createOutbox('firestore', 'shop-orders-outbox')).toBeInstanceOf(FirestoreOutbox);
    expect(createIdempotencyStore('firestore', 'shop-orders-idempotency')).toBeInstanceOf(FirestoreIdempotencyStore);
  });

  it('build Postgres adapters on one shared pool that creates each table before first use', async () => {
    // GIVEN Postgres adapters for hyphenated resource names
    const url = 'postgres://u:p@db/shop';
    const repo = createRepository<{ id: string }>('postgres', 'shop-orders-order', url);
    const outbox = createOutbox('postgres', 'shop-orders-outbox', url);
    const idem = createIdempotencyStore('postgres', 'shop-orders-idempotency', url);
    expect([repo, outbox, idem].map((x) => x.constructor)).toEqual([PostgresRepository, PostgresOutbox, PostgresIdempotencyStore]);
    // WHEN each is used twice
    await repo.get('a');
    await repo.get('b');
    await outbox.pending(1);
    await idem.get('k');
    // THEN each table was created once, with a derived name, before its first query
    const texts = query.mock.calls.map((c) => c[0]);
    expect(texts.filter((t) => t.startsWith('create table'))).toHaveLength(3);
    expect(texts[0]).toBe('create table if not exists shop_orders_order (id text primary key, data jsonb not null)');
    expect(texts[1]).toBe('select data from shop_orders_order where id = $1');
    expect(texts[2]).toBe('select data from shop_orders_order where id = $1');
    expect(sharedPool(url)).toBe(sharedPool(url));
    // AND the pool hears its idle connections' errors (a server closing one must not end the process)
    expect(listened).toContain('error');
  });

  it('ends shared pools, connected or not', async () => {
    // GIVEN one pool used and one never used
    const used = sharedPool('postgres://a');
    await used.query('select 1');
    sharedPool('postgres://b');
    // WHEN all are closed
    await closePools();
    // THEN only the real one had to be ended, and a later call gets a fresh pool
    expect(end).toHaveBeenCalledTimes(1);
    expect(sharedPool('postgres://a')).not.toBe(used);
  });

  it('authenticates with IAM when asked, or when PG_IAM_AUTH says so', async () => {
    // GIVEN IAM authentication asked for explicitly, and through the environment
    const signer = () => ({ getAuthToken: () => Promise.resolve('token') });
    await sharedPool('postgres://app@iam-host:5433/db', { iamAuth: true, signer }).query('select 1');
    const saved = process.env.PG_IAM_AUTH;
    process.env.PG_IAM_AUTH = 'true';
    try {
      await sharedPool('postgres://app@env-host/db').query('select 1');
    } finally {
      if (saved === undefined) delete process.env.PG_IAM_AUTH;
      else process.env.PG_IAM_AUTH = saved;
    }
    // THEN both pools were made with the URL's parts, TLS and a password function
    expect(poolConfigs.slice(-2)).toEqual([
      expect.objectContaining({ host: 'iam-host', port: 5433, user: 'app', database: 'db', ssl: true, password: expect.any(Function) as unknown }),
      expect.objectContaining({ host: 'env-host', port: 5432, ssl: true }),
    ]);
    await closePools();
  });

  it('rejects a missing DATABASE_URL and an unknown store', () => {
    expect(() => createRepository('postgres', 't')).toThrow('DATABASE_URL is required for postgres');
    expect(() => createRepository('mongo', 't')).toThrow('STORE must be one of memory, dynamodb, postgres, firestore, got "mongo"');
    expect(() => createOutbox('mongo', 't')).toThrow('STORE must be one of');
    expect(() => createIdempotencyStore('mongo', 't')).toThrow('STORE must be one of');
  });
});

describe('createMessaging', () => {
  const base = { SERVICE_NAME: 'orders', LOG_LEVEL: 'silent', PII_FIELDS: ['email'], EVENT_BUS: 'memory', EVENT_TARGET: '' };
  const stored = { ...base, STORE: 'memory', TABLE_PREFIX: 'orders', DATABASE_URL: '' };

  it('wires a logger, the publisher and a sink publishing directly without options', async () => {
    // GIVEN the default (in-memory) configuration
    // WHEN the messaging is created without options
    const messaging = createMessaging(base);
    await messaging.events.emit([event]);
    // THEN the event was published directly, with no outbox, relay or idempotency store
    expect(messaging.publisher).toBeInstanceOf(MemoryPublisher);
    expect((messaging.publisher as MemoryPublisher).published).toEqual([event]);
    expect(messaging.logger).toMatchObject({ level: 'silent' });
    expect(messaging).not.toHaveProperty('outbox');
    expect(messaging).not.toHaveProperty('relay');
    expect(messaging).not.toHaveProperty('idempotency');
  });

  it('without the outbox publishes directly and has neither outbox nor relay', async () => {
    // GIVEN a configuration without the store's variables
    // WHEN the messaging is created with the outbox and idempotency off
    const messaging = createMessaging(base, { outbox: false });
    await messaging.events.emit([event]);
    // THEN the event was published directly
    expect((messaging.publisher as MemoryPublisher).published).toEqual([event]);
    expect(messaging.events.outbox).toBeUndefined();
    expect(messaging.outbox).toBeUndefined();
    expect(messaging.relay).toBeUndefined();
    expect(messaging.idempotency).toBeUndefined();
  });

  it('with the outbox writes the outbox, which the relay moves to the publisher', async () => {
    // GIVEN the in-memory store
    // WHEN the messaging is created with the outbox on and an event is emitted
    const messaging = createMessaging(stored, { outbox: true });
    await messaging.events.emit([event]);
    // THEN the event waits in the outbox until the relay publishes it
    const publisher = messaging.publisher as MemoryPublisher;
    expect(messaging.outbox).toBeInstanceOf(MemoryOutbox);
    expect(messaging.events.outbox).toBe(messaging.outbox);
    expect(publisher.published).toEqual([]);
    expect(await messaging.relay.runOnce()).toBe(1);
    expect(publisher.published).toEqual([event]);
    expect(await messaging.outbox.pending(10)).toEqual([]);
    expect(messaging.idempotency).toBeUndefined();
  });

  it('with contracts, refuses an invalid event before the transport or the outbox sees it', async () => {
    // GIVEN the contract of event t, which needs an id
    const schemas = { t: z.looseObject({ id: z.string() }) };
    const good = newEvent('t', 's', { id: 'x' });
    // WHEN events are emitted without and with the outbox
    const direct = createMessaging(base, { outbox: false, schemas });
    const outboxed = createMessaging(stored, { outbox: true, schemas });
    // THEN the invalid event is refused naming the field, the valid one goes through
    await expect(direct.events.emit([event])).rejects.toThrow('invalid data for event t: #/id');
    await expect(outboxed.events.emit([event])).rejects.toThrow('invalid data for event t: #/id');
    await expect(direct.publisher.publish([event])).rejects.toThrow('#/id');
    expect(await outboxed.outbox.pending(10)).toEqual([]);
    await direct.events.emit([good]);
    await outboxed.events.emit([good]);
    expect(await outboxed.relay.runOnce()).toBe(1);
    expect(direct.schemas).toBe(schemas);
  });

  it('creates the idempotency store when asked for, with or without the outbox', async () => {
    // GIVEN the in-memory store
    // WHEN the messaging is created with idempotency on, once with and once without the outbox
    const withOutbox = createMessaging(stored, { outbox: true, idempotency: true });
    const without = createMessaging(stored, { outbox: false, idempotency: true });
    const off = createMessaging(stored, { outbox: false, idempotency: false });
    // THEN each has its own in-memory idempotency store (off: none), and only the first an outbox
    expect(withOutbox.idempotency).toBeInstanceOf(MemoryIdempotencyStore);
    expect(without.idempotency).toBeInstanceOf(MemoryIdempotencyStore);
    expect(without.idempotency).not.toBe(withOutbox.idempotency);
    expect(off.idempotency).toBeUndefined();
    expect(withOutbox.relay).toBeDefined();
    expect(without.relay).toBeUndefined();
    await without.idempotency.put('k', { status: 201, body: '{}' }, 60);
    expect(await without.idempotency.get('k')).toEqual({ status: 201, body: '{}' });
  });

  it('names the tables after TABLE_PREFIX in the configured store', async () => {
    // GIVEN PostgreSQL as the store
    query.mockClear();
    const messaging = createMessaging({ ...stored, STORE: 'postgres', DATABASE_URL: 'postgres://app@wiring-host/db' }, { outbox: true, idempotency: true });
    // WHEN the outbox and the idempotency store are used
    await messaging.events.emit([event]);
    await messaging.idempotency.get('k');
    // THEN they live in <prefix>_outbox and <prefix>_idempotency
    expect(messaging.outbox).toBeInstanceOf(PostgresOutbox);
    expect(messaging.idempotency).toBeInstanceOf(PostgresIdempotencyStore);
    const texts = query.mock.calls.map(([text]) => text).join('\n');
    expect(texts).toContain('orders_outbox');
    expect(texts).toContain('orders_idempotency');
    await closePools();
  });
});
