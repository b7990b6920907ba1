import {
  EventBridgePublisher,
  MemoryPublisher,
  PubSubPublisher,
  SnsPublisher,
  SqsPublisher,
  type EventEnvelope,
  type EventPublisher,
} from './events';
import { checkEvents, checkedPublisher, type EventSchemas } from './contracts';
import { closeFirestores } from './firestore';
import {
  DynamoDbIdempotencyStore,
  FirestoreIdempotencyStore,
  MemoryIdempotencyStore,
  PostgresIdempotencyStore,
  type IdempotencyStore,
} from './idempotency';
import { createLogger, type Logger } from './logger';
import { closeNatsConnections, NatsPublisher } from './nats';
import { DynamoDbOutbox, FirestoreOutbox, MemoryOutbox, OutboxRelay, PostgresOutbox, type Outbox } from './outbox';
import { createPostgresPool, pgTableName, postgresOptionsFrom, tenantSchemaPool, tenantSessionPool, withSetup, type ClosablePool, type PostgresPoolOptions, type SqlPool } from './postgres';
import { DynamoDbRepository, FirestoreRepository, MemoryRepository, PostgresRepository, type Repository } from './repository';
import { TenantDatabaseOutbox, TenantDatabases } from './tenant-databases';
import { tenantScoped } from './tenant-repository';

/** Where a service emits its events: straight to the publisher, or into the outbox for the relay. */
export interface EventSink {
  emit(events: readonly EventEnvelope[]): Promise<void>;
  /** The outbox, with the outbox pattern: a unit of work writes it in the state change's transaction. */
  readonly outbox?: Outbox;
}

/**
 * An {@link EventSink} writing to `outbox` when given, else publishing directly. With `schemas`, every event is
 * checked against its contract first: an invalid one is refused before the outbox or the transport sees it.
 */
export function createEventSink(publisher: EventPublisher, outbox?: Outbox, schemas?: EventSchemas): EventSink {
  const write = (events: readonly EventEnvelope[]): Promise<void> => (outbox ? outbox.add(events) : publisher.publish(events));
  const emit = schemas === undefined ? write : async (events: readonly EventEnvelope[]) => {
    checkEvents(schemas, events);
    await write(events);
  };
  return { emit, ...(outbox ? { outbox } : {}) };
}

function required(value: string, what: string, kind: string): string {
  if (value === '') throw new Error(`${what} is required for ${kind}`);
  return value;
}

function unknownKind(setting: string, kind: string, allowed: string): Error {
  return new Error(`${setting} must be one of ${allowed}, got ${JSON.stringify(kind)}`);
}

/**
 * The publisher for `kind` (memory | sns | eventbridge | sqs | pubsub | nats) sending to `target`. With nats, the
 * target is the subject prefix `<arch>.events.<service>`; the connection (NATS_URL, NATS_USER, NATS_PASSWORD) is made,
 * and the events stream made sure of, on the first publish (a failure there is retried by the next).
 */
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
    case 'nats': {
      const prefix = required(target, 'a subject prefix', kind);
      let publisher: Promise<NatsPublisher> | undefined;
      const get = (): Promise<NatsPublisher> =>
        (publisher ??= NatsPublisher.create(prefix).catch((err: unknown) => {
          publisher = undefined;
          throw err;
        }));
      return { publish: async (events) => (await get()).publish(events) };
    }
    default:
      throw unknownKind('EVENT_BUS', kind, 'memory, sns, eventbridge, sqs, pubsub, nats');
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
      connect: async () => (await get()).connect(),
      end: async () => {
        pools.delete(url);
        if (real) await (await real).end();
      },
    };
    pools.set(url, pool);
  }
  return pool;
}

/** Ends every shared pool, Firestore client and NATS connection (call it from the service's shutdown hook). */
export async function closePools(): Promise<void> {
  const databases = [...tenantDatabases.values()];
  tenantDatabases.clear();
  await Promise.all(databases.map((d) => d.end()));
  await Promise.all([...[...pools.values()].map((p) => p.end()), closeFirestores(), closeNatsConnections()]);
}

/** A pool whose first query is preceded by `create(pool)`, so tables exist in development. */
function prepared(databaseUrl: string, create: (pool: SqlPool) => Promise<void>): SqlPool {
  return withSetup(sharedPool(databaseUrl), create);
}

const STORES = 'memory, dynamodb, postgres, firestore';

/** How the items of several tenants are kept apart (tenant.isolation). */
export type TenantIsolation = 'row-level' | 'schema' | 'database';

const tenantDatabases = new Map<string, TenantDatabases>();

