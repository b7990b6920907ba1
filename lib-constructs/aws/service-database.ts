import { Duration, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  AURORA_POSTGRES_VERSION,
  DEFAULT_DATABASE_LOG_RETENTION,
  DEFAULT_IAM_USER,
  DEFAULT_MASTER_USERNAME,
  DEFAULT_ROTATION_INTERVAL,
  defaultPostgresClusterProps,
} from '../core/database-defaults';
import type { IServiceNetwork } from './service-network';
import { ServiceTable } from './service-table';

/** One DynamoDB table of a service. */
export interface ServiceDatabaseTable {
  /** Physical table name (the runtime's `${TABLE_PREFIX}-<name>`). */
  readonly name: string;
  /**
   * Attribute holding an epoch-seconds expiry.
   * @default - no TTL
   */
  readonly ttlAttribute?: string;
}

/** A service database made of DynamoDB tables. */
export interface DynamoDbServiceDatabaseProps {
  readonly engine: 'dynamodb';
  /** The tables, one ServiceTable each. */
  readonly tables: readonly ServiceDatabaseTable[];
  /**
   * Deletion protection and retention on stack deletion; switch off only for throwaway environments.
   * @default true
   */
  readonly protect?: boolean;
}

/** A service database on Aurora PostgreSQL Serverless v2. */
export interface PostgresServiceDatabaseProps {
  readonly engine: 'postgres';
  /**
   * The network of the cluster (give this or `vpc`): its private subnets by default, and the Secrets Manager
   * endpoint it provides when they have no route to the internet, for the rotation function.
   * @default - `vpc`
   */
  readonly network?: IServiceNetwork;
  /**
   * The VPC of the cluster (give this or `network`).
   * @default - the network's VPC
   */
  readonly vpc?: ec2.IVpc;
  /** The database created in the cluster. */
  readonly databaseName: string;
  /**
   * Subnets of the cluster and of the rotation function; never public ones. In isolated subnets of a plain `vpc`
   * the rotation function needs a Secrets Manager interface endpoint in the VPC to rotate the secret.
   * @default - the network's private subnets; for a `vpc`, its private subnets with egress, else its isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Minimum capacity, in Aurora capacity units (0 lets the cluster pause when idle).
   * @default 0.5
   */
  readonly minCapacity?: number;
  /**
   * Maximum capacity, in Aurora capacity units.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Serverless v2 readers next to the writer (they scale with it and are failover targets).
   * @default 0
   */
  readonly readers?: number;
  /**
   * The port the cluster listens on.
   * @default 5433
   */
  readonly port?: number;
  /**
   * The cluster identifier (lower case); its PostgreSQL log group is `/aws/rds/cluster/<identifier>/postgresql`.
   * @default - derived from the construct path (stable across deployments)
   */
  readonly clusterIdentifier?: string;
  /**
   * The master user, whose generated password is kept in the secret.
   * @default 'postgres'
   */
  readonly masterUsername?: string;
  /**
   * The database user `grantDataAccess` lets a grantee connect as with IAM authentication (a migration creates it
   * and grants it `rds_iam`).
   * @default 'app'
   */
  readonly iamUser?: string;
  /**
   * How often the master secret is rotated (hosted single-user rotation).
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * KMS key encrypting the storage.
   * @default - the AWS-managed RDS key
   */
  readonly storageEncryptionKey?: kms.IKey;
  /**
   * How long the exported PostgreSQL log is kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Deletion protection, and a final snapshot (the log group retained) on stack deletion; switch off only for
   * throwaway environments.
   * @default true
   */
  readonly protect?: boolean;
}

export type ServiceDatabaseProps = DynamoDbServiceDatabaseProps | PostgresServiceDatabaseProps;

/**
 * A service's database. `dynamodb`: one ServiceTable per table (on-demand, encrypted, PITR, deletion protection).
 * `postgres`: an Aurora PostgreSQL Serverless v2 cluster in private or isolated subnets, never publicly accessible,
 * with its own security group (no outbound rules, no inbound until `allowFrom`), storage encrypted, TLS required,
 * IAM database authentication, deletion protection, 7 days of backups, the PostgreSQL log exported to a log group
 * with retention, a non-default port, and the master credentials generated into a Secrets Manager secret rotated
 * every 30 days by a Secrets Manager hosted rotation function (no custom resource; the template gets the
 * `AWS::SecretsManager-2024-09-16` transform). `grantDataAccess` gives data access and nothing else.
 */
