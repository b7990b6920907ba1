import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { EventEnvelope } from './events';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE, type Page } from './page';
import { HttpError } from './http';

/**
 * Object storage (services[].storage): the service's own bucket, read and written, and the buckets of other services
 * it reads. The same contract on S3 (AWS; Tigris on Fly.io and moto locally through their S3 API), Cloud Storage, a
 * local directory and memory: keys are checked alike everywhere, list pages come in key order (UTF-8 byte order, as S3
 * and Cloud Storage list) with the platform's page conventions (page.ts: `limit` up to MAX_PAGE_SIZE, an opaque
 * `nextCursor`), and deleting what is not there is not an error.
 */

/** The longest key, in UTF-8 bytes (S3's and Cloud Storage's limit). */
export const MAX_OBJECT_KEY_BYTES = 1024;

/** The content type of an object put without one: bytes, or (for a string body) UTF-8 text. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** Options of {@link ObjectStore.put}. */
export interface PutObjectOptions {
  /**
   * The object's media type, returned by `get`.
   * @default - DEFAULT_CONTENT_TYPE for bytes, TEXT_CONTENT_TYPE for a string
   */
  readonly contentType?: string;
}

/** An object read back. */
export interface StoredObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** An object in a list page. */
export interface ObjectInfo {
  readonly key: string;
  /** Its size in bytes. */
  readonly size: number;
}

/** What one list page asks for. */
export interface ObjectListQuery {
  /** Only keys starting with this. @default '' (every key) */
  readonly prefix?: string;
  /** Objects per page, 1 to MAX_PAGE_SIZE. @default DEFAULT_PAGE_SIZE */
  readonly limit?: number;
  /** The `nextCursor` of the previous page; none for the first page. */
  readonly cursor?: string;
}

/** Port: a bucket. */
export interface ObjectStore {
  /** Writes `body` under `key`, replacing what was there. */
  put(key: string, body: Uint8Array | string, options?: PutObjectOptions): Promise<void>;
  /** The object under `key`, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /** One page of the objects whose keys start with `prefix`, in key order. */
  list(query?: ObjectListQuery): Promise<Page<ObjectInfo>>;
  /** Removes the object under `key`; nothing happens when there is none. */
  delete(key: string): Promise<void>;
}

/** Thrown for a key no store accepts (a 400 when it comes from a request). */
export class InvalidObjectKeyError extends HttpError {
  constructor(key: string, why: string) {
    super(400, `invalid object key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}: ${why}`);
    this.name = 'InvalidObjectKeyError';
  }
}

// control characters have no place in a key: S3 and Cloud Storage advise against them, and they break paths and logs
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * `key` when every store accepts it: not empty, at most MAX_OBJECT_KEY_BYTES UTF-8 bytes, no leading `/`, no control
 * character, and no `.` or `..` segment (S3 would keep them; a directory cannot, and they are path traversal there).
 */
export function checkObjectKey(key: string): string {
  if (key === '') throw new InvalidObjectKeyError(key, 'it is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_OBJECT_KEY_BYTES) throw new InvalidObjectKeyError(key, `it is longer than ${MAX_OBJECT_KEY_BYTES} bytes`);
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, "it starts with '/'");
  if (CONTROL.test(key)) throw new InvalidObjectKeyError(key, 'it holds a control character');
  if (key.split('/').some((s) => s === '.' || s === '..')) throw new InvalidObjectKeyError(key, "it has a '.' or '..' segment");
  return key;
}

/** A list query with its defaults applied, the limit checked and the cursor decoded (the key the page starts after). */
export interface ResolvedObjectListQuery {
  readonly prefix: string;
  readonly limit: number;
  readonly after?: string;
}

/** Defaults applied, the limit checked against its cap, the cursor decoded (a 400 for either when wrong). */
export function resolveObjectListQuery(query: ObjectListQuery = {}): ResolvedObjectListQuery {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return { prefix: query.prefix ?? '', limit, ...(query.cursor !== undefined ? { after: decodeCursor(query.cursor) } : {}) };
}

