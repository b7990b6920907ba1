import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  type GetCommandOutput,
  type ScanCommandOutput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, type AwsClient } from './aws';
import { commitWrites, firestoreId, resolveFirestore, sharedFirestore, type FirestoreSource, type FirestoreWrite } from './firestore';
import { matches, pageOf, resolvePageQuery, type Page, type PageQuery } from './page';
import { assertTableName, TENANT_SETTING, type SqlPool } from './postgres';
import { TENANT_FIELD } from './tenant-context';

/** Port: keyed storage of one aggregate type. */
export interface Repository<T extends { id: string }> {
  get(id: string): Promise<T | undefined>;
  /** Up to `limit` items (100 by default), in no guaranteed order. */
  list(limit?: number): Promise<T[]>;
  /**
   * One page of the items that match `query.where`, after `query.cursor` (see page.ts): walking the pages by their
   * `nextCursor` returns every item exactly once. In id order, but on DynamoDB (scan order).
   */
  page(query?: PageQuery): Promise<Page<T>>;
  /** Creates or replaces the item with `item.id`. */
  put(item: T): Promise<void>;
  /**
   * A compare-and-set: writes `item` only when the stored item's `field` equals `expected` (compared as JSON), or,
   * with `expected` undefined, only when there is no item with `item.id`; atomic on every adapter, so that of two
   * writers that read the same item only one writes. False (and nothing written) when the condition did not hold.
   */
  putIf<K extends keyof T & string>(item: T, field: K, expected: T[K] | undefined): Promise<boolean>;
  delete(id: string): Promise<void>;
}

/** Whether a stored item's field is `expected` (undefined: there is no stored item), as {@link Repository.putIf} compares. */
function holds<T extends object>(stored: T | undefined, field: keyof T, expected: unknown): boolean {
  if (expected === undefined || stored === undefined) return expected === undefined && stored === undefined;
  return JSON.stringify(stored[field]) === JSON.stringify(expected);
}

const DEFAULT_LIMIT = 100;

/** In-memory repository for tests and local runs; stores copies, so callers cannot mutate stored items. */
export class MemoryRepository<T extends { id: string }> implements Repository<T> {
  private readonly items = new Map<string, T>();

  /** Returns a copy of the item, if any. */
  get(id: string): Promise<T | undefined> {
    const item = this.items.get(id);
    return Promise.resolve(item === undefined ? undefined : structuredClone(item));
  }

  /** Returns copies of up to `limit` items in insertion order. */
  list(limit = DEFAULT_LIMIT): Promise<T[]> {
    return Promise.resolve([...this.items.values()].slice(0, limit).map((i) => structuredClone(i)));
  }

  /** Copies of the page's items, in id order. */
  page(query?: PageQuery): Promise<Page<T>> {
    // (a bad query rejects, as with the other adapters)
    return new Promise((resolve) => {
      const { limit, after, where } = resolvePageQuery(query);
      const matching = [...this.items.values()]
        .filter((i) => (after === undefined || i.id > after) && matches(i, where))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit + 1);
      resolve(pageOf(matching.map((i) => structuredClone(i)), limit));
    });
  }

  /** Stores a copy of `item`. */
  put(item: T): Promise<void> {
    this.items.set(item.id, structuredClone(item));
    return Promise.resolve();
  }

  /** Stores a copy of `item` when the stored item's `field` is `expected` (undefined: when there is none). */
  putIf<K extends keyof T & string>(item: T, field: K, expected: T[K] | undefined): Promise<boolean> {
    if (!holds(this.items.get(item.id), field, expected)) return Promise.resolve(false);
    this.items.set(item.id, structuredClone(item));
    return Promise.resolve(true);
  }

  /** Removes the item, if any. */
  delete(id: string): Promise<void> {
    this.items.delete(id);
    return Promise.resolve();
  }
}

