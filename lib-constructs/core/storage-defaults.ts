/** Defaults of the object storage (a service's own bucket) on every cloud, in one place. */

/** How long an earlier version of an object is kept once it stops being current (a versioned bucket), in days. */
export const STORAGE_NONCURRENT_DAYS = 30;

/** How long an unfinished multipart upload is kept before its parts are deleted, in days. */
export const STORAGE_ABORT_MULTIPART_DAYS = 7;
