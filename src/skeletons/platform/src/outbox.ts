import {
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { chunk, createDocumentClient, epochSeconds, type AwsClient } from './aws';
import {
  FIRESTORE_BATCH_LIMIT,
  commitWrites,
  firestoreId,
  resolveFirestore,
  sharedFirestore,
  type FirestoreSource,
  type FirestoreWrite,
} from './firestore';
import type { Clock } from './idempotency';
import type { EventEnvelope, EventPublisher } from './events';
import type { Logger } from './logger';
import { assertTableName, type SqlPool } from './postgres';

/** Port: events written with the state change that caused them, relayed to the bus afterwards. */
export interface Outbox {
  add(events: readonly EventEnvelope[]): Promise<void>;
  /** Up to `limit` unsent events, oldest first. */
  pending(limit: number): Promise<EventEnvelope[]>;
  markSent(ids: readonly string[]): Promise<void>;
}

/** In-memory outbox for tests and local runs. */
export class MemoryOutbox implements Outbox {
  private readonly events = new Map<string, { event: EventEnvelope; sent: boolean }>();

  /** Adds `events` as pending (an id already present is left as it is). */
  add(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) if (!this.events.has(event.id)) this.events.set(event.id, { event, sent: false });
    return Promise.resolve();
  }

  /** Returns up to `limit` pending events in insertion order. */
  pending(limit: number): Promise<EventEnvelope[]> {
    const out = [...this.events.values()].filter((e) => !e.sent).map((e) => e.event);
    return Promise.resolve(out.slice(0, limit));
  }

  /** Marks `ids` as sent. */
  markSent(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const entry = this.events.get(id);
      if (entry) entry.sent = true;
    }
    return Promise.resolve();
  }
}

/** One outbox item as stored in DynamoDB. */
export interface OutboxItem {
  pk: string;
  status: 'pending' | 'sent';
  createdAt: string;
  event: EventEnvelope;
  expiresAt?: number;
}

/**
 * DynamoDB outbox: items `{ pk: event id, status: 'pending' | 'sent', createdAt, event }`; sent items get
 * `expiresAt` (epoch seconds, the table's TTL attribute) after `retentionSeconds`. `pending` scans, which suits
 * the small tables an outbox keeps when relayed often.
 */
export class DynamoDbOutbox implements Outbox {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
    private readonly options: { retentionSeconds?: number; now?: Clock } = {},
  ) {}

  /** Creates the outbox with the real DynamoDB document client. */
  static create(tableName: string): DynamoDbOutbox {
    return new DynamoDbOutbox(createDocumentClient(), tableName);
  }

  /** The `Put` entries for `events`, to include in the caller's own TransactWrite with its state change. */
  transactItems(events: readonly EventEnvelope[]): { Put: { TableName: string; Item: OutboxItem } }[] {
    return events.map((event) => ({
      Put: { TableName: this.tableName, Item: { pk: event.id, status: 'pending', createdAt: event.time, event } },
    }));
  }

  /** Writes `events` as pending, atomically per 100 events. */
  async add(events: readonly EventEnvelope[]): Promise<void> {
    for (const batch of chunk(this.transactItems(events), 100)) {
      await this.client.send(new TransactWriteCommand({ TransactItems: batch }));
    }
  }

  /** Scans for pending items (following pages) and returns up to `limit`, oldest first. */
  async pending(limit: number): Promise<EventEnvelope[]> {
    const items: OutboxItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = (await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
          ExclusiveStartKey: startKey,
        }),
      )) as ScanCommandOutput;
      items.push(...((out.Items ?? []) as OutboxItem[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return items.slice(0, limit).map((i) => i.event);
  }

  /** Marks each id as sent and schedules its deletion. */
  async markSent(ids: readonly string[]): Promise<void> {
    const expiresAt = epochSeconds((this.options.now ?? Date.now)()) + (this.options.retentionSeconds ?? 7 * 86_400);
    for (const id of ids) {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: id },
          UpdateExpression: 'SET #status = :sent, expiresAt = :expiresAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sent': 'sent', ':expiresAt': expiresAt },
        }),
      );
    }
  }
}

/**
 * Postgres outbox over a table `(id text primary key, status text not null, created_at text not null,
 * event jsonb not null)`; insert into it in the same transaction as the state change when you can.
 */
export class PostgresOutbox implements Outbox {
  constructor(
    private readonly pool: SqlPool,
    private readonly table: string,
  ) {
    assertTableName(table);
  }

  /** The table name (for statements that write it together with the state change). */
  get tableName(): string {
    return this.table;
  }

