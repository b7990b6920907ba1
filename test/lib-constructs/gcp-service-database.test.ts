import { TerraformOutput, Testing, TerraformStack } from 'cdktf';
import { gcpStack } from './gcp-helpers';
import { GcpServiceDatabase } from '../../lib-constructs/gcp/service-database';
import type { GcpPostgresDatabaseProps } from '../../lib-constructs/gcp/service-database';

const NETWORK = 'projects/p/global/networks/main';

/** What Terraform would print for `value`: adds an output to the stack and reads it back from the synth. */
function output(s: TerraformStack, value: unknown): unknown {
  const id = `Out${s.node.children.length}`;
  new TerraformOutput(s, id, { value });
  return (JSON.parse(Testing.synth(s)) as { output: Record<string, { value: unknown }> }).output[id]?.value;
}

/** The value, which the test expects to be there. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

function stack(): TerraformStack {
  return gcpStack('p', 'test');
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function resources(s: TerraformStack): Resources {
  return (JSON.parse(Testing.synth(s)) as { resource: Resources }).resource;
}

function pg(over: Partial<GcpPostgresDatabaseProps> = {}): GcpPostgresDatabaseProps {
  return { engine: 'postgres', name: 'orders-db', location: 'europe-west1', network: NETWORK, ...over };
}

describe('GcpServiceDatabase', () => {
  test('firestore: a native-mode database with point-in-time recovery and delete protection, abandoned on destroy', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const db = new GcpServiceDatabase(s, 'Db', { engine: 'firestore', name: 'orders', location: 'eur3' });
    // THEN
    const r = resources(s);
    expect(Object.keys(r)).toEqual(['google_firestore_database']);
    const fs = Object.values(r.google_firestore_database ?? {});
    expect(fs).toEqual([
      {
        name: 'orders',
        location_id: 'eur3',
        type: 'FIRESTORE_NATIVE',
        point_in_time_recovery_enablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
        delete_protection_state: 'DELETE_PROTECTION_ENABLED',
        deletion_policy: 'ABANDON',
      },
    ]);
    expect(db.engine).toBe('firestore');
    expect(db.firestoreDatabase).toBeDefined();
    expect(db.sqlInstance).toBeUndefined();
    expect(db.databaseName).toBe('orders');
    expect(output(s, db.connectionName)).toMatch(/^\$\{google_firestore_database\.Db_Database_[0-9A-F]{8}\.id\}$/);
  });

  test('postgres: PostgreSQL 16 on a private IP only, encrypted connections only, backups with PITR, deletion protection', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const db = new GcpServiceDatabase(s, 'Db', pg());
    // THEN
    const r = resources(s);
    const instances = Object.values(r.google_sql_database_instance ?? {});
    expect(instances).toHaveLength(1);
    const i = instances[0] as { settings: Record<string, unknown> } & Record<string, unknown>;
    expect(i).toMatchObject({ name: 'orders-db', region: 'europe-west1', database_version: 'POSTGRES_16', deletion_protection: true });
    expect(i.settings).toMatchObject({
      edition: 'ENTERPRISE',
      tier: 'db-custom-1-3840',
      availability_type: 'REGIONAL',
      disk_autoresize: true,
      deletion_protection_enabled: true,
      ip_configuration: { ipv4_enabled: false, private_network: NETWORK, ssl_mode: 'ENCRYPTED_ONLY' },
      backup_configuration: {
        enabled: true,
        point_in_time_recovery_enabled: true,
        transaction_log_retention_days: 7,
        backup_retention_settings: { retained_backups: 14, retention_unit: 'COUNT' },
      },
    });
    expect(i.settings.database_flags).toContainEqual({ name: 'cloudsql.iam_authentication', value: 'on' });
    expect(i).not.toHaveProperty('root_password');
    expect(r).not.toHaveProperty('google_sql_user');
    const dbs = Object.values(r.google_sql_database ?? {});
    expect(dbs).toHaveLength(1);
    expect(dbs[0]).toMatchObject({ name: 'orders_db', deletion_policy: 'ABANDON' });
    expect(must(dbs[0], 'database').instance).toMatch(/^\$\{google_sql_database_instance\.Db_Instance_[0-9A-F]{8}\.name\}$/);
    // AND the handles
    expect(output(s, db.connectionName)).toMatch(/\.connection_name\}$/);
    expect(output(s, db.privateIpAddress)).toMatch(/\.private_ip_address\}$/);
    expect(db.databaseName).toBe('orders_db');
  });

  test('postgres: sizing, retention and the private range are set from the props', () => {
    const s = stack();
    new GcpServiceDatabase(s, 'Db', pg({ databaseName: 'orders', tier: 'db-custom-2-7680', availabilityType: 'ZONAL', diskSizeGb: 50, retainedBackups: 30, transactionLogRetentionDays: 3, allocatedIpRange: 'psa-range' }));
    const r = resources(s);
    const i = Object.values(r.google_sql_database_instance ?? {})[0] as { settings: Record<string, unknown> };
    expect(i.settings).toMatchObject({
      tier: 'db-custom-2-7680',
      availability_type: 'ZONAL',
      disk_size: 50,
      ip_configuration: { ipv4_enabled: false, allocated_ip_range: 'psa-range' },
      backup_configuration: { transaction_log_retention_days: 3, backup_retention_settings: { retained_backups: 30 } },
    });
    expect(must(Object.values(r.google_sql_database ?? {})[0], 'database').name).toBe('orders');
  });

  test('postgres: deletion protection can be switched off deliberately (both Terraform and Cloud SQL)', () => {
    const s = stack();
    new GcpServiceDatabase(s, 'Db', pg({ deletionProtection: false }));
    const i = Object.values(resources(s).google_sql_database_instance ?? {})[0] as { settings: Record<string, unknown> } & Record<string, unknown>;
    expect(i.deletion_protection).toBe(false);
    expect(i.settings.deletion_protection_enabled).toBe(false);
  });

  test('invalid props are refused, all problems at once', () => {
    // GIVEN / WHEN / THEN
    expect(() => new GcpServiceDatabase(stack(), 'D', pg({ network: '' }))).toThrow('private IP only');
    expect(() => new GcpServiceDatabase(stack(), 'D', pg({ network: 'main' }))).toThrow("network 'main'");
    expect(() => new GcpServiceDatabase(stack(), 'D', pg({ name: 'Orders_DB', retainedBackups: 0, transactionLogRetentionDays: 8 }))).toThrow(
      /name 'Orders_DB'.*retainedBackups.*transactionLogRetentionDays/,
    );
    expect(() => new GcpServiceDatabase(stack(), 'D', pg({ diskSizeGb: 5 }))).toThrow('diskSizeGb');
    expect(() => new GcpServiceDatabase(stack(), 'D', pg({ tier: 'n1-standard-1' }))).toThrow("tier 'n1-standard-1'");
    expect(() => new GcpServiceDatabase(stack(), 'D', { engine: 'firestore', name: 'ab', location: 'eur3' })).toThrow("name 'ab'");
    expect(() => new GcpServiceDatabase(stack(), 'D', { engine: 'mysql', name: 'x', location: 'l' } as unknown as GcpPostgresDatabaseProps)).toThrow("engine must be 'firestore' or 'postgres'");
  });
});
