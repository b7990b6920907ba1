import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { newEvent } from '../src/events';
import {
  archiveEvent,
  bucketOf,
  bucketVariable,
  checkObjectKey,
  compareKeys,
  createObjectStore,
  eventArchiveKey,
  FileObjectStore,
  GcsObjectStore,
  MemoryObjectStore,
  objectStoreFromEnv,
  ReadOnlyObjectStoreError,
  S3ObjectStore,
  type S3Api,
  type S3ClientOptions,
} from '../src/object-store';
import { describeObjectStoreContract } from './object-store-contract';

/** An S3 API in memory, as S3 answers: keys in byte order, StartAfter exclusive, MaxKeys, NoSuchKey. */
export class FakeS3 implements S3Api {
  readonly objects = new Map<string, { body: Uint8Array; type: string }>();
  readonly calls: string[] = [];

  putObject(input: { Bucket: string; Key: string; Body: Uint8Array; ContentType: string }): Promise<unknown> {
    this.calls.push(`put ${input.Bucket}/${input.Key}`);
    this.objects.set(input.Key, { body: Uint8Array.from(input.Body), type: input.ContentType });
    return Promise.resolve({});
  }

  getObject(input: { Bucket: string; Key: string }): Promise<{ Body?: { transformToByteArray(): Promise<Uint8Array> }; ContentType?: string }> {
    const o = this.objects.get(input.Key);
    if (!o) return Promise.reject(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    return Promise.resolve({ Body: { transformToByteArray: () => Promise.resolve(Uint8Array.from(o.body)) }, ContentType: o.type });
  }

  listObjectsV2(input: { Bucket: string; Prefix?: string; StartAfter?: string; MaxKeys?: number }): Promise<{ Contents?: { Key?: string; Size?: number }[] }> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '') && (input.StartAfter === undefined || compareKeys(k, input.StartAfter) > 0)).sort(compareKeys);
    const page = keys.slice(0, input.MaxKeys ?? 1000);
    return Promise.resolve(page.length === 0 ? {} : { Contents: page.map((Key) => ({ Key, Size: this.objects.get(Key)!.body.byteLength })) });
  }

  deleteObject(input: { Bucket: string; Key: string }): Promise<unknown> {
    this.objects.delete(input.Key);
    return Promise.resolve({});
  }
}

/**
 * A small Cloud Storage JSON API (the calls GcsObjectStore makes), as the service answers them: media uploads, `alt=media`
 * reads with their content type, lists by prefix from an inclusive `startOffset` with `maxResults`, 404 for a missing
 * object or bucket, 204 for a delete. It records the Authorization header it sees.
 */
