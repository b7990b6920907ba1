/** Defaults of every relational service database allframe builds (Aurora PostgreSQL Serverless v2). */
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';

/** The pinned engine: Aurora PostgreSQL 17.9 (a supported minor of the newest major Serverless v2 runs well). */
export const AURORA_POSTGRES_VERSION = rds.AuroraPostgresEngineVersion.VER_17_9;

/**
 * The port: not PostgreSQL's default 5432, as AwsSolutions-RDS11 intends (cdk-nag 3.0.2 itself only flags an Aurora
 * PostgreSQL cluster without an explicit Port). It costs nothing: every client reads the port from the endpoint, the
 * connection string or the secret.
 */
export const DEFAULT_POSTGRES_PORT = 5433;

/** Serverless v2 capacity range, in Aurora capacity units. */
export const DEFAULT_MIN_CAPACITY = 0.5;
export const DEFAULT_MAX_CAPACITY = 4;

/** The user the generated master secret holds. */
export const DEFAULT_MASTER_USERNAME = 'postgres';

/**
 * The database user the service connects as with IAM authentication (a migration creates it: `create user app;
 * grant rds_iam to app;`), so the master password is never the service's.
 */
export const DEFAULT_IAM_USER = 'app';

/** How often the master secret is rotated. */
export const DEFAULT_ROTATION_INTERVAL = Duration.days(30);

/** How long the exported PostgreSQL log is kept. */
export const DEFAULT_DATABASE_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/**
 * The cluster settings every service database gets: storage encrypted, IAM database authentication, deletion
 * protection, 7 days of backups, the PostgreSQL log exported to CloudWatch, TLS required (`rds.force_ssl`).
 */
export function defaultPostgresClusterProps(): Omit<rds.DatabaseClusterProps, 'engine' | 'vpc'> {
  return {
    storageEncrypted: true,
    iamAuthentication: true,
    deletionProtection: true,
    backup: { retention: Duration.days(7) },
    cloudwatchLogsExports: ['postgresql'],
    parameters: { 'rds.force_ssl': '1' },
    port: DEFAULT_POSTGRES_PORT,
    serverlessV2MinCapacity: DEFAULT_MIN_CAPACITY,
    serverlessV2MaxCapacity: DEFAULT_MAX_CAPACITY,
    copyTagsToSnapshot: true,
  };
}
