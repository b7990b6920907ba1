import { Names } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  CACHE_PORT,
  CACHE_READER_PORT,
  type CacheEngine,
  DEFAULT_CACHE_ENGINE,
  DEFAULT_MAJOR_ENGINE_VERSION,
  DEFAULT_SNAPSHOT_RETENTION_DAYS,
} from '../core/cache-defaults';
import type { IServiceNetwork } from './service-network';

export type { CacheEngine } from '../core/cache-defaults';

export interface ServiceCacheProps {
  /** The network whose private subnets hold the cache. */
  readonly network: IServiceNetwork;
  /**
   * The engine.
   * @default 'valkey'
   */
  readonly engine?: CacheEngine;
  /**
   * The engine's major version.
   * @default - '8' for valkey, '7' for redis
   */
  readonly majorEngineVersion?: string;
  /**
   * A customer-managed key for encryption at rest.
   * @default - an AWS-owned key (the cache is always encrypted at rest and in transit)
   */
  readonly kmsKey?: kms.IKey;
  /**
   * The most data the cache may hold, in GB (1 to 5000); the cache evicts beyond it.
   * @default - no limit
   */
  readonly maxDataStorageGb?: number;
  /**
   * The most ElastiCache Processing Units per second (1000 to 15000000); requests beyond it are throttled.
   * @default - no limit
   */
  readonly maxEcpuPerSecond?: number;
  /**
   * Days a daily snapshot is kept (0 turns snapshots off; at most 35).
   * @default 1
   */
  readonly snapshotRetentionDays?: number;
  /**
   * The cache's name (1 to 40 lowercase letters, digits and single hyphens, starting with a letter).
   * @default - derived from the construct path, stable across deployments
   */
  readonly cacheName?: string;
  /**
   * An ElastiCache user group for RBAC (AUTH with users and passwords or IAM).
   * @default - none: the security group alone decides who connects
   */
  readonly userGroupId?: string;
}

/**
 * An ElastiCache Serverless cache (Valkey by default) in the network's private subnets, with its own security
 * group that accepts the engine's ports only from what `allowFrom` names and sends nothing out. Encryption in
 * transit is always on (clients must use TLS: `rediss://`), encryption at rest uses an AWS-owned key unless
 * `kmsKey` is given, and a daily snapshot is kept.
 */
export class ServiceCache extends Construct implements ec2.IConnectable {
  readonly cache: elasticache.CfnServerlessCache;
  readonly securityGroup: ec2.SecurityGroup;
  /** The cache's security group, with the engine ports as its default port. */
  readonly connections: ec2.Connections;
  /** The primary endpoint's host name. */
  readonly endpointAddress: string;
  /** The primary endpoint's port (a token resolving to 6379). */
  readonly endpointPort: string;
  /** `rediss://host:port` of the primary endpoint (TLS). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ServiceCacheProps) {
    super(scope, id);
    const engine = props.engine ?? DEFAULT_CACHE_ENGINE;
    if (engine !== 'valkey' && engine !== 'redis') throw new Error(`engine must be 'valkey' or 'redis', got '${String(engine)}'`);
    const snapshotRetentionLimit = props.snapshotRetentionDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS;
    inRange('snapshotRetentionDays', snapshotRetentionLimit, 0, 35);
    if (props.maxDataStorageGb !== undefined) inRange('maxDataStorageGb', props.maxDataStorageGb, 1, 5000);
    if (props.maxEcpuPerSecond !== undefined) inRange('maxEcpuPerSecond', props.maxEcpuPerSecond, 1000, 15_000_000);
    const name = props.cacheName ?? Names.uniqueResourceName(this, { maxLength: 40, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '').replace(/-+/g, '-').replace(/^[^a-z]+/, '');
    if (!/^[a-z](?:-?[a-z0-9])*$/.test(name) || name.length > 40) {
      throw new Error(`cacheName must be 1 to 40 lowercase letters, digits and single hyphens, starting with a letter, got '${name}'`);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: `ElastiCache Serverless ${name}: engine ports from granted security groups only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcpRange(CACHE_PORT, CACHE_READER_PORT),
    });
    const limits = {
      ...(props.maxDataStorageGb !== undefined ? { dataStorage: { maximum: props.maxDataStorageGb, unit: 'GB' } } : {}),
      ...(props.maxEcpuPerSecond !== undefined ? { ecpuPerSecond: { maximum: props.maxEcpuPerSecond } } : {}),
    };
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: name,
      description: `allframe cache ${name}`,
      engine,
      majorEngineVersion: props.majorEngineVersion ?? DEFAULT_MAJOR_ENGINE_VERSION[engine],
      subnetIds: props.network.vpc.selectSubnets(props.network.privateSubnets).subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit,
      ...(props.kmsKey !== undefined ? { kmsKeyId: props.kmsKey.keyArn } : {}),
      ...(Object.keys(limits).length > 0 ? { cacheUsageLimits: limits } : {}),
      ...(props.userGroupId !== undefined ? { userGroupId: props.userGroupId } : {}),
    });
    this.endpointAddress = this.cache.attrEndpointAddress;
    this.endpointPort = this.cache.attrEndpointPort;
    this.url = `rediss://${this.endpointAddress}:${this.endpointPort}`;
  }

  /** Lets `other` (a service, a worker, a function in the VPC) connect to the cache's ports. */
  allowFrom(other: ec2.IConnectable, description?: string): void {
    this.connections.allowDefaultPortFrom(other, description ?? 'cache clients');
  }
}

function inRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
}