/** Key order: UTF-8 bytes, as S3 and Cloud Storage list (a string comparison orders UTF-16 units, which differs). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The page of `sorted` (the matching objects after the cursor, in key order, at least `limit` + 1 when there are more). */
export function objectPageOf(sorted: readonly ObjectInfo[], limit: number): Page<ObjectInfo> {
  const items = sorted.slice(0, limit);
  return sorted.length > limit ? { items, nextCursor: encodeCursor(items.at(-1)!.key) } : { items };
}

function bodyBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function contentTypeOf(body: Uint8Array | string, options: PutObjectOptions): string {
  return options.contentType ?? (typeof body === 'string' ? TEXT_CONTENT_TYPE : DEFAULT_CONTENT_TYPE);
}

/** A bucket in memory, for tests and `OBJECT_STORE=memory`; objects are kept as copies. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, { body: Uint8Array; contentType: string }>();

  /** Stores a copy of `body`. */
  put(key: string, body: Uint8Array | string, options: PutObjectOptions = {}): Promise<void> {
    return settle(() => {
      this.objects.set(checkObjectKey(key), { body: Uint8Array.from(bodyBytes(body)), contentType: contentTypeOf(body, options) });
    });
  }

  /** A copy of the object, or undefined. */
  get(key: string): Promise<StoredObject | undefined> {
    return settle(() => {
      const o = this.objects.get(checkObjectKey(key));
      return o ? { key, body: Uint8Array.from(o.body), contentType: o.contentType } : undefined;
    });
  }

  /** One page, in key order. */
  list(query?: ObjectListQuery): Promise<Page<ObjectInfo>> {
    return settle(() => {
      const q = resolveObjectListQuery(query);
      const matching = [...this.objects]
        .filter(([key]) => key.startsWith(q.prefix) && (q.after === undefined || compareKeys(key, q.after) > 0))
        .map(([key, o]) => ({ key, size: o.body.byteLength }))
        .sort((a, b) => compareKeys(a.key, b.key));
      return objectPageOf(matching, q.limit);
    });
  }

  /** Removes the object, if any. */
  delete(key: string): Promise<void> {
    return settle(() => {
      this.objects.delete(checkObjectKey(key));
    });
  }
}

/** `fn()`'s result, or its exception, as a promise (so a bad key rejects, as it does on every other store). */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A directory
// ---------------------------------------------------------------------------------------------------------------

/** The suffix of an object's file (its directories and files never end in `~`: it is escaped in names). */
const DATA = '~';
/** The suffix of its content type's side file. */
const META = '~type';

/** A key segment as a file name: percent-encoded (`/` included), `~` too, and a leading `.` (hidden files, temp files). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/~/g, '%7E').replace(/^\./, '%2E');
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function ignoreMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * A bucket in a local directory (`OBJECT_STORE=fs`: local runs without an S3 emulator): key `a/b/c.json` is the file
 * `a/b/c.json~` (each segment percent-encoded, so no key escapes the directory or clashes with another), its content
 * type in `c.json~type` beside it. Writes go to a temporary file first, then are renamed into place, so a reader sees
 * the old object or the new one, never half of one. A segment is one file name: at most 255 bytes once encoded.
 */
