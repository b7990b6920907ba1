import { readConfig } from './config';

/** A document's fields. */
export type DocumentFields = Record<string, unknown>;

/** The part of a Firestore `DocumentSnapshot` the adapters use. */
export interface FirestoreSnapshot {
  readonly exists: boolean;
  data(): DocumentFields | undefined;
}

/** The part of a Firestore `Query` the adapters use. */
export interface FirestoreQuery {
  where(field: string, op: '==' | '<' | '<=' | '>' | '>=', value: unknown): FirestoreQuery;
  orderBy(field: string): FirestoreQuery;
  limit(limit: number): FirestoreQuery;
  get(): Promise<{ readonly docs: readonly FirestoreSnapshot[] }>;
}

/** The part of a Firestore `CollectionReference` the adapters use. */
export interface FirestoreCollection extends FirestoreQuery {
  doc(id: string): FirestoreDocument;
}

/** The part of a Firestore `DocumentReference` the adapters use. */
export interface FirestoreDocument {
  readonly id: string;
  get(): Promise<FirestoreSnapshot>;
  set(data: DocumentFields): Promise<unknown>;
  delete(): Promise<unknown>;
  collection(id: string): FirestoreCollection;
}

/** The part of a Firestore `Transaction` the adapters use (reads first, then writes). */
export interface FirestoreTransaction {
  get(doc: FirestoreDocument): Promise<FirestoreSnapshot>;
  set(doc: FirestoreDocument, data: DocumentFields): unknown;
  /** Fails the transaction when the document exists. */
  create(doc: FirestoreDocument, data: DocumentFields): unknown;
}

/** The part of a Firestore `WriteBatch` the adapters use: up to 500 writes, committed atomically. */
export interface FirestoreBatch {
  set(doc: FirestoreDocument, data: DocumentFields, options?: { merge: boolean }): unknown;
  delete(doc: FirestoreDocument): unknown;
  commit(): Promise<unknown>;
}

/**
 * The part of a `Firestore` client the adapters use; the real client fits, and tests use {@link MemoryFirestore}.
 * `runTransaction` runs `fn` again when the documents it read changed before it committed.
 */
export interface FirestoreDb {
  collection(id: string): FirestoreCollection;
  runTransaction<T>(fn: (tx: FirestoreTransaction) => Promise<T>): Promise<T>;
  batch(): FirestoreBatch;
  terminate?(): Promise<void>;
}

/** A database, or a function resolving it when first needed (the client is loaded lazily). */
export type FirestoreSource = FirestoreDb | (() => Promise<FirestoreDb>);

/** The database `source` stands for. */
export async function resolveFirestore(source: FirestoreSource): Promise<FirestoreDb> {
  return typeof source === 'function' ? source() : source;
}

/** Which Firestore database to use. */
export interface FirestoreOptions {
  /**
   * The Google Cloud project.
   * @default - the client's discovery (GOOGLE_CLOUD_PROJECT, the credentials, the metadata server)
   */
  readonly projectId?: string;
  /**
   * The database id.
   * @default '(default)'
   */
  readonly databaseId?: string;
}

/** The Firestore options the environment asks for: GOOGLE_CLOUD_PROJECT and FIRESTORE_DATABASE (default `(default)`). */
export function firestoreOptionsFrom(env: Record<string, string | undefined>): FirestoreOptions {
  const config = readConfig(
    { GOOGLE_CLOUD_PROJECT: { kind: 'string', default: '' }, FIRESTORE_DATABASE: { kind: 'string', default: '(default)' } },
    env,
  );
  return { ...(config.GOOGLE_CLOUD_PROJECT === '' ? {} : { projectId: config.GOOGLE_CLOUD_PROJECT }), databaseId: config.FIRESTORE_DATABASE };
}

/**
 * Creates a real Firestore client, loading `@google-cloud/firestore` only when called; it connects on first use.
 * Undefined fields are left out of documents, as the DynamoDB adapters do.
 */
export async function createFirestore(options: FirestoreOptions = {}): Promise<FirestoreDb> {
  const { Firestore } = await import('@google-cloud/firestore');
  return new Firestore({ ...options, ignoreUndefinedProperties: true });
}

