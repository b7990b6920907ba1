/**
 * Defaults of every Cloud Storage bucket allframe builds on GCP (services[].storage), in one place: functions return
 * fresh values; constructs merge defaults, then user values, then what they require.
 */
import type { StorageBucketLifecycleRule } from '@cdktf/provider-google/lib/storage-bucket';
import { STORAGE_ABORT_INCOMPLETE_UPLOAD_DAYS, STORAGE_NONCURRENT_DAYS } from './storage-defaults';

/** The role of the bucket's owner: read, write and delete objects (not change the bucket or its IAM). */
export const STORAGE_OBJECT_ADMIN_ROLE = 'roles/storage.objectAdmin';
/** The role of a reader: list and get objects, nothing else. */
export const STORAGE_OBJECT_VIEWER_ROLE = 'roles/storage.objectViewer';
/** Public access prevention, enforced on every bucket: no IAM grant to allUsers or allAuthenticatedUsers takes effect. */
export const PUBLIC_ACCESS_PREVENTION_ENFORCED = 'enforced';

/**
 * Cloud Storage bucket names (without dots, which would make them domain names): 3 to 63 lowercase letters, digits,
 * `-` and `_`, starting and ending with a letter or digit.
 */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][-_a-z0-9]{1,61}[a-z0-9]$/;
/** Cloud Storage refuses bucket names containing `google` (and names starting with `goog`). */
export const BUCKET_NAME_FORBIDDEN = /google|^goog/;

/**
 * The lifecycle of a bucket: objects deleted `retentionDays` after their last write (no rule when 0: kept until the
 * service deletes them); with versioning, earlier versions deleted `STORAGE_NONCURRENT_DAYS` after they stop being
 * current; the parts of uploads never completed dropped after `STORAGE_ABORT_INCOMPLETE_UPLOAD_DAYS`.
 */
export function bucketLifecycleRules(props: { versioning: boolean; retentionDays: number }): StorageBucketLifecycleRule[] {
  const rules: StorageBucketLifecycleRule[] = [];
  // `age` counts from an object's creation, and every write creates the object anew: days since the last write. Live
  // objects only: with versioning, the version this makes noncurrent is kept as long as any other (the next rule).
  if (props.retentionDays > 0) rules.push({ action: { type: 'Delete' }, condition: { age: props.retentionDays, withState: 'LIVE' } });
  if (props.versioning) rules.push({ action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: STORAGE_NONCURRENT_DAYS } });
  rules.push({ action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: STORAGE_ABORT_INCOMPLETE_UPLOAD_DAYS } });
  return rules;
}