export class ServiceDatabase extends Construct {
  readonly engine: ServiceDatabaseProps['engine'];
  /** The DynamoDB tables by name (`dynamodb` only; empty for `postgres`). */
  readonly tables: Readonly<Record<string, ServiceTable>>;
  /** The Aurora cluster (`postgres` only). */
  readonly cluster?: rds.DatabaseCluster;
  /** The master credentials: engine, host, port, dbname, username, password (`postgres` only). */
  readonly secret?: secretsmanager.ISecret;
  /** The writer endpoint: hostname and port (`postgres` only). */
  readonly endpoint?: rds.Endpoint;
  /** The cluster's security group connections (`postgres` only). */
  readonly connections?: ec2.Connections;
  /** The exported PostgreSQL log (`postgres` only). */
  readonly logGroup?: logs.LogGroup;
  /** The database user IAM authentication connects as (`postgres` only). */
  readonly iamUser?: string;
  /**
   * The connection string of the IAM user, without a password (`postgres` only):
   * `postgresql://<iamUser>@<host>:<port>/<databaseName>?sslmode=require`. The password is an IAM authentication
   * token (`@aws-sdk/rds-signer`, valid 15 minutes, e.g. a `pg` Pool's `password` function); no secret value is
   * ever placed in an environment variable.
   */
  readonly url?: string;

  constructor(scope: Construct, id: string, props: ServiceDatabaseProps) {
    super(scope, id);
    this.engine = props.engine;
    if (props.engine === 'dynamodb') {
      this.tables = this.createTables(props);
      return;
    }
    this.tables = {};
    const pg = this.createCluster(props);
    this.cluster = pg.cluster;
    this.secret = pg.secret;
    this.endpoint = pg.cluster.clusterEndpoint;
    this.connections = pg.cluster.connections;
    this.logGroup = pg.logGroup;
    this.iamUser = props.iamUser ?? DEFAULT_IAM_USER;
    this.url = `postgresql://${this.iamUser}@${this.endpoint.hostname}:${this.endpoint.port}/${props.databaseName}?sslmode=require`;
  }

  /** Allow `other` to connect to the cluster's port (`postgres` only: DynamoDB has no network endpoint). */
  allowFrom(other: ec2.IConnectable, description?: string): void {
    if (!this.cluster) throw new Error('ServiceDatabase: a dynamodb database has no network endpoint to allow connections to');
    this.cluster.connections.allowDefaultPortFrom(other, description);
  }

  /**
   * Data access and nothing else: `dynamodb`, read and write items of exactly these tables; `postgres`,
   * `rds-db:connect` as the IAM user on this cluster, and reading the master secret (the runtime's DATABASE_URL).
   */
  grantDataAccess(grantee: iam.IGrantable): iam.Grant {
    if (this.cluster && this.secret && this.iamUser !== undefined) {
      return this.cluster.grantConnect(grantee, this.iamUser).combine(this.secret.grantRead(grantee));
    }
    const [first, ...rest] = Object.values(this.tables).map((t) => t.grantReadWriteData(grantee));
    if (!first) throw new Error('ServiceDatabase: no tables to grant access to');
    return rest.reduce((grant, g) => grant.combine(g), first);
  }