export class FakeGcs {
  readonly buckets = new Map<string, Map<string, { body: Buffer; type: string }>>();
  readonly authorizations: (string | undefined)[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.authorizations.push(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/(upload\/)?storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    const bucket = m ? this.buckets.get(decodeURIComponent(m[2]!)) : undefined;
    const send = (status: number, body = '', type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (!m || !bucket) return send(404, '{"error":{"code":404,"message":"The specified bucket does not exist."}}');
    const name = m[3] !== undefined ? decodeURIComponent(m[3]) : undefined;
    if (m[1] !== undefined && req.method === 'POST') {
      bucket.set(url.searchParams.get('name')!, { body: Buffer.concat(chunks), type: req.headers['content-type'] ?? 'application/octet-stream' });
      return send(200, '{}');
    }
    if (name !== undefined) {
      const o = bucket.get(name);
      if (req.method === 'DELETE') return o && bucket.delete(name) ? send(204) : send(404, '{"error":{"code":404}}');
      if (!o) return send(404, 'No such object');
      res.writeHead(200, { 'content-type': o.type });
      return void res.end(o.body);
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const offset = url.searchParams.get('startOffset');
    const names = [...bucket.keys()].filter((k) => k.startsWith(prefix) && (offset === null || compareKeys(k, offset) >= 0)).sort(compareKeys);
    const page = names.slice(0, Number(url.searchParams.get('maxResults') ?? 1000));
    return send(200, JSON.stringify(page.length === 0 ? {} : { items: page.map((n) => ({ name: n, size: String(bucket.get(n)!.body.length) })) }));
  }
}

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'object-store-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeObjectStoreContract('MemoryObjectStore', () => Promise.resolve(new MemoryObjectStore()));
describeObjectStoreContract('FileObjectStore', () => Promise.resolve(new FileObjectStore(join(tempDir(), 'bucket'))));
describeObjectStoreContract('S3ObjectStore on an S3 fake', () => Promise.resolve(new S3ObjectStore(new FakeS3(), 'bucket')));

describe('GcsObjectStore on a Cloud Storage JSON API fake', () => {
  const gcs = new FakeGcs();
  let endpoint = '';
  let buckets = 0;
  beforeAll(async () => {
    endpoint = await gcs.start();
  });
  afterAll(() => gcs.stop());

  describeObjectStoreContract('GcsObjectStore', () => {
    const name = `bucket-${++buckets}`;
    gcs.buckets.set(name, new Map());
    return Promise.resolve(new GcsObjectStore({ bucket: name, endpoint, auth: () => Promise.resolve({ authorization: 'Bearer test-token' }) }));
  });

  it('authorizes every call with the auth headers, and none against an emulator endpoint by default', async () => {
    gcs.buckets.set('auth', new Map());
    gcs.authorizations.length = 0;
    await new GcsObjectStore({ bucket: 'auth', endpoint: `${endpoint}/`, auth: () => Promise.resolve({ authorization: 'Bearer t' }) }).put('k', 'v');
    await new GcsObjectStore({ bucket: 'auth', endpoint }).get('k');
    expect(gcs.authorizations).toEqual(['Bearer t', undefined]);
  });

  it('names a missing bucket, and reports what the service answered otherwise', async () => {
    const missing = new GcsObjectStore({ bucket: 'no-such-bucket', endpoint });
    await expect(missing.put('k', 'v')).rejects.toThrow('bucket no-such-bucket does not exist');
    await expect(missing.list()).rejects.toThrow('bucket no-such-bucket does not exist');
    const failing = new GcsObjectStore({ bucket: 'b', fetch: () => Promise.resolve(new Response('quota exceeded', { status: 429 })), auth: () => Promise.resolve({}) });
    await expect(failing.get('k')).rejects.toThrow('Cloud Storage read of k in b failed: HTTP 429 quota exceeded');
  });

  it('calls storage.googleapis.com with an access token by default (google-auth-library, loaded on the first call)', async () => {
    // GIVEN no credentials in this environment: the token is what fails, before anything is sent
    const sent: string[] = [];
    const store = new GcsObjectStore({ bucket: 'b', fetch: (url) => (sent.push(url), Promise.resolve(new Response('{}'))) });
    const before = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = join(tempDir(), 'missing.json');
    try {
      await expect(store.list()).rejects.toThrow();
    } finally {
      if (before === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = before;
    }
    expect(sent).toEqual([]);
  });
});

describe('FileObjectStore on disk', () => {
  it('keeps each key inside its directory, percent-encoded, with no temporary file left', async () => {
    // GIVEN keys that would be paths elsewhere
    const dir = join(tempDir(), 'b');
    const store = new FileObjectStore(dir);
    await store.put('a/b~c/.hidden', 'x');
    await store.put('a', 'y');
    // THEN they are files of the bucket's directory, side by side with the directories of longer keys
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(['a', 'a/b%7Ec', 'a/b%7Ec/%2Ehidden~', 'a/b%7Ec/%2Ehidden~type', 'a~', 'a~type'].map((p) => p.split('/').join(sep)));
    expect((await store.list()).items.map((o) => o.key)).toEqual(['a', 'a/b~c/.hidden']);
  });

  it('reads an object without its content type file as octet-stream, and an empty directory as no objects', async () => {
    const dir = join(tempDir(), 'b');
    const store = new FileObjectStore(dir);
    expect(await store.list()).toEqual({ items: [] });
    await store.put('k', 'v');
    rmSync(join(dir, 'k~type'));
    expect((await store.get('k'))?.contentType).toBe('application/octet-stream');
  });

  it('fails a put over a file where a directory has to be', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x'), 'a file');
    await expect(new FileObjectStore(join(dir, 'x')).put('k', 'v')).rejects.toThrow();
    await expect(new FileObjectStore(join(dir, 'x')).get('k')).resolves.toBeUndefined();
  });
});

describe('S3ObjectStore', () => {
  it('sends the bucket, key, bytes and content type, and passes on errors other than a missing key', async () => {
    const s3 = new FakeS3();
    const store = new S3ObjectStore(s3, 'my-bucket');
    await store.put('k', 'v');
    expect(s3.calls).toEqual(['put my-bucket/k']);
    const failing = new S3ObjectStore(Object.assign(new FakeS3(), { getObject: () => Promise.reject(new Error('AccessDenied')) }), 'b');
    await expect(failing.get('k')).rejects.toThrow('AccessDenied');
  });

  it('reads an empty body and a missing content type as an empty octet-stream', async () => {
    const s3 = Object.assign(new FakeS3(), { getObject: () => Promise.resolve({}), listObjectsV2: () => Promise.resolve({ Contents: [{ Key: 'a' }, {}] }) });
    const store = new S3ObjectStore(s3, 'b');
    expect(await store.get('k')).toEqual({ key: 'k', body: new Uint8Array(), contentType: 'application/octet-stream' });
    expect(await store.list()).toEqual({ items: [{ key: 'a', size: 0 }] });
  });
});

describe('createObjectStore, objectStoreFromEnv and bucketOf', () => {
  it('shares one memory store per bucket name, so an owner and its readers see the same objects', async () => {
    // GIVEN the owner's bucket and a reader's view of it, from their environments
    const owner = objectStoreFromEnv({ BUCKET_NAME: 'shared-bucket' });
    const reader = bucketOf('archive-service', { OBJECT_STORE: 'memory', BUCKET_ARCHIVE_SERVICE: 'shared-bucket' });
    // WHEN the owner writes THEN the reader reads it, and may not write
    await owner.put('k', 'v');
    expect(Buffer.from((await reader.get('k'))!.body).toString()).toBe('v');
    await expect(reader.put('k', 'w')).rejects.toBeInstanceOf(ReadOnlyObjectStoreError);
  });

  it('makes a directory per bucket with fs', async () => {
    const dir = tempDir();
    await objectStoreFromEnv({ OBJECT_STORE: 'fs', OBJECT_STORE_DIR: dir, BUCKET_NAME: 'my-bucket' }).put('k', 'v');
    expect(readdirSync(dir)).toEqual(['my-bucket']);
    expect(() => objectStoreFromEnv({ OBJECT_STORE: 'fs', BUCKET_NAME: 'b' })).toThrow('OBJECT_STORE_DIR is required');
  });

  it('makes one S3 client, path-style with an endpoint, from the service\'s factory', async () => {
    const made: S3ClientOptions[] = [];
    const s3 = new FakeS3();
    const clients = { s3: (options: S3ClientOptions) => (made.push(options), s3) };
    const env = { OBJECT_STORE: 's3', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000', BUCKET_NAME: 'own', BUCKET_ARCHIVE_SERVICE: 'theirs' };
    await objectStoreFromEnv(env, clients).put('k', 'v');
    await bucketOf('archive-service', env, clients).list();
    createObjectStore({ OBJECT_STORE: 's3' }, 'plain-aws', clients);
    expect(made).toEqual([{ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000', forcePathStyle: true }, {}]);
    expect(s3.calls).toEqual(['put own/k']);
  });

  it('makes a Cloud Storage store, on the emulator when STORAGE_EMULATOR_HOST is set', async () => {
    const sent: string[] = [];
    const fetch = (url: string) => (sent.push(url), Promise.resolve(new Response('', { status: 404 })));
    expect(await objectStoreFromEnv({ OBJECT_STORE: 'gcs', BUCKET_NAME: 'b', STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443' }, { fetch }).get('k')).toBeUndefined();
    expect(sent).toEqual(['http://127.0.0.1:4443/storage/v1/b/b/o/k?alt=media']);
  });

  it('refuses what it cannot make, saying why', () => {
    expect(() => objectStoreFromEnv({ OBJECT_STORE: 's3', BUCKET_NAME: 'b' })).toThrow('OBJECT_STORE=s3 needs the S3 client');
    expect(() => objectStoreFromEnv({ OBJECT_STORE: 'gcs' })).toThrow('a bucket name is required for OBJECT_STORE=gcs');
    expect(() => bucketOf('billing', { OBJECT_STORE: 's3' })).toThrow('BUCKET_<OWNER>');
    expect(() => objectStoreFromEnv({ OBJECT_STORE: 'azure', BUCKET_NAME: 'b' })).toThrow('OBJECT_STORE must be one of memory, fs, s3, gcs, got "azure"');
  });

  it('names the variable of a bucket read as the targets set it', () => {
    expect(bucketVariable('archive-service')).toBe('BUCKET_ARCHIVE_SERVICE');
    expect(checkObjectKey('a/b.json')).toBe('a/b.json');
  });
});

describe('archiveEvent', () => {
  it('writes the event as JSON under events/<type>/<yyyy>/<mm>/<dd>/<id>.json, the same key on redelivery', async () => {
    // GIVEN an event
    const store = new MemoryObjectStore();
    const event = newEvent('OrderPlaced', 'orders', { orderId: 'o-1' }, { id: 'e-1', time: '2024-03-05T23:59:59.000+00:00' });
    // WHEN archived twice
    await archiveEvent(store, event);
    await archiveEvent(store, event);
    const key = eventArchiveKey(event);
    // THEN one object, the event itself
    expect(key).toBe('events/OrderPlaced/2024/03/05/e-1.json');
    expect((await store.list()).items.map((o) => o.key)).toEqual([key]);
    const got = await store.get(key);
    expect({ type: got?.contentType, event: JSON.parse(Buffer.from(got!.body).toString('utf8')) as unknown }).toEqual({ type: 'application/json', event });
  });

  it('refuses an event without a valid time', () => {
    expect(() => eventArchiveKey({ id: 'e', type: 'T', time: 'yesterday' })).toThrow('event e has no valid time');
  });
});