/** One entry of a DynamoDB TransactWrite. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB repository: the partition key `pk` is the item id; the item's fields are top-level attributes. */
export class DynamoDbRepository<T extends { id: string }> implements Repository<T> {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
  ) {}

  /** Creates the repository with the real DynamoDB document client. */
  static create<T extends { id: string }>(tableName: string): DynamoDbRepository<T> {
    return new DynamoDbRepository<T>(createDocumentClient(), tableName);
  }

  /** Strongly consistent read of one item. */
  async get(id: string): Promise<T | undefined> {
    const out = (await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: id }, ConsistentRead: true }),
    )) as GetCommandOutput;
    return out.Item ? strip<T>(out.Item) : undefined;
  }

  /** One Scan page of up to `limit` items. */
  async list(limit = DEFAULT_LIMIT): Promise<T[]> {
    const out = (await this.client.send(new ScanCommand({ TableName: this.tableName, Limit: limit }))) as ScanCommandOutput;
    return (out.Items ?? []).map((i) => strip<T>(i));
  }

  /**
   * Scans on from the cursor's item (ExclusiveStartKey) with the filter as a FilterExpression, page after page of the
   * scan until limit + 1 items match or the table ends: a scan page may hold none that match.
   */
  async page(query?: PageQuery): Promise<Page<T>> {
    const { limit, after, where } = resolvePageQuery(query);
    const filter = where.length > 0
      ? {
          FilterExpression: where.map((_, i) => `#f${i} = :v${i}`).join(' AND '),
          ExpressionAttributeNames: Object.fromEntries(where.map(([field], i) => [`#f${i}`, field])),
          ExpressionAttributeValues: Object.fromEntries(where.map(([, value], i) => [`:v${i}`, value])),
        }
      : {};
    const matching: T[] = [];
    let start: Record<string, unknown> | undefined = after !== undefined ? { pk: after } : undefined;
    do {
      const out = (await this.client.send(
        new ScanCommand({ TableName: this.tableName, Limit: limit + 1, ...filter, ...(start ? { ExclusiveStartKey: start } : {}) }),
      )) as ScanCommandOutput;
      matching.push(...(out.Items ?? []).map((i) => strip<T>(i)));
      start = out.LastEvaluatedKey;
    } while (matching.length <= limit && start !== undefined);
    return pageOf(matching, limit);
  }

  /** Writes the item with `pk = item.id`. */
  async put(item: T): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...item, pk: item.id } }));
  }

  /** A conditional Put: `#f = :expected`, or `attribute_not_exists(pk)` when `expected` is undefined. */
  async putIf<K extends keyof T & string>(item: T, field: K, expected: T[K] | undefined): Promise<boolean> {
    const condition =
      expected === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#f = :expected', ExpressionAttributeNames: { '#f': field }, ExpressionAttributeValues: { ':expected': expected } };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...item, pk: item.id }, ...condition }));
      return true;
    } catch (err) {
      if ((err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Deletes the item (no error when absent). */
  async delete(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: id } }));
  }

  /** The TransactWrite entry that puts `item`, for a transaction with other writes (the outbox's). */
  transactPut(item: T): TransactItem {
    return { Put: { TableName: this.tableName, Item: { ...item, pk: item.id } } };
  }

  /** The TransactWrite entry that deletes `id`. */
  transactDelete(id: string): TransactItem {
    return { Delete: { TableName: this.tableName, Key: { pk: id } } };
  }

  /** Runs `items` (at most 100) as one DynamoDB transaction through this repository's client. */
  async transact(items: readonly TransactItem[]): Promise<void> {
    await this.client.send(new TransactWriteCommand({ TransactItems: [...items] }));
  }
}

function strip<T>(item: Record<string, unknown>): T {
  const rest = { ...item };
  delete rest.pk;
  return rest as T;
}

/** Postgres repository over a table `(id text primary key, data jsonb not null)`. */
export class PostgresRepository<T extends { id: string }> implements Repository<T> {
  constructor(
    private readonly pool: SqlPool,
    private readonly table: string,
    private readonly options: PostgresRepositoryOptions = {},
  ) {
    assertTableName(table);
  }

  /**
   * Creates the table when it does not exist (development and tests; use migrations in production); with
   * `rowLevelSecurity`, also its row-level security (see {@link PostgresRepositoryOptions.rowLevelSecurity}).
   */
  async ensureTable(): Promise<void> {
    await this.pool.query(`create table if not exists ${this.table} (id text primary key, data jsonb not null)`);
    if (this.options.rowLevelSecurity !== true) return;
    // Only when missing: altering the table takes a lock every tenant's statements would queue behind, at each start.
    const { rows } = await this.pool.query(
      'select c.relrowsecurity and c.relforcerowsecurity as secured, exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = $1) as policy from pg_class c where c.oid = to_regclass($2)',
      [TENANT_POLICY, this.table],
    );
    const state = rows[0] as { secured: boolean; policy: boolean } | undefined;
    if (state?.secured !== true || !state.policy) await this.pool.query(rowLevelSecurityDdl(this.table));
  }