const clients = new Map<string, Promise<FirestoreDb>>();

/**
 * One lazily created client per project and database, shared by every adapter of the process (so that a unit of
 * work can write a repository and the outbox in one batch). By default, what the environment asks for.
 */
export function sharedFirestore(options: FirestoreOptions = firestoreOptionsFrom(process.env)): () => Promise<FirestoreDb> {
  const key = `${options.projectId ?? ''}/${options.databaseId ?? '(default)'}`;
  return () => {
    let client = clients.get(key);
    if (!client) {
      client = createFirestore(options);
      clients.set(key, client);
      client.catch(() => clients.delete(key));
    }
    return client;
  };
}

/** Terminates every shared client (called by closePools from the service's shutdown hook). */
export async function closeFirestores(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.terminate?.()));
}

/**
 * A valid document id for any non-empty key: `/` (a path separator), `%`, `.` and a leading `__` (reserved) are
 * percent-encoded, along with what encodeURIComponent encodes, so ids stay readable and distinct keys stay distinct.
 */
export function firestoreId(key: string): string {
  if (key === '') throw new Error('a Firestore document id must not be empty');
  return encodeURIComponent(key).replace(/\./g, '%2E').replace(/^__/, '%5F%5F');
}

/** The gRPC status of a Firestore error (6: ALREADY_EXISTS, 10: ABORTED), if it has one. */
export function firestoreErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Epoch milliseconds of a stored time: a Date written by the adapters comes back as a Firestore Timestamp. */
export function storedMillis(value: unknown): number {
  if (typeof value === 'number') return value;
  const time = value as { toMillis?: unknown; getTime?: unknown } | null;
  if (typeof time?.toMillis === 'function') return (time.toMillis as () => number).call(value);
  return typeof time?.getTime === 'function' ? (time.getTime as () => number).call(value) : Number.NaN;
}

/** One write of a batch: a document set to `data`, or deleted without it. */
export interface FirestoreWrite {
  readonly collection: string;
  readonly id: string;
  readonly data?: DocumentFields;
}

/** The most writes one Firestore batch or transaction holds. */
export const FIRESTORE_BATCH_LIMIT = 500;

/** Commits `writes` (at most 500) as one atomic batch. */
export async function commitWrites(source: FirestoreSource, writes: readonly FirestoreWrite[]): Promise<void> {
  if (writes.length > FIRESTORE_BATCH_LIMIT) throw new Error(`a Firestore batch holds at most ${FIRESTORE_BATCH_LIMIT} writes`);
  if (writes.length === 0) return;
  const db = await resolveFirestore(source);
  const batch = db.batch();
  for (const w of writes) {
    const doc = db.collection(w.collection).doc(w.id);
    if (w.data === undefined) batch.delete(doc);
    else batch.set(doc, w.data);
  }
  await batch.commit();
}

// ---- in memory

const RESERVED_ID = /^__.*__$/;

/** Throws unless `id` is a valid document or collection id. */
function checkId(id: string): void {
  if (id === '' || id.includes('/') || id === '.' || id === '..' || RESERVED_ID.test(id)) {
    throw new Error(`invalid Firestore id ${JSON.stringify(id)}`);
  }
}

/** An error carrying a gRPC status code, as the real client's errors do. */
function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

type Filter = (fields: DocumentFields) => boolean;

/** Firestore's order of value types: null, numbers, strings (the types the adapters store and query). */
function rank(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === 'number') return 1;
  return typeof v === 'string' ? 2 : 3;
}

/** How `a` compares to `b` when they are of one type (numbers or strings), else undefined. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

const OPS: Record<'==' | '<' | '<=' | '>' | '>=', (c: number) => boolean> = {
  '==': (c) => c === 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/**
 * An in-memory Firestore for tests and local runs: documents and subcollections, equality and range filters on one
 * field (values of other types never match, as in Firestore), ordering (documents without the field left out),
 * limits, atomic batches and transactions that run again when a document they read was written meanwhile. Every
 * value is copied in and out.
 */
export class MemoryFirestore implements FirestoreDb {
  /** Documents by path (`collection/id/sub/id2`). */
  readonly docs = new Map<string, DocumentFields>();
  private readonly revisions = new Map<string, number>();