export class FileObjectStore implements ObjectStore {
  /** `dir`: the bucket's directory (created on the first write). */
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, ...checkObjectKey(key).split('/').map(encodeSegment));
  }

  private async write(file: string, content: Uint8Array | string): Promise<void> {
    const temp = join(this.dir, `.tmp-${randomUUID()}`);
    await writeFile(temp, content);
    try {
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** Writes the object (and its content type) atomically. */
  async put(key: string, body: Uint8Array | string, options: PutObjectOptions = {}): Promise<void> {
    const file = this.path(key);
    await mkdir(join(file, '..'), { recursive: true });
    await this.write(file + META, contentTypeOf(body, options));
    await this.write(file + DATA, bodyBytes(body));
  }

  /** The object, or undefined. */
  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.path(key);
    const body = await ignoreMissing(readFile(file + DATA));
    if (body === undefined) return undefined;
    const contentType = (await ignoreMissing(readFile(file + META, 'utf8'))) ?? DEFAULT_CONTENT_TYPE;
    return { key, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), contentType };
  }

  /** One page, in key order (the directory is walked whole: it is for local runs). */
  async list(query?: ObjectListQuery): Promise<Page<ObjectInfo>> {
    const q = resolveObjectListQuery(query);
    const entries = (await ignoreMissing(readdir(this.dir, { recursive: true, withFileTypes: true }))) ?? [];
    const matching: ObjectInfo[] = [];
    for (const e of entries) {
      if (!e.isFile() || !e.name.endsWith(DATA)) continue;
      const key = relative(this.dir, join(e.parentPath, e.name)).slice(0, -DATA.length).split(sep).map(decodeURIComponent).join('/');
      if (!key.startsWith(q.prefix) || (q.after !== undefined && compareKeys(key, q.after) <= 0)) continue;
      matching.push({ key, size: (await ignoreMissing(readFile(join(e.parentPath, e.name))))?.byteLength ?? 0 });
    }
    return objectPageOf(matching.sort((a, b) => compareKeys(a.key, b.key)), q.limit);
  }

  /** Removes the object and its content type, if any. */
  async delete(key: string): Promise<void> {
    const file = this.path(key);
    await ignoreMissing(unlink(file + DATA));
    await ignoreMissing(unlink(file + META));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// S3 (and what speaks its API: Tigris, moto)
// ---------------------------------------------------------------------------------------------------------------

/** The body of a GetObject answer (the SDK's streaming payload). */
export interface S3Body {
  transformToByteArray(): Promise<Uint8Array>;
}

/**
 * The part of the `S3` client of @aws-sdk/client-s3 the store uses (its aggregated client fits); tests pass a fake.
 * The platform does not depend on the SDK: the services that have a bucket do, and hand their client in (see
 * {@link ObjectStoreClients}), so a workspace without storage installs and bundles no S3 client.
 */
export interface S3Api {
  putObject(input: { Bucket: string; Key: string; Body: Uint8Array; ContentType: string }): Promise<unknown>;
  getObject(input: { Bucket: string; Key: string }): Promise<{ Body?: S3Body; ContentType?: string }>;
  listObjectsV2(input: { Bucket: string; Prefix?: string; StartAfter?: string; MaxKeys?: number }): Promise<{ Contents?: { Key?: string; Size?: number }[] }>;
  deleteObject(input: { Bucket: string; Key: string }): Promise<unknown>;
}

/** How the S3 client is made (the `S3` constructor's options the store sets). */
export interface S3ClientOptions {
  /** @default - the SDK's (AWS_REGION) */
  readonly region?: string;
  /** A non-AWS endpoint (Tigris, moto): AWS_ENDPOINT_URL_S3. @default - AWS */
  readonly endpoint?: string;
  /** Path-style addressing, with an endpoint. @default false */
  readonly forcePathStyle?: boolean;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** A bucket on S3 (or Tigris, or moto). */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Api,
    private readonly bucket: string,
  ) {}

  /** PutObject. */
  async put(key: string, body: Uint8Array | string, options: PutObjectOptions = {}): Promise<void> {
    await this.s3.putObject({ Bucket: this.bucket, Key: checkObjectKey(key), Body: bodyBytes(body), ContentType: contentTypeOf(body, options) });
  }

  /** GetObject; NoSuchKey is undefined. */
  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.s3.getObject({ Bucket: this.bucket, Key: checkObjectKey(key) });
      return { key, body: (await out.Body?.transformToByteArray()) ?? new Uint8Array(), contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** ListObjectsV2 from after the cursor's key (one more than the page, to know whether there is a next one). */
  async list(query?: ObjectListQuery): Promise<Page<ObjectInfo>> {
    const q = resolveObjectListQuery(query);
    const out = await this.s3.listObjectsV2({ Bucket: this.bucket, MaxKeys: q.limit + 1, ...(q.prefix !== '' ? { Prefix: q.prefix } : {}), ...(q.after !== undefined ? { StartAfter: q.after } : {}) });
    const items = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0 }]));
    return objectPageOf(items, q.limit);
  }

  /** DeleteObject (S3 answers 204 for a missing key too). */
  async delete(key: string): Promise<void> {
    await this.s3.deleteObject({ Bucket: this.bucket, Key: checkObjectKey(key) });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cloud Storage
// ---------------------------------------------------------------------------------------------------------------

/** The fetch the Cloud Storage store sends with. */
export type StorageFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The headers (Authorization) of a call to Cloud Storage. */
export type StorageAuth = () => Promise<Record<string, string>>;

/** Where a Cloud Storage bucket is and how calls to it are made. */
export interface GcsObjectStoreOptions {
  readonly bucket: string;
  /**
   * The JSON API's origin; an emulator's (STORAGE_EMULATOR_HOST, e.g. fake-gcs-server) is called without credentials.
   * @default 'https://storage.googleapis.com'
   */
  readonly endpoint?: string;
  /**
   * The headers that authorize a call.
   * @default - an OAuth access token of google-auth-library (loaded on the first call): the application default
   * credentials, on Cloud Run the service's account; none with an emulator's endpoint
   */
  readonly auth?: StorageAuth;
  /** @default - the global fetch */
  readonly fetch?: StorageFetch;
}

export const GCS_ENDPOINT = 'https://storage.googleapis.com';
const GCS_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

/** Access-token headers of google-auth-library, its client made on the first call and kept. */
export function googleStorageAuth(): StorageAuth {
  let client: Promise<{ getRequestHeaders(): Promise<Headers> }> | undefined;
  return async (): Promise<Record<string, string>> => {
    client ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [GCS_SCOPE] }).getClient());
    try {
      const authorization = (await (await client).getRequestHeaders()).get('authorization');
      return authorization ? { authorization } : {};
    } catch (err) {
      client = undefined;
      throw err;
    }
  };
}