  /** Reads one item. */
  async get(id: string): Promise<T | undefined> {
    const { rows } = await this.pool.query(`select data from ${this.table} where id = $1`, [id]);
    return (rows[0] as { data: T } | undefined)?.data;
  }

  /** Reads up to `limit` items ordered by id. */
  async list(limit = DEFAULT_LIMIT): Promise<T[]> {
    const { rows } = await this.pool.query(`select data from ${this.table} order by id limit $1`, [limit]);
    return (rows as { data: T }[]).map((r) => r.data);
  }

  /** The page in id order, filtered on the JSON fields (`data->>field`, all values bound as parameters). */
  async page(query?: PageQuery): Promise<Page<T>> {
    const { limit, after, where } = resolvePageQuery(query);
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const conditions = [...(after !== undefined ? [`id > ${bind(after)}`] : []), ...where.map(([field, value]) => `data->>${bind(field)} = ${bind(value)}`)];
    const sql = `select data from ${this.table}${conditions.length > 0 ? ` where ${conditions.join(' and ')}` : ''} order by id limit ${bind(limit + 1)}`;
    const { rows } = await this.pool.query(sql, params);
    return pageOf((rows as { data: T }[]).map((r) => r.data), limit);
  }

  /** The table name (for statements that write it together with other tables). */
  get tableName(): string {
    return this.table;
  }

  /** The pool the repository queries. */
  get sql(): SqlPool {
    return this.pool;
  }

  async put(item: T): Promise<void> {
    await this.pool.query(
      `insert into ${this.table} (id, data) values ($1, $2) on conflict (id) do update set data = excluded.data`,
      [item.id, JSON.stringify(item)],
    );
  }

  /**
   * `insert ... on conflict do nothing` when `expected` is undefined, else `update ... where data -> field = expected`
   * (jsonb equality): the row lock makes a second writer at the same value find it changed, and write nothing.
   */
  async putIf<K extends keyof T & string>(item: T, field: K, expected: T[K] | undefined): Promise<boolean> {
    const { rows } =
      expected === undefined
        ? await this.pool.query(`insert into ${this.table} (id, data) values ($1, $2) on conflict (id) do nothing returning id`, [item.id, JSON.stringify(item)])
        : await this.pool.query(`update ${this.table} set data = $2 where id = $1 and data -> $3::text = $4::jsonb returning id`, [item.id, JSON.stringify(item), field, JSON.stringify(expected)]);
    return rows.length > 0;
  }

  /** Deletes the item (no error when absent). */
  async delete(id: string): Promise<void> {
    await this.pool.query(`delete from ${this.table} where id = $1`, [id]);
  }
}

/** How a {@link PostgresRepository} keeps its table. */
export interface PostgresRepositoryOptions {
  /**
   * The table holds several tenants' items (tenant.isolation row-level): {@link PostgresRepository.ensureTable}
   * turns on row-level security, forced on the table's owner too, with one policy that lets a statement see and
   * write only the rows whose `data->>'tenant'` is the transaction's tenant ({@link TENANT_SETTING}, which
   * `tenantSessionPool` sets per transaction). A statement without a tenant sees no row. This holds for any SQL on
   * the table, the user's own included, as long as the database user is no superuser and has no BYPASSRLS (which
   * skip every policy).
   * @default false
   */
  readonly rowLevelSecurity?: boolean;
}

/** The stored item's tenant, as the policy reads it. */
const TENANT_FIELD_SQL = `data->>'${TENANT_FIELD}'`;

/** The policy's name on each tenant table. */
export const TENANT_POLICY = 'allframe_tenant_isolation';

/**
 * Row-level security on `table`: enabled, forced (its owner is held by it too), and the tenant policy made anew. One
 * simple-protocol query of several statements, which PostgreSQL runs as one transaction, so that no statement sees
 * the table between the policy's drop and its creation.
 */
