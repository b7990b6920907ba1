/**
 * Defaults of the GCP data services (Cloud SQL, Firestore, Memorystore Redis) and saga workflows allframe builds, in
 * one place: functions return fresh values; constructs merge defaults, then user values, then what they require.
 */
import { Token } from 'cdktf';

// ---------------------------------------------------------------------------------------------------------------
// Cloud SQL for PostgreSQL
// ---------------------------------------------------------------------------------------------------------------

/** The PostgreSQL major version of every Cloud SQL instance. */
export const POSTGRES_VERSION = 'POSTGRES_16';

/** Sizing, availability and backups of a Cloud SQL instance when the props say nothing. */
export interface PostgresDefaults {
  /** Machine tier (Enterprise edition: `db-custom-<vCPUs>-<MiB>`). */
  readonly tier: string;
  /** `REGIONAL` (a standby in another zone, automatic failover) or `ZONAL`. */
  readonly availabilityType: 'REGIONAL' | 'ZONAL';
  /** Initial disk size in GB (the disk grows automatically). */
  readonly diskSizeGb: number;
  /** Daily backups kept. */
  readonly retainedBackups: number;
  /** Days of write-ahead log kept for point-in-time recovery (1 to 7 on Enterprise edition). */
  readonly transactionLogRetentionDays: number;
  /** Start of the daily backup window, UTC `HH:MM`. */
  readonly backupStartTime: string;
}

/**
 * One vCPU and 3.75 GB, regional (highly available), a 10 GB SSD that grows, 14 daily backups and 7 days of
 * point-in-time recovery, backups starting 03:00 UTC.
 */
export function defaultPostgresSettings(): PostgresDefaults {
  return { tier: 'db-custom-1-3840', availabilityType: 'REGIONAL', diskSizeGb: 10, retainedBackups: 14, transactionLogRetentionDays: 7, backupStartTime: '03:00' };
}

/**
 * Database flags of every instance: IAM database authentication on (services log in as their service account, so
 * no database password needs to exist), connections and disconnections logged.
 */
export function defaultPostgresFlags(): { name: string; value: string }[] {
  return [
    { name: 'cloudsql.iam_authentication', value: 'on' },
    { name: 'log_connections', value: 'on' },
    { name: 'log_disconnections', value: 'on' },
  ];
}

/** Cloud SQL instance names: lowercase letters, digits and hyphens, starting with a letter, at most 98 characters. */
export const SQL_INSTANCE_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$/;
/** PostgreSQL database names allframe accepts: letters, digits and `_`, starting with a letter, at most 63. */
export const SQL_DATABASE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

// ---------------------------------------------------------------------------------------------------------------
// Firestore
// ---------------------------------------------------------------------------------------------------------------

/** Firestore database ids: `(default)`, or 4 to 63 lowercase letters, digits and hyphens, starting with a letter. */
export const FIRESTORE_DATABASE_ID_PATTERN = /^(\(default\)|[a-z][-a-z0-9]{2,61}[a-z0-9])$/;