/**
 * A bucket on Cloud Storage, through its JSON API with the platform's fetch and google-auth-library (the Node client,
 * @google-cloud/storage, needs Node 22 since 8.0, and its 7.x line brings a second google-auth-library and gaxios).
 */
export class GcsObjectStore implements ObjectStore {
  private readonly endpoint: string;
  private readonly auth: StorageAuth;
  private readonly send: StorageFetch;

  constructor(private readonly options: GcsObjectStoreOptions) {
    this.endpoint = (options.endpoint ?? GCS_ENDPOINT).replace(/\/+$/, '');
    this.auth = options.auth ?? (options.endpoint === undefined || options.endpoint === GCS_ENDPOINT ? googleStorageAuth() : () => Promise.resolve({}));
    this.send = options.fetch ?? fetch;
  }

  private objectUrl(key: string): string {
    return `${this.endpoint}/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o/${encodeURIComponent(checkObjectKey(key))}`;
  }

  private async call(what: string, url: string, init: RequestInit = {}): Promise<Response> {
    const response = await this.send(url, { ...init, headers: { ...(await this.auth()), ...(init.headers as Record<string, string> | undefined) } });
    if (response.ok || response.status === 404) return response;
    const detail = (await response.text()).slice(0, 300);
    throw new Error(`Cloud Storage ${what} in ${this.options.bucket} failed: HTTP ${response.status} ${detail}`);
  }

  /** A simple (single-request) upload. */
  async put(key: string, body: Uint8Array | string, options: PutObjectOptions = {}): Promise<void> {
    const url = `${this.endpoint}/upload/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o?uploadType=media&name=${encodeURIComponent(checkObjectKey(key))}`;
    const response = await this.call(`upload of ${key}`, url, { method: 'POST', body: Uint8Array.from(bodyBytes(body)), headers: { 'content-type': contentTypeOf(body, options) } });
    await response.arrayBuffer();
    if (response.status === 404) throw new Error(`Cloud Storage bucket ${this.options.bucket} does not exist`);
  }

