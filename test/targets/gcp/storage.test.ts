/**
 * services[].storage on GCP: a Cloud Storage bucket of the owner's, private, versioned, with its lifecycle; the owner
 * may read and write it, each reader list and get; both find it in their configuration; and the policy (AF5105)
 * refuses a bucket opened to the public, whether by a hook on the stack or in the JSON itself.
 */
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import type { ServiceBucket } from '../../../lib-constructs/gcp/service-bucket';
import { checkGcpPolicy } from '../../../src/targets/gcp/policy';
import type { GcpStack } from '../../../src/targets/gcp/stack';
import { synthGcpTarget } from '../../../src/targets/gcp/synth';
import { check, pos, where } from '../../helpers';
import { Json, Tf, accountOf, envOf, gcpModel, synth } from './helpers';

const architecture = (storage: string, names = { architecture: 'files', owner: 'archive-service', project: 'files-dev-1' }) => `
architecture: { name: ${names.architecture} }
cloud: { primary: gcp, gcp: { project_id: ${names.project}, region: europe-west1, state_bucket: files-tfstate } }
services:
  - name: ${names.owner}
    type: stateless
    storage: ${storage}
  - name: report-job
    type: scheduled
    schedule: { cron: "0 3 * * *" }
  - name: audit
    type: consumer
    consumes: [{ event: Ping, from: pinger }]
    consumer: { max_retries: 5 }
  - name: pinger
    type: producer
    publishes: [Ping]
`;

const BUCKET = 'files-dev-1-files-archive-service';

describe('a bucket with readers, retention and versioning (the default) on GCP', () => {
  // GIVEN an owner keeping objects 90 days, read by a scheduled job; WHEN synthesized
  const tf: Tf = synth(gcpModel('architecture.yaml', { text: architecture('{ retention_days: 90, readers: [report-job] }') }));
  const run = (name: string) => tf.named('google_cloud_run_v2_service', `files-${name}`);

  test('one private bucket, named <project>-<architecture>-<service>, in the region, versioned, never force-destroyed', () => {
    const buckets = tf.values('google_storage_bucket');
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatchObject({
      name: BUCKET,
      location: 'europe-west1',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      versioning: { enabled: true },
      force_destroy: false,
    });
    // Google-managed encryption: no customer-managed key
    expect(buckets[0]!.encryption).toBeUndefined();
  });

  test('lifecycle: live objects deleted 90 days after their last write, earlier versions 30 days after, abandoned uploads after 7', () => {
    expect(tf.named('google_storage_bucket', BUCKET).lifecycle_rule).toEqual([
      { action: { type: 'Delete' }, condition: { age: 90, with_state: 'LIVE' } },
      { action: { type: 'Delete' }, condition: { days_since_noncurrent_time: 30 } },
      { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } },
    ]);
  });

  test('IAM on the bucket: objectAdmin for the owner, objectViewer for the reader, nothing else', () => {
    const bucketRef = `${tf.ref('google_storage_bucket', BUCKET)}.name}`;
    const grants = tf.values('google_storage_bucket_iam_member').map((g) => [g.bucket, g.role, g.member]);
    expect(grants).toEqual([
      [bucketRef, 'roles/storage.objectAdmin', `serviceAccount:${accountOf(tf, 'files-archive-service')}`],
      [bucketRef, 'roles/storage.objectViewer', `serviceAccount:${accountOf(tf, 'files-report-job')}`],
    ]);
    expect(tf.all('google_storage_bucket_iam_binding')).toEqual([]);
    expect(tf.all('google_storage_bucket_iam_policy')).toEqual([]);
    // no project-wide storage role
    expect(tf.values('google_project_iam_member').filter((m) => String(m.role).startsWith('roles/storage.'))).toEqual([]);
  });

  test('the owner finds its bucket in BUCKET_NAME, the reader in BUCKET_ARCHIVE_SERVICE, both with OBJECT_STORE=gcs', () => {
    expect(envOf(run('archive-service'))).toMatchObject({ OBJECT_STORE: 'gcs', BUCKET_NAME: BUCKET });
    expect(envOf(run('report-job'))).toMatchObject({ OBJECT_STORE: 'gcs', BUCKET_ARCHIVE_SERVICE: BUCKET });
    expect(envOf(run('report-job')).BUCKET_NAME).toBeUndefined();
    // services that neither own nor read a bucket get nothing
    for (const other of ['audit', 'pinger']) expect(Object.keys(envOf(run(other))).filter((k) => k === 'OBJECT_STORE' || k.startsWith('BUCKET_'))).toEqual([]);
  });

  test('each service\'s first revision waits for its grant on the bucket', () => {
    const [ownerGrant, readerGrant] = tf.all('google_storage_bucket_iam_member').map(([id]) => `google_storage_bucket_iam_member.${id}`);
    expect(run('archive-service').depends_on).toContain(ownerGrant);
    expect(run('report-job').depends_on).toContain(readerGrant);
    expect(run('report-job').depends_on).not.toContain(ownerGrant);
  });
});

