import { ServiceBucket } from '../../lib-constructs/gcp/service-bucket';
import { gcpStack, synthJson } from './gcp-helpers';

type Json = Record<string, unknown>;
interface Synth {
  resource: Record<string, Record<string, Json>>;
}

const OWNER = 'orders@proj.iam.gserviceaccount.com';
const READER = 'reports@proj.iam.gserviceaccount.com';

describe('ServiceBucket', () => {
  test('defaults: uniform access, public access prevention enforced, versioning with its noncurrent rule, no force_destroy', () => {
    // GIVEN
    const s = gcpStack('proj', 'Test');
    // WHEN
    new ServiceBucket(s, 'Files', { name: 'proj-orders', location: 'europe-west1' });
    // THEN
    const [bucket, ...more] = Object.values(synthJson<Synth>(s).resource.google_storage_bucket ?? {});
    expect(more).toEqual([]);
    expect(bucket).toMatchObject({ name: 'proj-orders', location: 'europe-west1', uniform_bucket_level_access: true, public_access_prevention: 'enforced', versioning: { enabled: true }, force_destroy: false });
    expect(bucket!.lifecycle_rule).toEqual([
      { action: { type: 'Delete' }, condition: { days_since_noncurrent_time: 30 } },
      { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } },
    ]);
    expect(bucket!.encryption).toBeUndefined();
    expect(synthJson<Synth>(s).resource.google_storage_bucket_iam_member).toBeUndefined();
  });

  test('grants on this bucket only: objectAdmin to the owner, objectViewer to readers, once per account', () => {
    // GIVEN
    const s = gcpStack('proj', 'Test');
    // WHEN
    const b = new ServiceBucket(s, 'Files', { name: 'proj-orders', location: 'europe-west1', owner: OWNER, readers: [READER] });
    expect(b.grantRead(READER)).toBeUndefined();
    expect(b.grantRead(OWNER)).toBeUndefined();
    // THEN
    const out = synthJson<Synth>(s);
    const bucketId = Object.keys(out.resource.google_storage_bucket ?? {})[0]!;
    expect(Object.values(out.resource.google_storage_bucket_iam_member ?? {}).map((m) => [m.bucket, m.role, m.member])).toEqual([
      [`\${google_storage_bucket.${bucketId}.name}`, 'roles/storage.objectAdmin', `serviceAccount:${OWNER}`],
      [`\${google_storage_bucket.${bucketId}.name}`, 'roles/storage.objectViewer', `serviceAccount:${READER}`],
    ]);
  });

  test('refuses names Cloud Storage refuses, a retention out of range and grants to anything but a service account', () => {
    const s = gcpStack('proj', 'Test');
    expect(() => new ServiceBucket(s, 'A', { name: 'Proj_Orders', location: 'europe-west1' })).toThrow(/3 to 63 lowercase/);
    expect(() => new ServiceBucket(s, 'B', { name: 'x'.repeat(64), location: 'europe-west1' })).toThrow(/3 to 63 lowercase/);
    expect(() => new ServiceBucket(s, 'C', { name: 'proj-google-files', location: 'europe-west1' })).toThrow(/google/);
    expect(() => new ServiceBucket(s, 'D', { name: 'proj-orders', location: 'europe-west1', retentionDays: -1 })).toThrow(/retentionDays/);
    expect(() => new ServiceBucket(s, 'E', { name: 'proj-orders', location: 'europe-west1', readers: ['allUsers'] })).toThrow(/not a service-account email/);
  });
});
