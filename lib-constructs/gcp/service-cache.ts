import { RedisInstance } from '@cdktf/provider-google/lib/redis-instance';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { REDIS_INSTANCE_NAME_PATTERN, REDIS_TRANSIT_ENCRYPTION, defaultRedisSettings, isBlank } from '../core/gcp-data-defaults';

export interface GcpServiceCacheProps {
  /** The instance id: 1 to 40 lowercase letters, digits and hyphens, starting with a letter. */
  readonly name: string;
  /** The region, e.g. `europe-west1`. */
  readonly region: string;
  /** The VPC allowed to reach the instance (self link or `projects/<p>/global/networks/<n>`); nothing else can. */
  readonly authorizedNetwork: string;
  /**
   * `STANDARD_HA` (a replica in another zone, automatic failover) or `BASIC` (one node, no SLA).
   * @default 'STANDARD_HA'
   */
  readonly tier?: 'STANDARD_HA' | 'BASIC';
  /**
   * Memory in GB (1 to 300).
   * @default 1
   */
  readonly memorySizeGb?: number;
  /**
   * The Redis version.
   * @default 'REDIS_7_2'
   */
  readonly redisVersion?: string;
  /**
   * How the instance joins the VPC. `PRIVATE_SERVICE_ACCESS` needs the network's private services access.
   * @default 'DIRECT_PEERING'
   */
  readonly connectMode?: 'DIRECT_PEERING' | 'PRIVATE_SERVICE_ACCESS';
  /**
   * Labels on the instance.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * A Memorystore for Redis instance reachable only from the authorized VPC, highly available (`STANDARD_HA`) unless
 * told otherwise, with AUTH required and TLS in transit (`SERVER_AUTHENTICATION`; clients trust the instance's server
 * CA, `instance.serverCaCerts`). The AUTH string is never passed in plain configuration: services read it from the
 * instance (`gcloud redis instances get-auth-string`) or a secret. Note that Terraform keeps it in its state.
 */
export class GcpServiceCache extends Construct {
  /** The Redis instance. */
  readonly instance: RedisInstance;
  /** The instance's private IP address. */
  readonly host: string;
  /** The port Redis listens on. */
  readonly port: number;

  constructor(scope: Construct, id: string, props: GcpServiceCacheProps) {
    super(scope, id);
    const d = defaultRedisSettings();
    const tier = props.tier ?? d.tier;
    const memorySizeGb = props.memorySizeGb ?? d.memorySizeGb;
    const problems: string[] = [];
    if (!REDIS_INSTANCE_NAME_PATTERN.test(props.name)) problems.push(`name '${props.name}' must be 1 to 40 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen`);
    if (isBlank(props.region)) problems.push('region must not be empty');
    if (isBlank(props.authorizedNetwork)) problems.push('authorizedNetwork must be a VPC self link');
    else if (!Token.isUnresolved(props.authorizedNetwork) && !/(^|\/)projects\/[^/]+\/global\/networks\/[^/]+$/.test(props.authorizedNetwork)) {
      problems.push(`authorizedNetwork '${props.authorizedNetwork}' must be a VPC self link or projects/<project>/global/networks/<name>`);
    }
    if (!Number.isInteger(memorySizeGb) || memorySizeGb < 1 || memorySizeGb > 300) problems.push(`memorySizeGb must be a whole number from 1 to 300, got ${memorySizeGb}`);
    if (tier !== 'STANDARD_HA' && tier !== 'BASIC') problems.push(`tier must be 'STANDARD_HA' or 'BASIC', got '${String(tier)}'`);
    if (problems.length > 0) throw new Error(`GcpServiceCache ${props.name}: ${problems.join('; ')}`);

    this.instance = new RedisInstance(this, 'Instance', {
      name: props.name,
      region: props.region,
      tier,
      memorySizeGb,
      redisVersion: props.redisVersion ?? d.redisVersion,
      connectMode: props.connectMode ?? d.connectMode,
      authorizedNetwork: props.authorizedNetwork,
      authEnabled: true,
      transitEncryptionMode: REDIS_TRANSIT_ENCRYPTION,
      ...(props.labels !== undefined ? { labels: props.labels } : {}),
    });
    this.host = this.instance.host;
    // With transit encryption on, Memorystore still listens on 6379 (TLS); the attribute is exposed as a number.
    this.port = this.instance.port;
  }
}
