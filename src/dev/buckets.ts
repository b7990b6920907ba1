/**
 * Object storage (services[].storage) where no emulator runs it: the gcp flavour (no Cloud Storage emulator) and the
 * fly flavour (no Tigris) keep each bucket as a directory, `<OBJECT_STORE_DIR>/<bucket>`, which the platform's
 * ObjectStore reads and writes with OBJECT_STORE=fs. The aws flavour creates real buckets on moto instead (aws-local.ts).
 */
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bucketVariable } from '../model/environment';
import { bucketsReadBy, type ResolvedArchitecture, type ResolvedService } from '../resolve/model';

/** The directory of a local run's buckets, under the run's own state directory (removed at the end of the run). */
export const LOCAL_BUCKETS_DIR = 'buckets';

/** The variables of the platform's object store that a target sets: the store, the own bucket, the buckets read. */
export function isObjectStoreVariable(name: string): boolean {
  return name === 'OBJECT_STORE' || name === 'OBJECT_STORE_DIR' || name.startsWith('BUCKET_');
}

/**
 * A service's object-store variables in a run that keeps buckets in `dir`: OBJECT_STORE=fs, OBJECT_STORE_DIR, its
 * own bucket's name (BUCKET_NAME) and each bucket it reads (BUCKET_<OWNER>); nothing for a service that neither owns
 * nor reads a bucket. `bucketName` gives a bucket's name as the target names it.
 */
export function localBucketEnvironment(model: ResolvedArchitecture, s: ResolvedService, dir: string, bucketName: (owner: ResolvedService) => string): Record<string, string> {
  const read = bucketsReadBy(model, s);
  if (s.storage === undefined && read.length === 0) return {};
  return {
    OBJECT_STORE: 'fs',
    OBJECT_STORE_DIR: dir,
    ...(s.storage !== undefined ? { BUCKET_NAME: bucketName(s) } : {}),
    ...Object.fromEntries(read.map((owner) => [bucketVariable(owner.name), bucketName(owner)])),
  };
}

/** Whether any service owns a bucket (so that some read one too): a run or a compose file then needs the buckets' directory. */
export function usesBuckets(model: ResolvedArchitecture): boolean {
  return model.services.some((s) => s.storage !== undefined);
}

/** The names of the architecture's buckets, in file order. */
export function localBucketNames(model: ResolvedArchitecture, bucketName: (owner: ResolvedService) => string): string[] {
  return model.services.filter((s) => s.storage !== undefined).map(bucketName);
}

/**
 * Creates `<dir>/<bucket>` for each bucket (kept when it exists). `owner` (a uid and gid) is given the directories:
 * in compose, the provision service runs as root and the services as the image's `node` user.
 */
export function createLocalBuckets(dir: string, names: readonly string[], owner?: { readonly uid: number; readonly gid: number }): void {
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    if (owner !== undefined) chownSync(path, owner.uid, owner.gid);
  }
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
}
