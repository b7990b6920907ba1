import type { FirestoreDatabase } from '@cdktf/provider-google/lib/firestore-database';
import type { SqlDatabase } from '@cdktf/provider-google/lib/sql-database';
import type { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  FIRESTORE_DATABASE_ID_PATTERN,
  POSTGRES_VERSION,
  SQL_DATABASE_NAME_PATTERN,
  SQL_INSTANCE_NAME_PATTERN,
  defaultFirestoreSettings,
  defaultPostgresFlags,
  defaultPostgresSettings,
  isBlank,
} from '../core/gcp-data-defaults';
import { onDemand } from './on-demand';

/** A Firestore database in native mode. */
export interface GcpFirestoreDatabaseProps {
  readonly engine: 'firestore';
  /** The database id: `(default)` or 4 to 63 lowercase letters, digits and hyphens, starting with a letter. */
  readonly name: string;
  /** The location: a multi-region (`eur3`, `nam5`) or a region (`europe-west1`). */
  readonly location: string;
}

/** A Cloud SQL for PostgreSQL instance reachable on a private IP only, with one database. */
export interface GcpPostgresDatabaseProps {
  readonly engine: 'postgres';
  /** The instance's name: lowercase letters, digits and hyphens, starting with a letter. */
  readonly name: string;
  /** The instance's region, e.g. `europe-west1`. */
  readonly location: string;
  /**
   * The VPC the instance gets its private IP in (self link or `projects/<p>/global/networks/<n>`). The network needs
   * private services access (a `google_service_networking_connection`) before the instance is created.
   */
  readonly network: string;
  /**
   * The database created in the instance.
   * @default - the instance's name with `-` replaced by `_`
   */
  readonly databaseName?: string;
  /**
   * Machine tier (Enterprise edition).
   * @default 'db-custom-1-3840'
   */
  readonly tier?: string;
  /**
   * `REGIONAL` (standby in a second zone, automatic failover) or `ZONAL`.
   * @default 'REGIONAL'
   */
  readonly availabilityType?: 'REGIONAL' | 'ZONAL';
  /**
   * Initial disk size in GB (10 or more; the disk grows automatically).
   * @default 10
   */
  readonly diskSizeGb?: number;
  /**
   * Daily backups kept (1 to 365).
   * @default 14
   */
  readonly retainedBackups?: number;
  /**
   * Days of write-ahead log kept for point-in-time recovery (1 to 7).
   * @default 7
   */
  readonly transactionLogRetentionDays?: number;
  /**
   * The name of the private services access range the private IP comes from.
   * @default - any range allocated to the network's private services access
   */
  readonly allocatedIpRange?: string;
  /**
   * Terraform's `deletion_protection` and Cloud SQL's own deletion protection. Switch off only to delete on purpose.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

export type GcpServiceDatabaseProps = GcpFirestoreDatabaseProps | GcpPostgresDatabaseProps;

/**
 * A service's database, one of two engines. Firestore: a native-mode database with point-in-time recovery and delete
 * protection, which `terraform destroy` abandons rather than deletes. PostgreSQL: a Cloud SQL PostgreSQL 16 instance
 * (Enterprise edition, regional by default) with no public IP, only a private IP in the given VPC, encrypted
 * connections only, IAM database authentication (no password is created), daily backups with point-in-time recovery,
 * and deletion protection both in Terraform and in Cloud SQL; plus one database in it.
 */
export class GcpServiceDatabase extends Construct {
  readonly engine: 'firestore' | 'postgres';
  /** The Firestore database (engine `firestore`). */
  readonly firestoreDatabase?: FirestoreDatabase;
  /** The Cloud SQL instance (engine `postgres`). */
  readonly sqlInstance?: SqlDatabaseInstance;
  /** The database in the Cloud SQL instance (engine `postgres`). */
  readonly sqlDatabase?: SqlDatabase;
  /** The database's name: the Firestore database id, or the PostgreSQL database in the instance. */
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: GcpServiceDatabaseProps) {
    super(scope, id);
    this.engine = props.engine;
    if (props.engine === 'firestore') {
      checkFirestore(props);
      this.firestoreDatabase = new (onDemand.firestoreDatabase())(this, 'Database', {
        ...defaultFirestoreSettings(),
        name: props.name,
        locationId: props.location,
      });
      this.databaseName = props.name;
      return;
    }
    if (props.engine !== 'postgres') throw new Error(`GcpServiceDatabase: engine must be 'firestore' or 'postgres', got '${(props as { engine: unknown }).engine}'`);

    const d = defaultPostgresSettings();
    const s = {
      tier: props.tier ?? d.tier,
      availabilityType: props.availabilityType ?? d.availabilityType,
      diskSizeGb: props.diskSizeGb ?? d.diskSizeGb,
      retainedBackups: props.retainedBackups ?? d.retainedBackups,
      transactionLogRetentionDays: props.transactionLogRetentionDays ?? d.transactionLogRetentionDays,
    };
    const databaseName = props.databaseName ?? props.name.replace(/-/g, '_');
    checkPostgres(props, s, databaseName);
    const deletionProtection = props.deletionProtection ?? true;

    this.sqlInstance = new (onDemand.sqlInstance())(this, 'Instance', {
      name: props.name,
      region: props.location,
      databaseVersion: POSTGRES_VERSION,
      deletionProtection,
      settings: {
        // Set explicitly: new PostgreSQL 16 instances otherwise default to Enterprise Plus, which refuses db-custom tiers.
        edition: 'ENTERPRISE',
        tier: s.tier,
        availabilityType: s.availabilityType,
        diskType: 'PD_SSD',
        diskSize: s.diskSizeGb,
        diskAutoresize: true,
        deletionProtectionEnabled: deletionProtection,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: props.network,
          sslMode: 'ENCRYPTED_ONLY',
          ...(props.allocatedIpRange !== undefined ? { allocatedIpRange: props.allocatedIpRange } : {}),
        },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
          startTime: d.backupStartTime,
          transactionLogRetentionDays: s.transactionLogRetentionDays,
          backupRetentionSettings: { retainedBackups: s.retainedBackups, retentionUnit: 'COUNT' },
        },
        databaseFlags: defaultPostgresFlags(),
        insightsConfig: { queryInsightsEnabled: true, recordClientAddress: false, recordApplicationTags: true },
        maintenanceWindow: { day: 7, hour: 3, updateTrack: 'stable' },
      },
    });
    this.sqlDatabase = new (onDemand.sqlDatabase())(this, 'Database', {
      name: databaseName,
      instance: this.sqlInstance.name,
      // The instance's deletion protection guards the data; the database resource is abandoned, not dropped.
      deletionPolicy: 'ABANDON',
    });
    this.databaseName = databaseName;
  }

  // References made when asked for, not in the constructor: each read of a resource's attribute makes a cdktf token,
  // with a stack trace, and most callers never ask.

  /**
   * How clients find the database: the instance connection name `<project>:<region>:<instance>` (postgres, for the
   * Cloud SQL connectors) or the database's resource name `projects/<p>/databases/<id>` (firestore).
   */
  get connectionName(): string {
    return this.sqlInstance !== undefined ? this.sqlInstance.connectionName : this.firestoreDatabase!.id;
  }

  /** The instance's private IP address (postgres), undefined for firestore. */
  get privateIpAddress(): string | undefined {
    return this.sqlInstance?.privateIpAddress;
  }
}