  /** Creates the table and its pending index when missing (development and tests; use migrations in production). */
  async ensureTable(): Promise<void> {
    await this.pool.query(
      `create table if not exists ${this.table} (id text primary key, status text not null, created_at text not null, event jsonb not null)`,
    );
    await this.pool.query(`create index if not exists ${this.table}_pending on ${this.table} (created_at) where status = 'pending'`);
  }

  /** Inserts `events` as pending (an id already present is left as it is). */
  async add(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      await this.pool.query(
        `insert into ${this.table} (id, status, created_at, event) values ($1, 'pending', $2, $3) on conflict (id) do nothing`,
        [event.id, event.time, JSON.stringify(event)],
      );
    }
  }

  /** Up to `limit` pending events, oldest first. */
  async pending(limit: number): Promise<EventEnvelope[]> {
    const { rows } = await this.pool.query(
      `select event from ${this.table} where status = 'pending' order by created_at limit $1`,
      [limit],
    );
    return (rows as { event: EventEnvelope }[]).map((r) => r.event);
  }

  /** Marks `ids` as sent. */
  async markSent(ids: readonly string[]): Promise<void> {
    await this.pool.query(`update ${this.table} set status = 'sent' where id = any($1)`, [ids]);
  }
}

/**
 * Firestore outbox over the collection `collection`: one document per event, its id the event id, with the fields
 * `{ status: 'pending' | 'sent', createdAt, pendingSince, event }` where `event` is the envelope as JSON.
 * `pendingSince` (the event time) is set while the event is pending and null once sent, so `pending` orders on that
 * one field (Firestore's automatic single-field index; no composite index needed). Sent documents get `expiresAt`
 * (a timestamp, for a TTL policy on that field) after `retentionSeconds`.
 */
export class FirestoreOutbox implements Outbox {
  constructor(
    private readonly db: FirestoreSource,
    private readonly collection: string,
    private readonly options: { retentionSeconds?: number; now?: Clock } = {},
  ) {}

  /** Creates the outbox on the process's shared client, as the environment configures it. */
  static create(collection: string): FirestoreOutbox {
    return new FirestoreOutbox(sharedFirestore(), collection);
  }

  /** The batch writes for `events`, to commit in the caller's own batch with its state change. */
  writes(events: readonly EventEnvelope[]): FirestoreWrite[] {
    return events.map((event) => ({
      collection: this.collection,
      id: firestoreId(event.id),
      data: { status: 'pending', createdAt: event.time, pendingSince: event.time, event: JSON.stringify(event) },
    }));
  }

  /** Writes `events` as pending, atomically per 500 events. */
  async add(events: readonly EventEnvelope[]): Promise<void> {
    for (const batch of chunk(this.writes(events), FIRESTORE_BATCH_LIMIT)) await commitWrites(this.db, batch);
  }

  /** Up to `limit` pending events, oldest first. */
  async pending(limit: number): Promise<EventEnvelope[]> {
    const db = await resolveFirestore(this.db);
    const { docs } = await db.collection(this.collection).where('pendingSince', '>', '').orderBy('pendingSince').limit(limit).get();
    return docs.map((d) => JSON.parse(String(d.data()?.event)) as EventEnvelope);
  }

  /** Marks `ids` as sent and schedules their deletion, atomically per 500. */
  async markSent(ids: readonly string[]): Promise<void> {
    const expiresAt = new Date((this.options.now ?? Date.now)() + (this.options.retentionSeconds ?? 7 * 86_400) * 1000);
    const db = await resolveFirestore(this.db);
    for (const group of chunk(ids, FIRESTORE_BATCH_LIMIT)) {
      const batch = db.batch();
      for (const id of group) batch.set(db.collection(this.collection).doc(firestoreId(id)), { status: 'sent', pendingSince: null, expiresAt }, { merge: true });
      await batch.commit();
    }
  }
}

/** Moves pending outbox events to a publisher. */
export class OutboxRelay {
  constructor(
    private readonly outbox: Outbox,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
  ) {}

  /**
   * Publishes up to `limit` pending events, then marks them sent; returns how many. If publishing fails nothing
   * is marked and the error is rethrown (the events go out on a later run; consumers deduplicate by event id).
   */
  async runOnce(limit = 25): Promise<number> {
    const events = await this.outbox.pending(limit);
    if (events.length === 0) return 0;
    try {
      await this.publisher.publish(events);
    } catch (err) {
      this.logger.error({ err, count: events.length }, 'outbox publish failed');
      throw err;
    }
    await this.outbox.markSent(events.map((e) => e.id));
    this.logger.info({ count: events.length }, 'outbox relayed');
    return events.length;
  }
}
