/**
 * Defaults of the object storage (services[].storage) every cloud target builds, in one place: S3 on aws and Cloud
 * Storage on gcp keep earlier versions, and drop abandoned uploads, for the same number of days.
 */

/**
 * Days an earlier version of an object (overwritten or deleted: "noncurrent") is kept after it stops being current,
 * when the bucket keeps versions. The format's description of `storage.versioning` promises this number.
 */
export const STORAGE_NONCURRENT_DAYS = 30;

/** Days after which the parts of an upload that was started but never completed (multipart, resumable) are dropped. */
export const STORAGE_ABORT_INCOMPLETE_UPLOAD_DAYS = 7;
