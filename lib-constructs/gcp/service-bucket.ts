import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { STORAGE_MAX_RETENTION_DAYS } from '../core/cloud-limits';
import { SERVICE_ACCOUNT_EMAIL_PATTERN, serviceAccountMember } from '../core/gcp-run-defaults';
import {
  BUCKET_NAME_FORBIDDEN,
  BUCKET_NAME_PATTERN,
  PUBLIC_ACCESS_PREVENTION_ENFORCED,
  STORAGE_OBJECT_ADMIN_ROLE,
  STORAGE_OBJECT_VIEWER_ROLE,
  bucketLifecycleRules,
} from '../core/gcp-storage-defaults';

export interface ServiceBucketProps {
  /** The bucket's name, unique across all of Cloud Storage: 3 to 63 lowercase letters, digits, `-` and `_`. */
  readonly name: string;
  /** The bucket's location: a region (`europe-west1`), a dual- or multi-region. */
  readonly location: string;
  /**
   * Keep the earlier versions of overwritten and deleted objects, for `STORAGE_NONCURRENT_DAYS` (30) days after they
   * stop being current.
   * @default true
   */
  readonly versioning?: boolean;
  /**
   * Delete an object this many days after it was last written; 0 keeps objects until they are deleted.
   * @default 0
   */
  readonly retentionDays?: number;
  /**
   * The service account that owns the objects: granted `roles/storage.objectAdmin` on this bucket (read, write,
   * delete objects; not the bucket's settings or IAM).
   * @default - none; grant with `grantReadWrite`
   */
  readonly owner?: string;
  /**
   * Service accounts granted `roles/storage.objectViewer` on this bucket (list and get objects, nothing else).
   * @default - none; grant more with `grantRead`
   */
  readonly readers?: readonly string[];
  /**
   * Labels on the bucket.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A Cloud Storage bucket of one service: uniform bucket-level access (IAM only, no object ACLs), public access
 * prevention enforced, versioning (earlier versions kept 30 days), an optional expiry of objects, abandoned uploads
 * dropped after 7 days, and `force_destroy` off (Terraform refuses to delete a bucket that holds objects). Objects
 * are encrypted at rest with Google-managed keys, Cloud Storage's default (no customer-managed key is set). Access is
 * granted per service account on this bucket only: the owner may read, write and delete objects, readers may list
 * and get them.
 */
export class ServiceBucket extends Construct {
  /** The bucket. */
  readonly bucket: StorageBucket;
  /** The bucket's name, as given (a literal: services find it in their configuration). */
  readonly bucketName: string;
  private readonly members = new Set<string>();
  private tokenMembers = 0;

  constructor(scope: Construct, id: string, props: ServiceBucketProps) {
    super(scope, id);
    const versioning = props.versioning ?? true;
    const retentionDays = props.retentionDays ?? 0;
    const problems: string[] = [];
    if (!BUCKET_NAME_PATTERN.test(props.name)) problems.push(`name '${props.name}' must be 3 to 63 lowercase letters, digits, '-' and '_', starting and ending with a letter or digit`);
    else if (BUCKET_NAME_FORBIDDEN.test(props.name)) problems.push(`name '${props.name}' must not contain 'google' nor start with 'goog'`);
    if (props.location.trim() === '') problems.push('location must not be empty');
    if (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > STORAGE_MAX_RETENTION_DAYS) problems.push(`retentionDays must be a whole number from 0 to ${STORAGE_MAX_RETENTION_DAYS}, got ${retentionDays}`);
    for (const email of [...(props.owner !== undefined ? [props.owner] : []), ...(props.readers ?? [])]) {
      if (!Token.isUnresolved(email) && !SERVICE_ACCOUNT_EMAIL_PATTERN.test(email)) problems.push(`'${email}' is not a service-account email (…@….gserviceaccount.com)`);
    }
    if (problems.length > 0) throw new Error(`ServiceBucket ${props.name}: ${problems.join('; ')}`);

    this.bucket = new StorageBucket(this, 'Bucket', {
      name: props.name,
      location: props.location,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: PUBLIC_ACCESS_PREVENTION_ENFORCED,
      versioning: { enabled: versioning },
      lifecycleRule: bucketLifecycleRules({ versioning, retentionDays }),
      forceDestroy: false,
      ...(props.labels !== undefined ? { labels: props.labels } : {}),
    });
    this.bucketName = props.name;
    if (props.owner !== undefined) this.grantReadWrite(props.owner);
    for (const email of props.readers ?? []) this.grantRead(email);
  }

  /**
   * Lets a service account read, write and delete the bucket's objects (`roles/storage.objectAdmin` on this bucket).
   * Returns undefined when the account already has a grant here. `name` (e.g. the service's) keeps the grant's
   * Terraform address stable when the email is a reference.
   */
  grantReadWrite(email: string, name?: string): StorageBucketIamMember | undefined {
    return this.grant('Owner', STORAGE_OBJECT_ADMIN_ROLE, email, name);
  }

  /**
   * Lets a service account list and get the bucket's objects (`roles/storage.objectViewer` on this bucket). Returns
   * undefined when the account already has a grant here (an owner reads already). `name` (e.g. the service's) keeps
   * the grant's Terraform address stable when the email is a reference.
   */
  grantRead(email: string, name?: string): StorageBucketIamMember | undefined {
    return this.grant('Reader', STORAGE_OBJECT_VIEWER_ROLE, email, name);
  }

  private grant(kind: string, role: string, email: string, name: string | undefined): StorageBucketIamMember | undefined {
    const member = serviceAccountMember(email);
    if (this.members.has(member)) return undefined;
    this.members.add(member);
    const id = `${kind}-${name ?? (Token.isUnresolved(email) ? String(++this.tokenMembers) : email)}`;
    return new StorageBucketIamMember(this, id, { bucket: this.bucket.name, role, member });
  }
}
