import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type GetCommandOutput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import {
  assertTableName,
  createDocumentClient,
  firestoreErrorCode,
  firestoreId,
  pgTableName,
  resolveFirestore,
  sharedFirestore,
  sharedPool,
  withSetup,
  type AwsClient,
  type FirestoreSource,
  type SqlPool,
} from '@allframe/platform';

/** An event as the store keeps it: its stream and its position in it (1, 2, 3...). */
export interface StoredEvent {
  readonly id: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly time: string;
}

/** An event decided by a command, before the store numbers it. */
export interface UnsavedEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** The state of a stream after `version` events. */
export interface Snapshot<S> {
  readonly streamId: string;
  readonly version: number;
  readonly state: S;
}

/** The stream moved on since it was read: reload and decide again. */
export class ConcurrencyError extends Error {
  constructor(streamId: string, expectedVersion: number) {
    super(`stream ${streamId} is no longer at version ${expectedVersion}`);
    this.name = 'ConcurrencyError';
  }
}

/** Port: append-only event streams with optimistic concurrency, and their snapshots. */
export interface EventStore {
  /** Appends `events` after `expectedVersion` (the version read); throws ConcurrencyError when the stream is elsewhere. */
  append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time?: string): Promise<StoredEvent[]>;
  /** The events after `afterVersion` (0: all), in order. */
  read(streamId: string, afterVersion?: number): Promise<StoredEvent[]>;
  loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined>;
  saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void>;
}

function stamp(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time: string): StoredEvent[] {
  return events.map((e, i) => ({ id: randomUUID(), streamId, version: expectedVersion + i + 1, type: e.type, data: e.data, time }));
}

/** In-memory event store for tests and local runs. */
export class MemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly snapshots = new Map<string, unknown>();

  append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    if (stream.length !== expectedVersion) return Promise.reject(new ConcurrencyError(streamId, expectedVersion));
    const stored = stamp(streamId, expectedVersion, events, time);
    this.streams.set(streamId, [...stream, ...structuredClone(stored)]);
    return Promise.resolve(stored);
  }

  read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    return Promise.resolve(structuredClone((this.streams.get(streamId) ?? []).filter((e) => e.version > afterVersion)));
  }

  loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    return Promise.resolve(structuredClone(this.snapshots.get(streamId) as Snapshot<S> | undefined));
  }

  saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    this.snapshots.set(snapshot.streamId, structuredClone(snapshot));
    return Promise.resolve();
  }
}

const CONFLICTS = new Set(['TransactionCanceledException', 'ConditionalCheckFailedException']);

/**
 * DynamoDB event store over one table with partition key `pk` (string) and sort key `sk` (number). An event is the
 * item `{ pk: streamId, sk: version, event }`; an append is one transaction that checks the item at the expected
 * version exists and puts each new version only if absent, so of two writers at the same version one fails with
 * ConcurrencyError. A stream's snapshot is the item `{ pk: 'snapshot#' + streamId, sk: 0, snapshot }`.
 */
export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
  ) {}

  /** The store with the real DynamoDB document client. */
  static create(tableName: string): DynamoDbEventStore {
    return new DynamoDbEventStore(createDocumentClient(), tableName);
  }

  async append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const stored = stamp(streamId, expectedVersion, events, time);
    const check = { ConditionCheck: { TableName: this.tableName, Key: { pk: streamId, sk: expectedVersion }, ConditionExpression: 'attribute_exists(pk)' } };
    const puts = stored.map((event) => ({
      Put: { TableName: this.tableName, Item: { pk: streamId, sk: event.version, event }, ConditionExpression: 'attribute_not_exists(pk)' },
    }));
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: expectedVersion > 0 ? [check, ...puts] : puts }));
    } catch (err) {
      if (err instanceof Error && CONFLICTS.has(err.name)) throw new ConcurrencyError(streamId, expectedVersion);
      throw err;
    }
    return stored;
  }

  async read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = (await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: { ':pk': streamId, ':after': afterVersion },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      )) as QueryCommandOutput;
      for (const item of out.Items ?? []) events.push((item as { event: StoredEvent }).event);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  async loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    const out = (await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `snapshot#${streamId}`, sk: 0 }, ConsistentRead: true }),
    )) as GetCommandOutput;
    return (out.Item as { snapshot: Snapshot<S> } | undefined)?.snapshot;
  }

  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `snapshot#${snapshot.streamId}`, sk: 0, snapshot } }));
  }
}