  collection(id: string): FirestoreCollection {
    checkId(id);
    return this.collectionAt(id);
  }

  batch(): FirestoreBatch {
    const ops: (() => void)[] = [];
    return {
      set: (doc, data, options) => {
        const copy = structuredClone(data);
        const path = pathOf(doc);
        ops.push(() => this.write(path, options?.merge === true ? { ...this.docs.get(path), ...copy } : copy));
      },
      delete: (doc) => {
        const path = pathOf(doc);
        ops.push(() => this.write(path, undefined));
      },
      commit: () => {
        for (const op of ops.splice(0)) op();
        return Promise.resolve([]);
      },
    };
  }

  async runTransaction<T>(fn: (tx: FirestoreTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const read = new Map<string, number>();
      const writes: { path: string; data: DocumentFields; create: boolean }[] = [];
      const tx: FirestoreTransaction = {
        get: (doc) => {
          const path = pathOf(doc);
          read.set(path, this.revisions.get(path) ?? 0);
          return doc.get();
        },
        set: (doc, data) => writes.push({ path: pathOf(doc), data: structuredClone(data), create: false }),
        create: (doc, data) => writes.push({ path: pathOf(doc), data: structuredClone(data), create: true }),
      };
      const result = await fn(tx);
      if ([...read].some(([path, rev]) => (this.revisions.get(path) ?? 0) !== rev)) {
        if (attempt === 5) throw grpcError(10, 'transaction aborted: too much contention');
        continue;
      }
      const existing = writes.find((w) => w.create && this.docs.has(w.path));
      if (existing) throw grpcError(6, `document already exists: ${existing.path}`);
      for (const w of writes) this.write(w.path, w.data);
      return result;
    }
  }

  terminate(): Promise<void> {
    return Promise.resolve();
  }

  private write(path: string, data: DocumentFields | undefined): void {
    if (data === undefined) this.docs.delete(path);
    else this.docs.set(path, data);
    this.revisions.set(path, (this.revisions.get(path) ?? 0) + 1);
  }

  private snapshot(path: string): FirestoreSnapshot {
    const fields = this.docs.get(path);
    return { exists: fields !== undefined, data: () => (fields === undefined ? undefined : structuredClone(fields)) };
  }

  private document(path: string, id: string): FirestoreDocument {
    checkId(id);
    const doc: FirestoreDocument & { path: string } = {
      id,
      path,
      get: () => Promise.resolve(this.snapshot(path)),
      set: (data) => {
        this.write(path, structuredClone(data));
        return Promise.resolve();
      },
      delete: () => {
        this.write(path, undefined);
        return Promise.resolve();
      },
      collection: (sub) => {
        checkId(sub);
        return this.collectionAt(`${path}/${sub}`);
      },
    };
    return doc;
  }

  private collectionAt(path: string, filters: readonly Filter[] = [], order?: string, max?: number): FirestoreCollection {
    const query = (f: readonly Filter[], o: string | undefined, m: number | undefined) => this.collectionAt(path, f, o, m);
    return {
      doc: (id) => this.document(`${path}/${id}`, id),
      where: (field, op, value) =>
        query([...filters, (fields) => ((c) => c !== undefined && OPS[op](c))(compare(fields[field], value))], order, max),
      orderBy: (field) => query(filters, field, max),
      limit: (limit) => query(filters, order, limit),
      get: () => {
        const prefix = `${path}/`;
        let paths = [...this.docs.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).sort();
        paths = paths.filter((p) => filters.every((f) => f(this.docs.get(p)!)));
        if (order !== undefined) {
          const key = order;
          const value = (p: string) => this.docs.get(p)![key];
          paths = paths.filter((p) => value(p) !== undefined).sort((a, b) => compare(value(a), value(b)) ?? rank(value(a)) - rank(value(b)));
        }
        return Promise.resolve({ docs: paths.slice(0, max).map((p) => this.snapshot(p)) });
      },
    };
  }
}

function pathOf(doc: FirestoreDocument): string {
  const path = (doc as { path?: unknown }).path;
  if (typeof path !== 'string') throw new Error('not a document of this MemoryFirestore');
  return path;
}