function rowLevelSecurityDdl(table: string): string {
  const own = `${TENANT_FIELD_SQL} = current_setting('${TENANT_SETTING}', true)`;
  return [
    `alter table ${table} enable row level security`,
    `alter table ${table} force row level security`,
    `drop policy if exists ${TENANT_POLICY} on ${table}`,
    `create policy ${TENANT_POLICY} on ${table} using (${own}) with check (${own})`,
  ].join('; ');
}

/**
 * Firestore repository over the collection `collection`: one document per item, its id the item id (percent-encoded
 * where Firestore needs it, see firestoreId), with the fields `{ id, data }` where `data` is the item as JSON, as the
 * Postgres repository keeps it (Firestore refuses arrays of arrays and turns dates into timestamps).
 */
export class FirestoreRepository<T extends { id: string }> implements Repository<T> {
  constructor(
    private readonly db: FirestoreSource,
    private readonly collection: string,
  ) {}

  /** Creates the repository on the process's shared client, as the environment configures it. */
  static create<T extends { id: string }>(collection: string): FirestoreRepository<T> {
    return new FirestoreRepository<T>(sharedFirestore(), collection);
  }

  /** Reads one item. */
  async get(id: string): Promise<T | undefined> {
    const snapshot = await (await resolveFirestore(this.db)).collection(this.collection).doc(firestoreId(id)).get();
    return snapshot.exists ? parseItem<T>(snapshot.data()) : undefined;
  }

  /** Up to `limit` items, in document id order. */
  async list(limit = DEFAULT_LIMIT): Promise<T[]> {
    const { docs } = await (await resolveFirestore(this.db)).collection(this.collection).limit(limit).get();
    return docs.map((d) => parseItem<T>(d.data()));
  }

  /**
   * The page in id order: documents after the cursor's id (`where id >`, `orderBy id`), read in batches and filtered
   * here, as the fields are inside the document's `data` JSON, until limit + 1 match or the collection ends.
   */
  async page(query?: PageQuery): Promise<Page<T>> {
    const { limit, after, where } = resolvePageQuery(query);
    const collection = (await resolveFirestore(this.db)).collection(this.collection);
    const batch = limit + 1;
    const matching: T[] = [];
    let from = after;
    for (;;) {
      const { docs } = await (from !== undefined ? collection.where('id', '>', from) : collection).orderBy('id').limit(batch).get();
      const items = docs.map((d) => parseItem<T>(d.data()));
      matching.push(...items.filter((i) => matches(i, where)));
      if (matching.length > limit || docs.length < batch) break;
      from = items.at(-1)!.id;
    }
    return pageOf(matching, limit);
  }

  /** Creates or replaces the item's document. */
  async put(item: T): Promise<void> {
    await commitWrites(this.db, [this.writePut(item)]);
  }

  /** Reads and writes the document in one transaction, which Firestore runs again when the document changed meanwhile. */
  async putIf<K extends keyof T & string>(item: T, field: K, expected: T[K] | undefined): Promise<boolean> {
    const db = await resolveFirestore(this.db);
    const { id, data } = this.writePut(item);
    const doc = db.collection(this.collection).doc(id);
    return db.runTransaction(async (tx) => {
      const snapshot = await tx.get(doc);
      if (!holds(snapshot.exists ? parseItem<T>(snapshot.data()) : undefined, field, expected)) return false;
      tx.set(doc, data!);
      return true;
    });
  }

  /** Deletes the item's document (no error when absent). */
  async delete(id: string): Promise<void> {
    await commitWrites(this.db, [this.writeDelete(id)]);
  }

  /** The batch write that puts `item`, for a batch with other writes (the outbox's). */
  writePut(item: T): FirestoreWrite {
    return { collection: this.collection, id: firestoreId(item.id), data: { id: item.id, data: JSON.stringify(item) } };
  }

  /** The batch write that deletes `id`. */
  writeDelete(id: string): FirestoreWrite {
    return { collection: this.collection, id: firestoreId(id) };
  }

  /** Commits `writes` (at most 500) as one atomic batch through this repository's client. */
  async commit(writes: readonly FirestoreWrite[]): Promise<void> {
    await commitWrites(this.db, writes);
  }
}

function parseItem<T>(fields: Record<string, unknown> | undefined): T {
  return JSON.parse(String(fields?.data)) as T;
}
