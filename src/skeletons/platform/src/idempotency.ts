import { GetCommand, PutCommand, type GetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';
import { createDocumentClient, epochSeconds, type AwsClient } from './aws';
import { firestoreId, resolveFirestore, sharedFirestore, storedMillis, type FirestoreSource } from './firestore';
import { assertTableName, type SqlPool } from './postgres';
import { currentTenant } from './tenant-context';

/** A response kept for replay. */
export interface StoredResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** Port: where idempotency records live. */
export interface IdempotencyStore {
  get(key: string): Promise<StoredResponse | undefined>;
  put(key: string, response: StoredResponse, ttlSeconds: number): Promise<void>;
}

/** A clock returning epoch milliseconds; injectable for tests. */
export type Clock = () => number;

/** In-memory store for tests and single-instance development; entries expire after their TTL. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, { response: StoredResponse; expiresAt: number }>();

  constructor(private readonly now: Clock = Date.now) {}

  /** Returns the unexpired response stored under `key`. */
  get(key: string): Promise<StoredResponse | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve(undefined);
    if (entry.expiresAt > this.now()) return Promise.resolve(entry.response);
    this.entries.delete(key);
    return Promise.resolve(undefined);
  }

  /** Stores `response` under `key` for `ttlSeconds`. */
  put(key: string, response: StoredResponse, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { response, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }
}

/** DynamoDB store: items `{ pk, response, expiresAt }`, with `expiresAt` (epoch seconds) as the table's TTL attribute. */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
    private readonly now: Clock = Date.now,
  ) {}

  /** Creates the store with the real DynamoDB document client. */
  static create(tableName: string): DynamoDbIdempotencyStore {
    return new DynamoDbIdempotencyStore(createDocumentClient(), tableName);
  }

  /** Returns the stored response, ignoring items past `expiresAt` that DynamoDB has not deleted yet. */
  async get(key: string): Promise<StoredResponse | undefined> {
    const out = (await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }),
    )) as GetCommandOutput;
    const item = out.Item as { response: StoredResponse; expiresAt: number } | undefined;
    return item && item.expiresAt > epochSeconds(this.now()) ? item.response : undefined;
  }

  /** Writes the item with `expiresAt = now + ttlSeconds`. */
  async put(key: string, response: StoredResponse, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: key, response, expiresAt: epochSeconds(this.now()) + ttlSeconds },
      }),
    );
  }
}

/** Postgres store over a table `(key text primary key, response jsonb not null, expires_at bigint not null)`. */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly pool: SqlPool,
    private readonly table: string,
    private readonly now: Clock = Date.now,
  ) {
    assertTableName(table);
  }

  /** Creates the table when missing (development and tests; use migrations in production). */
  async ensureTable(): Promise<void> {
    await this.pool.query(
      `create table if not exists ${this.table} (key text primary key, response jsonb not null, expires_at bigint not null)`,
    );
  }

  /** The stored response unless expired (`expires_at` is in epoch seconds). */
  async get(key: string): Promise<StoredResponse | undefined> {
    const { rows } = await this.pool.query(`select response from ${this.table} where key = $1 and expires_at > $2`, [
      key,
      epochSeconds(this.now()),
    ]);
    return (rows[0] as { response: StoredResponse } | undefined)?.response;
  }

  /** Inserts or replaces the record with `expires_at = now + ttlSeconds`. */
  async put(key: string, response: StoredResponse, ttlSeconds: number): Promise<void> {
    await this.pool.query(
      `insert into ${this.table} (key, response, expires_at) values ($1, $2, $3) on conflict (key) do update set response = excluded.response, expires_at = excluded.expires_at`,
      [key, JSON.stringify(response), epochSeconds(this.now()) + ttlSeconds],
    );
  }
}

/**
 * Firestore store over the collection `collection`: documents `{ key, response, expiresAt }`, their id the key
 * (percent-encoded, see firestoreId), `expiresAt` a timestamp, for a TTL policy on that field; documents past it
 * that Firestore has not deleted yet are ignored.
 */
export class FirestoreIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: FirestoreSource,
    private readonly collection: string,
    private readonly now: Clock = Date.now,
  ) {}

  /** Creates the store on the process's shared client, as the environment configures it. */
  static create(collection: string): FirestoreIdempotencyStore {
    return new FirestoreIdempotencyStore(sharedFirestore(), collection);
  }

  /** The stored response unless expired. */
  async get(key: string): Promise<StoredResponse | undefined> {
    const snapshot = await (await resolveFirestore(this.db)).collection(this.collection).doc(firestoreId(key)).get();
    const fields = snapshot.data() as { response: StoredResponse; expiresAt: unknown } | undefined;
    return fields && storedMillis(fields.expiresAt) > this.now() ? fields.response : undefined;
  }

  /** Creates or replaces the document with `expiresAt = now + ttlSeconds`. */
  async put(key: string, response: StoredResponse, ttlSeconds: number): Promise<void> {
    const doc = (await resolveFirestore(this.db)).collection(this.collection).doc(firestoreId(key));
    await doc.set({ key, response, expiresAt: new Date(this.now() + ttlSeconds * 1000) });
  }
}

/** Options for the {@link idempotency} middleware. */
export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** Request header carrying the key; `Idempotency-Key` by default. */
  header?: string;
  /** How long a stored response is replayed; 24 h by default. */
  ttlSeconds?: number;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Hono middleware: a POST/PUT/PATCH/DELETE carrying the idempotency header whose key (scoped to method and path)
 * already produced a 2xx response gets that response again, with `Idempotent-Replayed: true`; otherwise the
 * request runs and a 2xx response is stored. Non-2xx responses are not stored, so the client may retry.
 * Two identical requests arriving at the same moment may both run: the store has no lock.
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler {
  const header = options.header ?? 'Idempotency-Key';
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  return async (c, next) => {
    const key = c.req.header(header);
    if (!UNSAFE_METHODS.has(c.req.method) || !key) return next();
    // scoped to the tenant too when the request runs for one (architecture.multi_tenant): tenants share no keys
    const tenant = currentTenant();
    const storeKey = `${tenant !== undefined ? `${tenant} ` : ''}${c.req.method} ${c.req.path} ${key}`;
    const stored = await options.store.get(storeKey);
    if (stored) {
      const headers: Record<string, string> = { 'Idempotent-Replayed': 'true' };
      if (stored.contentType) headers['content-type'] = stored.contentType;
      return NULL_BODY_STATUSES.has(stored.status)
        ? c.body(null, stored.status as StatusCode, headers)
        : c.body(stored.body, stored.status as ContentfulStatusCode, headers);
    }
    await next();
    const res = c.res;
    if (res.status >= 200 && res.status < 300) {
      const response: StoredResponse = { status: res.status, body: await res.clone().text() };
      const contentType = res.headers.get('content-type');
      if (contentType) response.contentType = contentType;
      await options.store.put(storeKey, response, ttlSeconds);
    }
  };
}

/**
 * Runs `fn` once per `key` (for message consumers): returns 'duplicate' without running it when the key was already
 * processed, otherwise runs it and records the key. If `fn` throws nothing is recorded, so a redelivery retries.
 */
export async function processOnce(
  store: IdempotencyStore,
  key: string,
  ttlSeconds: number,
  fn: () => Promise<void>,
): Promise<'processed' | 'duplicate'> {
  if (await store.get(key)) return 'duplicate';
  await fn();
  await store.put(key, { status: 200, body: '' }, ttlSeconds);
  return 'processed';
}