function checkFirestore(props: GcpFirestoreDatabaseProps): void {
  const problems: string[] = [];
  if (!FIRESTORE_DATABASE_ID_PATTERN.test(props.name)) problems.push(`name '${props.name}' must be '(default)' or 4 to 63 lowercase letters, digits and hyphens, starting with a letter`);
  if (isBlank(props.location)) problems.push('location must not be empty');
  if (problems.length > 0) throw new Error(`GcpServiceDatabase ${props.name}: ${problems.join('; ')}`);
}

function checkPostgres(
  props: GcpPostgresDatabaseProps,
  s: { tier: string; diskSizeGb: number; retainedBackups: number; transactionLogRetentionDays: number },
  databaseName: string,
): void {
  const problems: string[] = [];
  if (!SQL_INSTANCE_NAME_PATTERN.test(props.name)) problems.push(`name '${props.name}' must be lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen`);
  if (isBlank(props.location)) problems.push('location must not be empty');
  if (isBlank(props.network)) problems.push('network must be a VPC self link (private IP only; the instance gets no public IP)');
  else if (!Token.isUnresolved(props.network) && !/(^|\/)projects\/[^/]+\/global\/networks\/[^/]+$/.test(props.network)) {
    problems.push(`network '${props.network}' must be a VPC self link or projects/<project>/global/networks/<name>`);
  }
  if (!SQL_DATABASE_NAME_PATTERN.test(databaseName)) problems.push(`databaseName '${databaseName}' must be letters, digits and '_', starting with a letter, at most 63`);
  if (!/^db-/.test(s.tier)) problems.push(`tier '${s.tier}' must be a Cloud SQL tier (db-…)`);
  if (!Number.isInteger(s.diskSizeGb) || s.diskSizeGb < 10 || s.diskSizeGb > 65536) problems.push(`diskSizeGb must be a whole number from 10 to 65536, got ${s.diskSizeGb}`);
  if (!Number.isInteger(s.retainedBackups) || s.retainedBackups < 1 || s.retainedBackups > 365) problems.push(`retainedBackups must be a whole number from 1 to 365, got ${s.retainedBackups}`);
  if (!Number.isInteger(s.transactionLogRetentionDays) || s.transactionLogRetentionDays < 1 || s.transactionLogRetentionDays > 7) {
    problems.push(`transactionLogRetentionDays must be a whole number from 1 to 7, got ${s.transactionLogRetentionDays}`);
  }
  if (problems.length > 0) throw new Error(`GcpServiceDatabase ${props.name}: ${problems.join('; ')}`);
}