/** gRPC codes of a lost race: ALREADY_EXISTS (an event created meanwhile), ABORTED (contention outlasted the retries). */
const FIRESTORE_CONFLICTS = new Set([6, 10]);

/**
 * Firestore event store over the collection `collection`: a stream is the document `<streamId>` `{ streamId, version }`
 * (its head), its events the documents of its subcollection `events` `{ version, event }` (the id the zero-padded
 * version, `event` the stored event as JSON), its snapshot the document `snapshots/latest` `{ version, snapshot }`. An
 * append is one transaction that reads the head, fails with ConcurrencyError unless it is at the expected version, moves
 * it and creates the events; Firestore runs the transaction again when another writer moved the head meanwhile, and
 * the check then fails. Reads order on `version` (Firestore's automatic single-field index).
 */
export class FirestoreEventStore implements EventStore {
  constructor(
    private readonly db: FirestoreSource,
    private readonly collection: string,
  ) {}

  /** The store on the platform's shared client (FIRESTORE_DATABASE, GOOGLE_CLOUD_PROJECT). */
  static create(collection: string): FirestoreEventStore {
    return new FirestoreEventStore(sharedFirestore(), collection);
  }

  async append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const stored = stamp(streamId, expectedVersion, events, time);
    const db = await resolveFirestore(this.db);
    const stream = db.collection(this.collection).doc(firestoreId(streamId));
    try {
      await db.runTransaction(async (tx) => {
        const head = await tx.get(stream);
        if (Number(head.data()?.version ?? 0) !== expectedVersion) throw new ConcurrencyError(streamId, expectedVersion);
        tx.set(stream, { streamId, version: expectedVersion + stored.length });
        for (const event of stored) {
          tx.create(stream.collection('events').doc(String(event.version).padStart(10, '0')), { version: event.version, event: JSON.stringify(event) });
        }
      });
    } catch (err) {
      if (FIRESTORE_CONFLICTS.has(firestoreErrorCode(err) ?? 0)) throw new ConcurrencyError(streamId, expectedVersion);
      throw err;
    }
    return stored;
  }

  async read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const { docs } = await (await this.stream(streamId)).collection('events').where('version', '>', afterVersion).orderBy('version').get();
    return docs.map((d) => JSON.parse(String(d.data()?.event)) as StoredEvent);
  }

  async loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    const fields = (await (await this.stream(streamId)).collection('snapshots').doc('latest').get()).data();
    return fields ? (JSON.parse(String(fields.snapshot)) as Snapshot<S>) : undefined;
  }

  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    await (await this.stream(snapshot.streamId)).collection('snapshots').doc('latest').set({ version: snapshot.version, snapshot: JSON.stringify(snapshot) });
  }

  private async stream(streamId: string) {
    return (await resolveFirestore(this.db)).collection(this.collection).doc(firestoreId(streamId));
  }
}

/** PostgreSQL's SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = '23505';

/** An event as a row of the PostgreSQL store. */
interface EventRow {
  readonly id: string;
  readonly stream_id: string;
  readonly version: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly time: string;
}

/**
 * PostgreSQL event store over the table `table` `(stream_id, version, id, type, data jsonb, time)`, its primary key
 * `(stream_id, version)`, and the snapshots in `<table>_snapshots` `(stream_id primary key, version, state jsonb)`. An
 * append is one statement, so one transaction: it inserts every new version, and nothing unless the stream is at the
 * expected version (0, or that version's row exists); the primary key refuses a version another writer stored first,
 * failing the whole statement, so of two writers at the same version one fails with ConcurrencyError.
 */
