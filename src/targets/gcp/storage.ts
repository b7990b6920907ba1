/**
 * services[].storage on GCP: a Cloud Storage bucket of the service's own, whatever its archetype, which its account
 * reads and writes; each of storage.readers may list and get its objects. The services find the buckets in their
 * configuration: the owner in BUCKET_NAME, a reader in BUCKET_<OWNER> (model/environment.ts), both with
 * OBJECT_STORE=gcs for the platform's ObjectStore.
 */
import { InternalError } from '../../model/diagnostics';
import { bucketVariable } from '../../model/environment';
import type { GcpServicePlan } from './app';
import { load } from './lazy';
import { gcpBucketName, gcpRegion } from './naming';

/** The platform's ObjectStore backend on GCP. */
const OBJECT_STORE = 'gcs';

/**
 * The bucket of `owner` (which has services[].storage) and its grants: `roles/storage.objectAdmin` for the owner's
 * account, `roles/storage.objectViewer` for each reader's. Each service's first revision waits for its grant (and
 * so for the bucket). `plans` holds every service's plan, by service name.
 */
export function serviceStorage(owner: GcpServicePlan, plans: ReadonlyMap<string, GcpServicePlan>): void {
  const storage = owner.service.storage;
  if (storage === undefined) return;
  const model = owner.stack.model;
  const name = gcpBucketName(model, owner.service);
  const bucket = new (load.bucket())(owner.stack, `${owner.service.name}-bucket`, {
    name,
    location: gcpRegion(model),
    versioning: storage.versioning,
    retentionDays: storage.retention_days,
  });
  const own = bucket.grantReadWrite(owner.email, owner.service.name);
  if (own !== undefined) owner.dependsOn.push(own);
  owner.setEnv('OBJECT_STORE', OBJECT_STORE);
  owner.setEnv('BUCKET_NAME', name);
  for (const readerName of storage.readers) {
    // Validation admits only services of the file that run code (AF4010, AF4005).
    const reader = plans.get(readerName);
    if (reader === undefined) throw new InternalError(`storage reader ${readerName} of ${owner.service.name} is not a service of the architecture`);
    const grant = bucket.grantRead(reader.email, readerName);
    if (grant !== undefined) reader.dependsOn.push(grant);
    if (!reader.env.has('OBJECT_STORE')) reader.setEnv('OBJECT_STORE', OBJECT_STORE);
    reader.setEnv(bucketVariable(owner.service.name), name);
  }
}