/**
 * The tenants' databases beside `databaseUrl`'s (tenant.isolation database), one per URL in the process, sharing the
 * service's pool on it.
 */
export function sharedTenantDatabases(databaseUrl: string): TenantDatabases {
  const url = required(databaseUrl, 'DATABASE_URL', 'postgres');
  let databases = tenantDatabases.get(url);
  if (databases === undefined) {
    databases = new TenantDatabases(sharedPool(url), url, { pool: postgresOptionsFrom(process.env) });
    tenantDatabases.set(url, databases);
  }
  return databases;
}

/** How {@link createRepository} keeps the items. */
export interface RepositoryOptions {
  /**
   * The items are tenants' (architecture.multi_tenant), kept apart by `tenant.isolation`; the repository is then the
   * current tenant's ({@link TenantScopedRepository}: the tenant in every key and item) on every store, and on
   * PostgreSQL also:
   * - `row-level`: the table has row-level security with the tenant set per transaction (tenantSessionPool), so
   *   that even SQL of the user's own on the table sees only the current tenant's rows;
   * - `schema`: each tenant's table is in a schema of its own, made at the tenant's first request to the service
   *   (tenantSchemaPool); PostgreSQL only;
   * - `database`: each tenant's table is in a database of its own, made likewise (TenantDatabases); PostgreSQL only.
   * @default - one tenant: the items as they are
   */
  readonly tenants?: TenantIsolation | undefined;
}

/**
 * The repository for `store` (memory | dynamodb | postgres | firestore) over `table` (a Postgres table name is
 * derived; on Firestore it is the collection id, in the database FIRESTORE_DATABASE of GOOGLE_CLOUD_PROJECT).
 */
export function createRepository<T extends { id: string }>(store: string, table: string, databaseUrl = '', options: RepositoryOptions = {}): Repository<T> {
  const tenants = options.tenants;
  // (in memory, the tests' store, a schema per tenant is the tenant in every key, as row-level)
  if ((tenants === 'schema' || tenants === 'database') && store !== 'postgres' && store !== 'memory') throw new Error(`a ${tenants} per tenant (tenant.isolation ${tenants}) needs STORE=postgres, got ${JSON.stringify(store)}`);
  return tenantScoped(repositoryAdapter<T>(store, table, databaseUrl, tenants), tenants !== undefined);
}

function repositoryAdapter<T extends { id: string }>(store: string, table: string, databaseUrl: string, tenants: TenantIsolation | undefined): Repository<T> {
  switch (store) {
    case 'memory':
      return new MemoryRepository<T>();
    case 'dynamodb':
      return DynamoDbRepository.create<T>(table);
    case 'postgres': {
      const name = pgTableName(table);
      if (tenants === undefined) return new PostgresRepository<T>(prepared(databaseUrl, (p) => new PostgresRepository(p, name).ensureTable()), name);
      const shared = sharedPool(databaseUrl);
      // each tenant's table in the tenant's schema, made at the tenant's first statement
      if (tenants === 'schema') return new PostgresRepository<T>(tenantSchemaPool(shared, (sql) => new PostgresRepository(sql, name).ensureTable()), name);
      // each tenant's table in the tenant's database, made with the database at the tenant's first statement
      if (tenants === 'database') return new PostgresRepository<T>(sharedTenantDatabases(databaseUrl).pool((sql) => new PostgresRepository(sql, name).ensureTable()), name);
      // the table and its policy are made outside any tenant's transaction, before the first statement
      const ready = withSetup(tenantSessionPool(shared), () => new PostgresRepository(shared, name, { rowLevelSecurity: true }).ensureTable());
      return new PostgresRepository<T>(ready, name, { rowLevelSecurity: true });
    }
    case 'firestore':
      return FirestoreRepository.create<T>(table);
    default:
      throw unknownKind('STORE', store, STORES);
  }
}

/**
 * The outbox for `store` (memory | dynamodb | postgres | firestore) over `table`; with a database per tenant
 * (`tenants` database), in each tenant's database.
 */