describe('bucket settings that remove lifecycle rules', () => {
  test('retention_days 0 (the default): no age rule; versioning false: no noncurrent rule, versioning disabled', () => {
    // GIVEN versioning off and no retention; WHEN synthesized
    const tf = synth(gcpModel('architecture.yaml', { text: architecture('{ versioning: false }') }));
    // THEN only abandoned uploads are dropped
    const bucket = tf.named('google_storage_bucket', BUCKET);
    expect(bucket.versioning).toEqual({ enabled: false });
    expect(bucket.lifecycle_rule).toEqual([{ action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } }]);
    // and no reader: only the owner's grant
    expect(tf.values('google_storage_bucket_iam_member').map((g) => g.role)).toEqual(['roles/storage.objectAdmin']);
  });

  test('versioning on without retention: the noncurrent rule, no age rule on live objects', () => {
    const tf = synth(gcpModel('architecture.yaml', { text: architecture('{}') }));
    const rules = tf.named('google_storage_bucket', BUCKET).lifecycle_rule as Json[];
    expect(rules.map((r) => r.condition)).toEqual([{ days_since_noncurrent_time: 30 }, { age: 7 }]);
  });
});

describe('bucket names', () => {
  test('a name over 63 characters is cut and ends in a hash of the whole, the same each synth', () => {
    // GIVEN a project id, architecture and service name that together pass 63 characters
    const names = { architecture: 'document-archive-platform', owner: 'long-term-archive', project: 'document-archive-prod-eu-west' };
    const text = architecture('{}', names);
    // WHEN synthesized twice
    const name = () => synth(gcpModel('architecture.yaml', { text })).values('google_storage_bucket')[0]!.name as string;
    const [a, b] = [name(), name()];
    // THEN a valid bucket name of at most 63 characters (the cut's trailing hyphen dropped), stable
    expect(a).toBe(b);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^document-archive-prod-eu-west-document-archive-platform-[0-9a-f]{6}$/);
  });

  test('a bucket name that would contain "google" is refused before synthesis (AF5002, at storage)', () => {
    const text = architecture('{}', { architecture: 'files', owner: 'google-sync', project: 'files-dev-1' });
    const r = check(text, { target: 'gcp' });
    expect(where(r.diagnostics)).toEqual([`AF5002@${pos(text, 'storage')}`]);
    expect(r.diagnostics[0]!.message).toContain('"google"');
  });
});

describe('AF5105: a bucket anyone may read is refused', () => {
  const model = () => gcpModel('architecture.yaml', { text: architecture('{ readers: [report-job] }') });

  test('a hook that drops public access prevention and grants allUsers: nothing is written, problems at the owner', () => {
    // GIVEN a hook that opens the bucket
    const onStack = (stack: GcpStack): void => {
      const bucket = stack.node.findChild('archive-service-bucket') as ServiceBucket;
      bucket.bucket.addOverride('public_access_prevention', 'inherited');
      new StorageBucketIamMember(bucket, 'everyone', { bucket: bucket.bucket.name, role: 'roles/storage.objectViewer', member: 'allUsers' });
    };
    // WHEN synthesized
    const result = synthGcpTarget(model(), { onStack });
    // THEN refused, at services[0] (archive-service)
    expect(result.files).toEqual([]);
    expect(result.problems.map((p) => [p.code, p.path])).toEqual([
      ['AF5105', ['services', 0]],
      ['AF5105', ['services', 0]],
    ]);
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(/public_access_prevention "inherited".*\n.*allUsers/);
  });

  test('the synthesized JSON passes; edited by hand (ACLs allowed, allAuthenticatedUsers in a binding), it fails', () => {
    // GIVEN the synthesized Terraform
    const tf = synth(model()).json;
    const options = { publicServices: new Set<string>(), secretNames: new Set<string>() };
    expect(checkGcpPolicy(tf, options)).toEqual([]);
    // WHEN edited
    const resource = tf.resource as Record<string, Record<string, Json>>;
    const [id, bucket] = Object.entries(resource.google_storage_bucket!)[0]!;
    bucket.uniform_bucket_level_access = false;
    resource.google_storage_bucket_iam_binding = { open: { bucket: `\${google_storage_bucket.${id}.name}`, role: 'roles/storage.objectViewer', members: ['allAuthenticatedUsers'] } };
    // THEN both are reported at their resource
    expect(checkGcpPolicy(tf, options).map((p) => `${p.code} ${p.address}`)).toEqual([`AF5105 google_storage_bucket.${id}`, 'AF5105 google_storage_bucket_iam_binding.open']);
  });
});
