/**
 * The `allframe ignite` templates under `allframe dev`: each template's generated services run as processes against
 * the cloud's emulators, driven over real HTTP, with the users' code as the template generates it (no edits but
 * a shorter window, so that a test waits seconds, not a minute). Every assertion is an observable outcome.
 *
 * ecommerce, aws flavour (moto): a customer created through the user service is committed with its event (the outbox),
 * which reaches the notification service through SNS and SQS; the same request with the same Idempotency-Key has one
 * effect; the storefront BFF answers its overview from the services it aggregates.
 *
 * data-pipeline, aws flavour (moto): readings posted to the intake, one at a time and as a batch, are summarised per
 * window by the stream processor, archived by the storage service into its bucket (an S3 bucket on moto, created from
 * the template), and read back through the query service's read-only routes over that bucket.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describeWithReferee } from '../referees';
import { eventually } from './scenarios';
import { MOTO_CREDENTIALS, templateOnMoto } from './template-run';

describeWithReferee('moto_server', 'allframe dev runs the data-pipeline template (aws flavour)', () => {
  // the template as ignite writes it, with a 2-second window instead of a minute
  const shorter = (text: string) => {
    const edited = text.replace('duration_seconds: 60', 'duration_seconds: 2');
    if (edited === text) throw new Error('the data-pipeline template no longer has a 60-second window to shorten');
    return edited;
  };
  const { run, service } = templateOnMoto('data-pipeline', { name: 'dev-pipeline', portBase: 5900, edit: shorter });

  const post = (path: string, body: unknown) => fetch(`${service('ingestion-service').url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  type Page = { items: { key: string; size: number }[]; nextCursor?: string };
  const archived = async (): Promise<Page> => (await (await fetch(`${service('query-service').url}/buckets/storage-service/objects?prefix=events/WindowSummarized/`)).json()) as Page;

  test('the storage service owns a bucket on moto, named as on AWS; the query service reads it under BUCKET_STORAGE_SERVICE', () => {
    const owner = service('storage-service').environment;
    expect(owner).toMatchObject({ OBJECT_STORE: 's3', BUCKET_NAME: 'dev-pipeline-storage-service-123456789012-eu-west-1' });
    expect(service('query-service').environment).toMatchObject({ OBJECT_STORE: 's3', BUCKET_STORAGE_SERVICE: owner.BUCKET_NAME });
    expect(service('ingestion-service').environment.OBJECT_STORE).toBeUndefined();
  });

  test('readings in, one by one and as a batch; a window summary archived as an object; the query API lists and reads it', async () => {
    // GIVEN readings posted to the intake: one alone, three as a batch (a bad one is refused before any is published)
    expect((await post('/events/ReadingReceived', { sensor: 's-1', value: 21.5 })).status).toBe(202);
    const refused = await post('/events/ReadingReceived/batch', [{ sensor: 's-1' }, 'not a reading']);
    expect(refused.status).toBe(422);
    const batch = await post('/events/ReadingReceived/batch', [{ sensor: 's-1', value: 1 }, { sensor: 's-2', value: 2 }, { sensor: 's-2', value: 3 }]);
    expect(batch.status).toBe(202);
    expect(((await batch.json()) as { ids: string[] }).ids).toHaveLength(3);
    // WHEN their window closes (windows close on event time: a reading after the window's end moves the watermark past it)
    await new Promise((r) => setTimeout(r, 2500));
    expect((await post('/events/ReadingReceived', { sensor: 's-3', value: 0 })).status).toBe(202);
    // THEN its summary is archived, and the query service lists it from the bucket
    const page = await eventually('a WindowSummarized object in the archive', async () => {
      const p = await archived();
      return p.items.length > 0 ? p : undefined;
    }, 60_000);
    const key = page.items[0]!.key;
    expect(key).toMatch(/^events\/WindowSummarized\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.json$/);
    const object = await fetch(`${service('query-service').url}/buckets/storage-service/object?key=${encodeURIComponent(key)}`);
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toMatch(/^application\/json/);
    const event = (await object.json()) as { type: string; source: string; data: { counts: Record<string, number> } };
    expect(event).toMatchObject({ type: 'WindowSummarized', source: 'transform-service' });
    // the four readings before the pause are counted in the archived windows (the last one's window is still open)
    const counted = async () => {
      let total = 0;
      for (const item of (await archived()).items) {
        const e = (await (await fetch(`${service('query-service').url}/buckets/storage-service/object?key=${encodeURIComponent(item.key)}`)).json()) as { data: { counts: Record<string, number> } };
        total += e.data.counts.ReadingReceived ?? 0;
      }
      return total >= 4 ? total : undefined;
    };
    expect(await eventually('all four readings counted in the archive', counted, 60_000)).toBe(4);
  }, 150_000);

  test('the archive is the storage service\'s bucket on moto, and the query service cannot change it', async () => {
    const s3 = new S3Client({ endpoint: run().emulators.get('moto')!, region: 'eu-west-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
    try {
      const bucket = service('storage-service').environment.BUCKET_NAME!;
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'events/WindowSummarized/' }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual((await archived()).items.map((o) => o.key).sort());
      // an object written into the bucket by other means is served by the query API as it is
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt', Body: 'hello', ContentType: 'text/plain' }));
      const read = await fetch(`${service('query-service').url}/buckets/storage-service/object?key=notes/hello.txt`);
      expect([read.status, await read.text()]).toEqual([200, 'hello']);
      // the routes are read-only, and no other service's bucket is there
      expect((await fetch(`${service('query-service').url}/buckets/storage-service/object?key=notes/hello.txt`, { method: 'DELETE' })).status).toBe(404);
      expect((await fetch(`${service('query-service').url}/buckets/ingestion-service/objects`)).status).toBe(404);
    } finally {
      s3.destroy();
    }
  }, 60_000);
});

describeWithReferee('moto_server', 'allframe dev runs the ecommerce template (aws flavour)', () => {
  const { service, dynamodb } = templateOnMoto('ecommerce', { name: 'dev-shop', portBase: 6100 });

  const createCustomer = (body: object, key?: string) =>
    fetch(`${service('user-service').url}/customers`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'Idempotency-Key': key } : {}) }, body: JSON.stringify(body) });
  /** The event ids the notification service has processed (its idempotency records, `event:<id>`). */
  const processedEvents = async (): Promise<string[]> => {
    const items = (await dynamodb().send(new ScanCommand({ TableName: `${service('notification-service').environment.TABLE_PREFIX}-idempotency`, ConsistentRead: true }))).Items ?? [];
    return items.map((i) => i.pk?.S ?? '').filter((k) => k.startsWith('event:'));
  };

  test('a customer is committed with its CustomerCreated (outbox); the notification service receives it through SNS and SQS and records it once', async () => {
    const created = await createCustomer({ name: 'Ada' });
    expect(created.status).toBe(201);
    const customer = (await created.json()) as { id: string };
    expect(await (await fetch(`${service('user-service').url}/customers/${customer.id}`)).json()).toMatchObject({ id: customer.id, name: 'Ada' });
    const processed = await eventually('CustomerCreated processed by the notification service', async () => {
      const ids = await processedEvents();
      return ids.length > 0 ? ids : undefined;
    }, 60_000);
    expect(processed).toHaveLength(1);
  }, 90_000);

  test('the same create with the same Idempotency-Key twice has one effect and the same answer', async () => {
    const first = await createCustomer({ name: 'Grace' }, 'key-grace-1');
    const again = await createCustomer({ name: 'Grace' }, 'key-grace-1');
    expect([first.status, again.status]).toEqual([201, 201]);
    const [a, b] = [(await first.json()) as { id: string }, (await again.json()) as { id: string }];
    expect(b.id).toBe(a.id);
    const page = (await (await fetch(`${service('user-service').url}/customers?limit=100`)).json()) as { items: { name: string }[] };
    expect(page.items.filter((c) => c.name === 'Grace')).toHaveLength(1);
  }, 30_000);

  test('the storefront BFF answers its overview from the services it aggregates', async () => {
    const overview = await fetch(`${service('storefront-bff').url}/overview`);
    expect(overview.status).toBe(200);
    const body = (await overview.json()) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('user-service');
  }, 30_000);
});
