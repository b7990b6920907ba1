/**
 * Object storage in a service's code (services[].storage): its own bucket (`deps.objects`, BUCKET_NAME) and the buckets
 * of other services it reads (`deps.buckets[owner]`, BUCKET_<OWNER>, read-only), through the platform's ObjectStore.
 * Which store is the environment's (OBJECT_STORE: s3, gcs, fs, memory); on aws and fly the service hands the platform
 * its S3 client (@aws-sdk/client-s3), on gcp the platform calls Cloud Storage itself.
 */
import { bucketVariable } from '../model/environment';
import { bucketsReadBy } from '../resolve/model';
import type { ConfigVar } from './common';
import type { ServiceContext } from './context';
import type { Names } from './template';
import type { RuntimeDependency } from './versions';

/** The owners of the buckets the service reads, in file order. */
export function bucketsRead(ctx: ServiceContext): string[] {
  return bucketsReadBy(ctx.model, ctx.service).map((s) => s.name);
}

/** Whether the service has a bucket of its own or reads another's. */
export function usesStorage(ctx: ServiceContext): boolean {
  return ctx.service.storage !== undefined || bucketsRead(ctx).length > 0;
}

/** Whether its objects are on an S3 API (AWS S3, Tigris on fly; moto in local runs of both). */
function onS3(ctx: ServiceContext): boolean {
  return usesStorage(ctx) && ctx.model.target !== 'gcp';
}

/** The SDK the service's package needs for its storage: the S3 client on aws and fly, none on gcp. */
export function storageDependencies(ctx: ServiceContext): RuntimeDependency[] {
  return onS3(ctx) ? ['@aws-sdk/client-s3'] : [];
}

/** The variables of its storage (none without): OBJECT_STORE, BUCKET_NAME, BUCKET_<OWNER>, and the local ones. */
export function storageConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  if (!usesStorage(ctx)) return {};
  const kinds = ctx.model.target === 'gcp' ? 'gcs' : 's3';
  return {
    OBJECT_STORE: { kind: 'string', default: 'memory', description: `Where objects are: ${kinds} | fs (a local directory) | memory` },
    ...(ctx.service.storage ? { BUCKET_NAME: { kind: 'string', default: '', description: "The service's own bucket (storage), read and written" } } : {}),
    ...Object.fromEntries(bucketsRead(ctx).map((owner) => [bucketVariable(owner), { kind: 'string', default: '', description: `The bucket of ${owner}, read-only` } satisfies ConfigVar])),
    OBJECT_STORE_DIR: { kind: 'string', default: '', description: 'With OBJECT_STORE=fs: the directory holding one directory per bucket' },
    ...(onS3(ctx)
      ? { AWS_ENDPOINT_URL_S3: { kind: 'string', default: '', description: 'With OBJECT_STORE=s3: an S3 API other than AWS (Tigris, moto), addressed path-style' } }
      : { STORAGE_EMULATOR_HOST: { kind: 'string', default: '', description: 'With OBJECT_STORE=gcs: a Cloud Storage emulator, called without credentials' } }),
  } satisfies Record<string, ConfigVar>;
}

/**
 * The templates' flags and list for storage: `ownsBucket`, `readsBuckets`, `storage` (either), `s3` (the S3 client is
 * handed in), and `buckets` (each bucket read: `owner`, `bucketVar`).
 */
export function storageData(ctx: ServiceContext): { flags: Record<string, boolean>; lists: Record<string, readonly Names[]> } {
  const read = bucketsRead(ctx);
  return {
    flags: { storage: usesStorage(ctx), ownsBucket: ctx.service.storage !== undefined, readsBuckets: read.length > 0, s3: onS3(ctx) },
    lists: { buckets: read.map((owner) => ({ owner, bucketVar: bucketVariable(owner) })) },
  };
}