export function createOutbox(store: string, table: string, databaseUrl = '', tenants?: TenantIsolation): Outbox {
  switch (store) {
    case 'memory':
      return new MemoryOutbox();
    case 'dynamodb':
      return DynamoDbOutbox.create(table);
    case 'postgres': {
      const name = pgTableName(table);
      if (tenants === 'database') return new TenantDatabaseOutbox(sharedTenantDatabases(databaseUrl), name);
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

/** The configuration {@link createMessaging} reads: the logger's and the publisher's. */
export interface MessagingConfig {
  readonly SERVICE_NAME: string;
  readonly LOG_LEVEL: string;
  readonly PII_FIELDS: readonly string[];
  readonly EVENT_BUS: string;
  readonly EVENT_TARGET: string;
}

/** With an outbox or an idempotency store, also where their tables are. */
export interface StoredMessagingConfig extends MessagingConfig {
  readonly STORE: string;
  readonly TABLE_PREFIX: string;
  readonly DATABASE_URL: string;
}

/** Whether the service uses the outbox pattern and an idempotency store, and the contracts of its events. */
export interface MessagingOptions {
  readonly outbox: boolean;
  readonly idempotency?: boolean;
  /**
   * The data schema of every event type (the events package's `EVENT_SCHEMAS`): the publisher and the event sink
   * refuse an event that does not match its contract, before anything is sent or written to the outbox.
   */
  readonly schemas?: EventSchemas;
  /**
   * How the service keeps its tenants apart (tenant.isolation): with `database`, the outbox is in each tenant's
   * database, beside the state it commits with.
   * @default - one tenant
   */
  readonly tenants?: TenantIsolation | undefined;
}

/** The logger, the publisher and the event sink of a service. */
export interface Messaging {
  readonly logger: Logger;
  readonly publisher: EventPublisher;
  readonly events: EventSink;
  /** The event contracts, when given: consumers check what they receive against them too. */
  readonly schemas?: EventSchemas;
}

/** The idempotency store's type: present when asked for (`true`), undefined when not (`false`), either when unknown. */
export type IdempotencyOf<I extends boolean> = [I] extends [true] ? IdempotencyStore : [I] extends [false] ? undefined : IdempotencyStore | undefined;

/** Messaging with the store's parts: the idempotency store (when asked for), the outbox and its relay (when on). */
export interface StoredMessaging<I extends boolean = boolean> extends Messaging {
  readonly idempotency: IdempotencyOf<I>;
  readonly outbox?: Outbox;
  readonly relay?: OutboxRelay;
}

/** With the outbox pattern: the outbox the event sink writes and the relay publishing it. */
export interface OutboxMessaging<I extends boolean = boolean> extends StoredMessaging<I> {
  readonly outbox: Outbox;
  readonly relay: OutboxRelay;
}

/**
 * A service's common wiring, from its configuration: the logger (SERVICE_NAME, LOG_LEVEL, PII_FIELDS redacted), the
 * publisher (EVENT_BUS, EVENT_TARGET) and the event sink; with `outbox`, the outbox (`<TABLE_PREFIX>-outbox` in
 * STORE) the sink writes and the relay moving it to the publisher; with `idempotency`, the idempotency store
 * (`<TABLE_PREFIX>-idempotency` in STORE), else `idempotency` is undefined.
 */
export function createMessaging<I extends boolean = false>(config: StoredMessagingConfig, options: { readonly outbox: true; readonly idempotency?: I; readonly schemas?: EventSchemas; readonly tenants?: TenantIsolation | undefined }): OutboxMessaging<I>;
export function createMessaging(config: MessagingConfig, options: { readonly outbox: false; readonly idempotency?: false; readonly schemas?: EventSchemas; readonly tenants?: TenantIsolation | undefined }): StoredMessaging<false>;
export function createMessaging<I extends boolean = false>(config: StoredMessagingConfig, options: { readonly outbox: boolean; readonly idempotency?: I; readonly schemas?: EventSchemas; readonly tenants?: TenantIsolation | undefined }): StoredMessaging<I>;
export function createMessaging(config: MessagingConfig): Messaging;
export function createMessaging(config: MessagingConfig, options?: MessagingOptions): Messaging | StoredMessaging {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const transport = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
  if (options === undefined) return { logger, publisher: transport, events: createEventSink(transport) };
  const { schemas } = options;
  // the relay sends what the sink already checked, so an event in the outbox is never stuck behind a later contract
  const publisher = schemas === undefined ? transport : checkedPublisher(transport, schemas);
  const contracts = schemas === undefined ? {} : { schemas };
  // the overloads ask for the store's variables whenever the outbox or the idempotency store is on
  const stored = config as StoredMessagingConfig;
  const table = (suffix: string): string => `${stored.TABLE_PREFIX}-${suffix}`;
  const idempotency: IdempotencyStore | undefined = options.idempotency === true ? createIdempotencyStore(stored.STORE, table('idempotency'), stored.DATABASE_URL) : undefined;
  if (!options.outbox) return { logger, publisher, events: createEventSink(publisher), idempotency, ...contracts };
  const outbox = createOutbox(stored.STORE, table('outbox'), stored.DATABASE_URL, options.tenants);
  return { logger, publisher, events: createEventSink(transport, outbox, schemas), idempotency, outbox, relay: new OutboxRelay(outbox, transport, logger), ...contracts };
}
