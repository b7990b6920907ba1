/**
 * The platform's ObjectStore on a real S3 API, a required referee in CI: moto_server (the S3 that allframe dev runs
 * locally; AWS S3 and Tigris speak the same API). The same contract as the in-memory, directory, S3-fake and Cloud
 * Storage-fake runs of the platform's own tests (src/skeletons/platform/test/object-store.test.ts), with the real
 * @aws-sdk/client-s3 client the generated services hand in.
 */
import { CreateBucketCommand, S3, S3Client } from '@aws-sdk/client-s3';
import { createObjectStore, S3ObjectStore, type S3Api, type S3ClientOptions } from '../../src/skeletons/platform/src/object-store';
import { describeObjectStoreContract } from '../../src/skeletons/platform/test/object-store-contract';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_REGION, startMoto, type Moto } from '../aws/moto';
import { describeWithReferee } from '../referees';

// Compile-time check: the SDK's aggregated client fits the port.
export const realS3Fits = (s3: S3): S3Api => s3;

describeWithReferee('moto_server', 'ObjectStore on moto', () => {
  let moto: Moto;
  let admin: S3Client;
  let buckets = 0;

  beforeAll(async () => {
    moto = await startMoto();
    admin = new S3Client({ endpoint: moto.endpoint, region: MOTO_DEFAULT_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true });
  }, 30_000);
  afterAll(async () => {
    admin?.destroy();
    await moto?.stop();
  });

  // A fresh bucket per store, reached as a service reaches it: OBJECT_STORE=s3 with AWS_ENDPOINT_URL_S3 (path-style).
  const freshBucket = async () => {
    const bucket = `objects-${++buckets}`;
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    const s3 = (options: S3ClientOptions) => new S3({ ...options, credentials: MOTO_CREDENTIALS });
    return createObjectStore({ OBJECT_STORE: 's3', AWS_REGION: MOTO_DEFAULT_REGION, AWS_ENDPOINT_URL_S3: moto.endpoint }, bucket, { s3 });
  };
  describeObjectStoreContract('S3ObjectStore on moto', freshBucket);

  it('fails a put into a bucket that does not exist, naming it', async () => {
    const store = new S3ObjectStore(new S3({ endpoint: moto.endpoint, region: MOTO_DEFAULT_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true }), 'no-such-bucket');
    await expect(store.put('k', 'v')).rejects.toThrow(/bucket/i);
  });
});