export class PostgresEventStore implements EventStore {
  constructor(
    private readonly pool: SqlPool,
    private readonly table: string,
  ) {
    assertTableName(table);
  }

  /**
   * The store on the platform's shared pool of `databaseUrl`, over the table named after `name` (see pgTableName),
   * created with its snapshots' table before the first query when missing.
   */
  static create(name: string, databaseUrl: string): PostgresEventStore {
    const table = pgTableName(name);
    return new PostgresEventStore(withSetup(sharedPool(databaseUrl), (p) => new PostgresEventStore(p, table).ensureTable()), table);
  }

  /** Creates the events' and the snapshots' tables when missing (development and tests; use migrations in production). */
  async ensureTable(): Promise<void> {
    await this.pool.query(
      `create table if not exists ${this.table} (stream_id text not null, version integer not null, id text not null, type text not null, ` +
        'data jsonb not null, time text not null, primary key (stream_id, version))',
    );
    await this.pool.query(`create table if not exists ${this.table}_snapshots (stream_id text primary key, version integer not null, state jsonb not null)`);
  }

  async append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const stored = stamp(streamId, expectedVersion, events, time);
    let inserted: unknown[];
    try {
      ({ rows: inserted } = await this.pool.query(
        `insert into ${this.table} (stream_id, version, id, type, data, time) select $1, e.version, e.id, e.type, e.data, e.time ` +
          'from jsonb_to_recordset($3::jsonb) as e(version integer, id text, type text, data jsonb, time text) ' +
          `where $2::integer = 0 or exists (select 1 from ${this.table} where stream_id = $1 and version = $2) returning version`,
        [streamId, expectedVersion, JSON.stringify(stored)],
      ));
    } catch (err) {
      if (this.lostRace(err)) throw new ConcurrencyError(streamId, expectedVersion);
      throw err;
    }
    if (inserted.length !== stored.length) throw new ConcurrencyError(streamId, expectedVersion);
    return stored;
  }

  async read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query(
      `select id, stream_id, version, type, data, time from ${this.table} where stream_id = $1 and version > $2 order by version`,
      [streamId, afterVersion],
    );
    return (rows as EventRow[]).map((r) => ({ id: r.id, streamId: r.stream_id, version: r.version, type: r.type, data: r.data, time: r.time }));
  }

  async loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    const { rows } = await this.pool.query(`select version, state from ${this.table}_snapshots where stream_id = $1`, [streamId]);
    const row = rows[0] as { version: number; state: S } | undefined;
    return row ? { streamId, version: row.version, state: row.state } : undefined;
  }

  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    await this.pool.query(
      `insert into ${this.table}_snapshots (stream_id, version, state) values ($1, $2, $3) ` +
        'on conflict (stream_id) do update set version = excluded.version, state = excluded.state',
      [snapshot.streamId, snapshot.version, JSON.stringify(snapshot.state)],
    );
  }

  /** A unique violation on this table: another writer stored one of the versions first (PostgreSQL cuts names at 63 bytes). */
  private lostRace(err: unknown): boolean {
    const { code, table } = (err ?? {}) as { code?: unknown; table?: unknown };
    return code === UNIQUE_VIOLATION && table === this.table.slice(0, 63);
  }
}

/**
 * The event store for `kind` (memory | dynamodb | postgres | firestore) over `table` (on PostgreSQL, a table name
 * derived from it in the database of `databaseUrl`; on Firestore, the collection id).
 */
export function createEventStore(kind: string, table: string, databaseUrl = ''): EventStore {
  switch (kind) {
    case 'memory':
      return new MemoryEventStore();
    case 'dynamodb':
      return DynamoDbEventStore.create(table);
    case 'postgres':
      return PostgresEventStore.create(table, databaseUrl);
    case 'firestore':
      return FirestoreEventStore.create(table);
    default:
      throw new Error(`EVENT_STORE must be one of memory, dynamodb, postgres, firestore, got ${JSON.stringify(kind)}`);
  }
}