  /** The object's media (`alt=media`); 404 is undefined. */
  async get(key: string): Promise<StoredObject | undefined> {
    const response = await this.call(`read of ${key}`, `${this.objectUrl(key)}?alt=media`);
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status === 404) return undefined;
    return { key, body, contentType: response.headers.get('content-type') ?? DEFAULT_CONTENT_TYPE };
  }

  /** objects.list from the cursor's key (`startOffset` is inclusive: that key is left out). */
  async list(query?: ObjectListQuery): Promise<Page<ObjectInfo>> {
    const q = resolveObjectListQuery(query);
    const params = new URLSearchParams({ maxResults: String(q.limit + 2), fields: 'items(name,size)' });
    if (q.prefix !== '') params.set('prefix', q.prefix);
    if (q.after !== undefined) params.set('startOffset', q.after);
    const response = await this.call('list', `${this.endpoint}/storage/v1/b/${encodeURIComponent(this.options.bucket)}/o?${params.toString()}`);
    if (response.status === 404) {
      await response.arrayBuffer();
      throw new Error(`Cloud Storage bucket ${this.options.bucket} does not exist`);
    }
    const out = (await response.json()) as { items?: { name: string; size?: string }[] };
    const items = (out.items ?? []).filter((o) => o.name !== q.after).map((o) => ({ key: o.name, size: Number(o.size ?? 0) }));
    return objectPageOf(items, q.limit);
  }

  /** objects.delete; 404 is fine. */
  async delete(key: string): Promise<void> {
    await (await this.call(`delete of ${key}`, this.objectUrl(key), { method: 'DELETE' })).arrayBuffer();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Read-only, and from the environment
// ---------------------------------------------------------------------------------------------------------------

/** Thrown by a read-only store's put and delete. */
export class ReadOnlyObjectStoreError extends Error {
  constructor(readonly owner: string, what: string) {
    super(`cannot ${what}: the bucket of ${owner} is read-only here (its readers list and get; only ${owner} writes it)`);
    this.name = 'ReadOnlyObjectStoreError';
  }
}

/** `store` for a reader of `owner`'s bucket: get and list pass through, put and delete throw. */
export function readOnlyObjectStore(store: ObjectStore, owner: string): ObjectStore {
  return {
    put: (key) => Promise.reject(new ReadOnlyObjectStoreError(owner, `put ${key}`)),
    get: (key) => store.get(key),
    list: (query) => store.list(query),
    delete: (key) => Promise.reject(new ReadOnlyObjectStoreError(owner, `delete ${key}`)),
  };
}

/** The variables {@link createObjectStore} reads (a service's config has them when it has or reads a bucket). */
export interface ObjectStoreConfig {
  /** s3 | gcs | fs | memory */
  readonly OBJECT_STORE: string;
  /** With fs: the directory holding one sub-directory per bucket. */
  readonly OBJECT_STORE_DIR?: string;
  /** With s3: the region. @default - the SDK's */
  readonly AWS_REGION?: string;
  /** With s3: an S3 API other than AWS's (Tigris, moto), addressed path-style. */
  readonly AWS_ENDPOINT_URL_S3?: string;
  /** With gcs: an emulator's origin (fake-gcs-server), called without credentials. */
  readonly STORAGE_EMULATOR_HOST?: string;
}

/** The SDK clients the stores need, handed in by the service (whose package depends on the SDK). */
export interface ObjectStoreClients {
  /** Makes the S3 client of OBJECT_STORE=s3: `(options) => new S3(options)` with @aws-sdk/client-s3. */
  readonly s3?: (options: S3ClientOptions) => S3Api;
  /** The fetch of OBJECT_STORE=gcs. @default - the global fetch */
  readonly fetch?: StorageFetch;
}

export const OBJECT_STORES = 'memory, fs, s3, gcs';

const memoryBuckets = new Map<string, MemoryObjectStore>();
let s3Clients: { readonly key: string; readonly client: S3Api } | undefined;

/**
 * The store of `bucket` for OBJECT_STORE (memory | fs | s3 | gcs). In memory, one store per bucket name for the
 * process, so that an owner and its readers in one test share it; on S3, one client for the process.
 */
export function createObjectStore(config: ObjectStoreConfig, bucket: string, clients: ObjectStoreClients = {}): ObjectStore {
  const kind = config.OBJECT_STORE;
  if (kind === 'memory') {
    let store = memoryBuckets.get(bucket);
    if (!store) memoryBuckets.set(bucket, (store = new MemoryObjectStore()));
    return store;
  }
  if (bucket === '') throw new Error(`a bucket name is required for OBJECT_STORE=${kind} (BUCKET_NAME, or BUCKET_<OWNER> for a bucket read)`);
  switch (kind) {
    case 'fs': {
      const dir = config.OBJECT_STORE_DIR ?? '';
      if (dir === '') throw new Error('OBJECT_STORE_DIR is required for OBJECT_STORE=fs');
      return new FileObjectStore(join(dir, encodeSegment(bucket)));
    }
    case 's3': {
      if (clients.s3 === undefined) throw new Error('OBJECT_STORE=s3 needs the S3 client: this service was generated without one (its target stores objects elsewhere)');
      const endpoint = config.AWS_ENDPOINT_URL_S3 ?? '';
      const region = config.AWS_REGION ?? '';
      const options: S3ClientOptions = { ...(region !== '' ? { region } : {}), ...(endpoint !== '' ? { endpoint, forcePathStyle: true } : {}) };
      const key = JSON.stringify(options);
      if (s3Clients?.key !== key) s3Clients = { key, client: clients.s3(options) };
      return new S3ObjectStore(s3Clients.client, bucket);
    }
    case 'gcs': {
      const emulator = config.STORAGE_EMULATOR_HOST ?? '';
      return new GcsObjectStore({ bucket, ...(emulator !== '' ? { endpoint: emulator } : {}), ...(clients.fetch ? { fetch: clients.fetch } : {}) });
    }
    default:
      throw new Error(`OBJECT_STORE must be one of ${OBJECT_STORES}, got ${JSON.stringify(kind)}`);
  }
}

/** The variable holding the name of `owner`'s bucket for its readers: `archive-service` → BUCKET_ARCHIVE_SERVICE. */
export function bucketVariable(owner: string): string {
  return `BUCKET_${owner.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-\s]+/g, '_').toUpperCase()}`;
}

type Env = Readonly<Record<string, string | undefined>>;

function configFrom(env: Env): ObjectStoreConfig {
  return {
    OBJECT_STORE: env.OBJECT_STORE ?? 'memory',
    OBJECT_STORE_DIR: env.OBJECT_STORE_DIR ?? '',
    AWS_REGION: env.AWS_REGION ?? '',
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3 ?? '',
    STORAGE_EMULATOR_HOST: env.STORAGE_EMULATOR_HOST ?? '',
  };
}

/** The service's own bucket (BUCKET_NAME), read and written, as the environment says (OBJECT_STORE, memory when unset). */
export function objectStoreFromEnv(env: Env = process.env, clients: ObjectStoreClients = {}): ObjectStore {
  return createObjectStore(configFrom(env), env.BUCKET_NAME ?? '', clients);
}

/** The bucket of `owner` this service reads (BUCKET_<OWNER>), read-only, as the environment says. */
export function bucketOf(owner: string, env: Env = process.env, clients: ObjectStoreClients = {}): ObjectStore {
  return readOnlyObjectStore(createObjectStore(configFrom(env), env[bucketVariable(owner)] ?? '', clients), owner);
}

/**
 * Where an event is archived: `events/<type>/<yyyy>/<mm>/<dd>/<id>.json`, by the event's own time (UTC), so a
 * redelivered event lands on the same key.
 */
export function eventArchiveKey(event: Pick<EventEnvelope, 'id' | 'type' | 'time'>): string {
  const time = new Date(event.time);
  if (Number.isNaN(time.getTime())) throw new Error(`event ${event.id} has no valid time (${JSON.stringify(event.time)}): it cannot be archived`);
  const [yyyy, mm, dd] = time.toISOString().slice(0, 10).split('-');
  return `events/${event.type}/${yyyy}/${mm}/${dd}/${event.id}.json`;
}

/** Writes `event` as JSON under {@link eventArchiveKey}: idempotent, a redelivery writes the same object again. */
export function archiveEvent(store: ObjectStore, event: EventEnvelope): Promise<void> {
  return store.put(eventArchiveKey(event), JSON.stringify(event), { contentType: 'application/json' });
}