  private createTables(props: DynamoDbServiceDatabaseProps): Record<string, ServiceTable> {
    const problems: string[] = [];
    if (props.tables.length === 0) problems.push('a dynamodb database needs at least one table');
    const names = props.tables.map((t) => t.name);
    for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`table ${name} is listed twice`);
    for (const name of names) {
      if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) problems.push(`table name ${JSON.stringify(name)} must be 3 to 255 letters, digits, _ . -`);
    }
    if (problems.length > 0) throw new Error(`ServiceDatabase: ${problems.join('; ')}`);
    const tables: Record<string, ServiceTable> = {};
    props.tables.forEach((t, i) => {
      tables[t.name] = new ServiceTable(this, Token.isUnresolved(t.name) ? `Table${i}` : t.name, {
        tableName: t.name,
        ...(t.ttlAttribute !== undefined ? { timeToLiveAttribute: t.ttlAttribute } : {}),
        ...(props.protect !== undefined ? { protect: props.protect } : {}),
      });
    });
    return tables;
  }

  private createCluster(props: PostgresServiceDatabaseProps): { cluster: rds.DatabaseCluster; secret: secretsmanager.ISecret; logGroup: logs.LogGroup } {
    const defaults = defaultPostgresClusterProps();
    const protect = props.protect ?? true;
    const minCapacity = props.minCapacity ?? defaults.serverlessV2MinCapacity ?? 0.5;
    const maxCapacity = props.maxCapacity ?? defaults.serverlessV2MaxCapacity ?? 4;
    const readers = props.readers ?? 0;
    const clusterIdentifier = props.clusterIdentifier ?? defaultClusterIdentifier(this);
    const vpc = props.vpc ?? props.network?.vpc;
    if (!vpc || (props.vpc && props.network)) throw new Error('ServiceDatabase: give exactly one of network and vpc for a postgres database');
    const vpcSubnets =
      props.vpcSubnets ?? props.network?.privateSubnets ?? { subnetType: vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
    checkPostgresProps(props, vpc, { minCapacity, maxCapacity, readers, clusterIdentifier, vpcSubnets });

    // Created before the cluster, which would otherwise create it without retention on its first log line.
    const logGroup = new logs.LogGroup(this, 'PostgresqlLog', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: props.logRetention ?? DEFAULT_DATABASE_LOG_RETENTION,
      removalPolicy: protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Aurora PostgreSQL cluster of ${groupDescriptionSafe(this.node.path)}: inbound only from what it is allowed from`,
      allowAllOutbound: false,
    });
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      ...defaults,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_POSTGRES_VERSION }),
      vpc,
      vpcSubnets,
      securityGroups: [securityGroup],
      clusterIdentifier,
      defaultDatabaseName: props.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret(props.masterUsername ?? DEFAULT_MASTER_USERNAME),
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false }),
      readers: Array.from({ length: readers }, (_, i) => rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, { publiclyAccessible: false, scaleWithWriter: true })),
      serverlessV2MinCapacity: minCapacity,
      serverlessV2MaxCapacity: maxCapacity,
      ...(props.port !== undefined ? { port: props.port } : {}),
      ...(props.storageEncryptionKey ? { storageEncryptionKey: props.storageEncryptionKey } : {}),
      deletionProtection: protect,
      removalPolicy: protect ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    cluster.node.addDependency(logGroup);
    const secret = cluster.secret;
    if (!secret) throw new Error('ServiceDatabase: the cluster has no generated secret');

    // Hosted single-user rotation: Secrets Manager creates the rotation function (AWS::SecretsManager transform),
    // in the cluster's subnets, reaching the cluster's port and the Secrets Manager API over HTTPS only.
    const rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc,
      description: `Secret rotation function of ${groupDescriptionSafe(this.node.path)}: out to the cluster port and HTTPS (Secrets Manager API) only`,
      allowAllOutbound: false,
    });
    rotationSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API');
    const hostedRotation = secretsmanager.HostedRotation.postgreSqlSingleUser({ vpc, vpcSubnets, securityGroups: [rotationSecurityGroup] });
    secret.addRotationSchedule('Rotation', { hostedRotation, automaticallyAfter: props.rotationInterval ?? DEFAULT_ROTATION_INTERVAL });
    cluster.connections.allowDefaultPortFrom(hostedRotation, 'Secret rotation');
    props.network?.ensureServiceEndpoint?.(ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
    return { cluster, secret, logGroup };
  }
}

/** `text` with only the characters EC2 allows in a security group description. */
function groupDescriptionSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9. _\-:/()#,@[\]+=&;{}!$*]/g, '');
}

/** A lower-case, stable identifier from the construct path: letters, digits and single hyphens, at most 63. */
function defaultClusterIdentifier(scope: Construct): string {
  const name = Names.uniqueResourceName(scope, { maxLength: 60, separator: '-' })
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .replace(/-$/, '');
  return /^[a-z]/.test(name) ? name : `db-${name}`;
}

function checkPostgresProps(
  props: PostgresServiceDatabaseProps,
  vpc: ec2.IVpc,
  v: { minCapacity: number; maxCapacity: number; readers: number; clusterIdentifier: string; vpcSubnets: ec2.SubnetSelection },
): void {
  const problems: string[] = [];
  const identifier = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
  if (!Token.isUnresolved(props.databaseName) && !identifier.test(props.databaseName)) problems.push(`databaseName ${JSON.stringify(props.databaseName)} must be 1 to 63 letters, digits or _, starting with a letter`);
  if (props.iamUser !== undefined && !identifier.test(props.iamUser)) problems.push(`iamUser ${JSON.stringify(props.iamUser)} must be 1 to 63 letters, digits or _, starting with a letter`);
  if (props.masterUsername !== undefined && !identifier.test(props.masterUsername)) problems.push(`masterUsername ${JSON.stringify(props.masterUsername)} must be 1 to 63 letters, digits or _, starting with a letter`);
  const halves = (n: number) => Number.isInteger(n * 2);
  if (!halves(v.minCapacity) || v.minCapacity < 0 || v.minCapacity > 256) problems.push(`minCapacity must be a multiple of 0.5 from 0 to 256, got ${v.minCapacity}`);
  if (!halves(v.maxCapacity) || v.maxCapacity < 1 || v.maxCapacity > 256) problems.push(`maxCapacity must be a multiple of 0.5 from 1 to 256, got ${v.maxCapacity}`);
  if (v.minCapacity > v.maxCapacity) problems.push(`minCapacity (${v.minCapacity}) is above maxCapacity (${v.maxCapacity})`);
  if (!Number.isInteger(v.readers) || v.readers < 0 || v.readers > 15) problems.push(`readers must be a whole number from 0 to 15, got ${v.readers}`);
  if (props.port !== undefined && (!Number.isInteger(props.port) || props.port < 1150 || props.port > 65535)) problems.push(`port must be from 1150 to 65535, got ${props.port}`);
  if (!/^[a-z](?!.*--)[a-z0-9-]{0,62}$/.test(v.clusterIdentifier) || v.clusterIdentifier.endsWith('-')) problems.push(`clusterIdentifier ${JSON.stringify(v.clusterIdentifier)} must be 1 to 63 lower-case letters, digits or single hyphens, starting with a letter`);
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.node.path));
  if (vpc.selectSubnets(v.vpcSubnets).subnets.some((s) => publicIds.has(s.node.path))) problems.push('vpcSubnets selects public subnets: the database must be in private or isolated subnets');
  if (problems.length > 0) throw new Error(`ServiceDatabase: ${problems.join('; ')}`);
}