/** The settings every Firestore database gets: native mode, point-in-time recovery, delete protection. */
export function defaultFirestoreSettings(): { type: string; pointInTimeRecoveryEnablement: string; deleteProtectionState: string; deletionPolicy: string } {
  return {
    type: 'FIRESTORE_NATIVE',
    pointInTimeRecoveryEnablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
    deleteProtectionState: 'DELETE_PROTECTION_ENABLED',
    // `terraform destroy` forgets the database rather than deleting its data.
    deletionPolicy: 'ABANDON',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Memorystore for Redis
// ---------------------------------------------------------------------------------------------------------------

/** The port Memorystore Redis listens on. */
export const REDIS_PORT = 6379;
/** Memorystore instance ids: lowercase letters, digits and hyphens, starting with a letter, 1 to 40 characters. */
export const REDIS_INSTANCE_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** Tier, size and version of a Redis instance when the props say nothing. */
export interface RedisDefaults {
  readonly tier: 'STANDARD_HA' | 'BASIC';
  readonly memorySizeGb: number;
  readonly redisVersion: string;
  readonly connectMode: 'DIRECT_PEERING' | 'PRIVATE_SERVICE_ACCESS';
}

/** A highly available (replicated, automatic failover) 1 GB Redis 7.2 instance, peered directly to the VPC. */
export function defaultRedisSettings(): RedisDefaults {
  return { tier: 'STANDARD_HA', memorySizeGb: 1, redisVersion: 'REDIS_7_2', connectMode: 'DIRECT_PEERING' };
}

/** In-transit encryption every Redis instance gets (clients must use TLS with the instance's server CA). */
export const REDIS_TRANSIT_ENCRYPTION = 'SERVER_AUTHENTICATION';

// ---------------------------------------------------------------------------------------------------------------
// Saga workflows (Cloud Workflows)
// ---------------------------------------------------------------------------------------------------------------

/** How an HTTP call of a workflow is retried (Workflows' `retry` block with `http.default_retry_predicate`). */
export interface WorkflowRetry {
  /** Retries after the first attempt (0 to 100). */
  readonly maxRetries: number;
  /** Seconds before the first retry (more than 0). */
  readonly initialDelaySeconds: number;
  /** Longest wait between retries, in seconds (at least `initialDelaySeconds`). */
  readonly maxDelaySeconds: number;
  /** Multiplier of the wait on each further retry (at least 1). */
  readonly multiplier: number;
}

/** Retry of a step: 3 retries, 1 s, doubling, at most 60 s between tries. */
export function defaultWorkflowStepRetry(): WorkflowRetry {
  return { maxRetries: 3, initialDelaySeconds: 1, maxDelaySeconds: 60, multiplier: 2 };
}

/**
 * Retry of a compensation: more persistent than a step (6 retries, 2 s, doubling), since a compensation that gives
 * up leaves the saga half done for someone to repair.
 */
export function defaultWorkflowCompensationRetry(): WorkflowRetry {
  return { maxRetries: 6, initialDelaySeconds: 2, maxDelaySeconds: 60, multiplier: 2 };
}

/** Seconds one call of the step endpoint may take (Workflows allows at most 1800). */
export const DEFAULT_SAGA_CALL_TIMEOUT_SECONDS = 300;
/** What a workflow logs of its calls: only the failures (calls carry saga inputs, which may be personal data). */
export const DEFAULT_WORKFLOW_CALL_LOG_LEVEL = 'LOG_ERRORS_ONLY';
/** The path of the service's endpoint that runs steps and compensations (one definition for both clouds). */
export { SAGA_STEPS_PATH } from './saga';
/** The workflow's environment variable holding the service's URL. */
export const SAGA_SERVICE_URL_ENV = 'SAGA_SERVICE_URL';
/** Workflow names: letters, digits, `_` and `-`, starting with a letter, at most 64. */
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Problems of a retry policy, each prefixed with `what`. */
export function checkWorkflowRetry(what: string, r: WorkflowRetry): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(r.maxRetries) || r.maxRetries < 0 || r.maxRetries > 100) problems.push(`${what}.maxRetries must be a whole number from 0 to 100, got ${r.maxRetries}`);
  if (!(r.initialDelaySeconds > 0) || r.initialDelaySeconds > 3600) problems.push(`${what}.initialDelaySeconds must be more than 0 and at most 3600, got ${r.initialDelaySeconds}`);
  if (!(r.maxDelaySeconds >= r.initialDelaySeconds) || r.maxDelaySeconds > 3600) problems.push(`${what}.maxDelaySeconds must be from initialDelaySeconds to 3600, got ${r.maxDelaySeconds}`);
  if (!(r.multiplier >= 1)) problems.push(`${what}.multiplier must be at least 1, got ${r.multiplier}`);
  return problems;
}

/** Whether a literal value is empty (tokens are taken as given). */
export function isBlank(value: string): boolean {
  return !Token.isUnresolved(value) && value.trim() === '';
}
