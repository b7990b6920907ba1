import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type GetCommandOutput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, firestoreErrorCode, firestoreId, resolveFirestore, sharedFirestore, type AwsClient, type FirestoreSource } from '@allframe/platform';

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

/** The event store for `kind` (memory | dynamodb | firestore) over `table` (on Firestore, the collection id). */
export function createEventStore(kind: string, table: string): EventStore {
  switch (kind) {
    case 'memory':
      return new MemoryEventStore();
    case 'dynamodb':
      return DynamoDbEventStore.create(table);
    case 'firestore':
      return FirestoreEventStore.create(table);
    default:
      throw new Error(`EVENT_STORE must be one of memory, dynamodb, firestore, got ${JSON.stringify(kind)}`);
  }
}
