import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeExplicitZones } from '../core/nag';
import {
  DEFAULT_CIDR,
  DEFAULT_FLOW_LOG_RETENTION,
  DEFAULT_MAX_AZS,
  DEFAULT_NAT,
  DEFAULT_NAT_INSTANCE_TYPE,
  type NatMode,
  defaultAvailabilityZones,
  isolatedFargateEndpoints,
} from '../core/network-defaults';

export type { NatMode } from '../core/network-defaults';

/**
 * What the VPC-based constructs need of a network. `ServiceNetwork` is one; an existing VPC and cluster can be
 * passed as a plain object.
 */
export interface IServiceNetwork {
  readonly vpc: ec2.IVpc;
  /**
   * The VPC's IPv4 range, as a literal where possible (security-group rules built from it stay readable to
   * cdk-nag, which cannot evaluate Fn::GetAtt).
   */
  readonly cidr: string;
  /** The ECS cluster services and workers run in. */
  readonly cluster: ecs.ICluster;
  /** Where tasks, internal load balancers and caches go. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Where internet-facing load balancers go. */
  readonly publicSubnets: ec2.SubnetSelection;
  /**
   * Makes an AWS service's API reachable from the private subnets (see `ServiceNetwork.ensureServiceEndpoint`).
   * Absent for a network whose private subnets reach AWS APIs by other means.
   */
  ensureServiceEndpoint?(service: ec2.InterfaceVpcEndpointAwsService): void;
}

export interface ServiceNetworkProps {
  /**
   * How the private subnets reach the internet: 'gateway' one NAT gateway; 'gateway-per-az' one per zone (no
   * zone is a single point of egress); 'instance' one NAT instance (t4g.nano, cheapest, you patch nothing but it
   * is a single instance); 'none' no internet at all: the private subnets are isolated and reach AWS through
   * VPC endpoints (S3 and DynamoDB gateways, and interface endpoints for ECR and CloudWatch Logs, about
   * 7 USD a month per endpoint and zone).
   * @default 'gateway'
   */
  readonly nat?: NatMode;
  /**
   * The zones of the VPC (at least two: load balancers and serverless caches need two). Explicit zones let a
   * stack with a concrete `env` synthesize without an availability-zone lookup.
   * @default - `<region>a` and `<region>b` when the stack's region is concrete (ap-northeast-1: a and c);
   * otherwise two zones from Fn::GetAZs
   */
  readonly availabilityZones?: string[];
  /**
   * The VPC's IPv4 range; it is split evenly between the public and private subnets of each zone.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * How long VPC flow logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The VPC of an architecture: public and private subnets in two zones, NAT as chosen, flow logs of all traffic
 * to a CloudWatch log group with retention, free gateway endpoints for S3 and DynamoDB, and (on first use) an ECS
 * cluster with Container Insights. Nothing in it needs a custom resource or a context lookup.
 */
export class ServiceNetwork extends Construct implements IServiceNetwork {
  readonly vpc: ec2.Vpc;
  readonly nat: NatMode;
  readonly cidr: string;
  readonly flowLogGroup: logs.LogGroup;
  readonly privateSubnets: ec2.SubnetSelection;
  readonly publicSubnets: ec2.SubnetSelection;
  /** The NAT instance's provider (`nat: 'instance'` only), e.g. to read its security group. */
  readonly natInstanceProvider?: ec2.NatInstanceProviderV2;
  private _cluster?: ecs.Cluster;
  private readonly endpoints = new Map<string, ec2.InterfaceVpcEndpoint>();

  constructor(scope: Construct, id: string, props: ServiceNetworkProps = {}) {
    super(scope, id);
    const nat = props.nat ?? DEFAULT_NAT;
    if (!['none', 'instance', 'gateway', 'gateway-per-az'].includes(nat)) {
      throw new Error(`nat must be 'none', 'instance', 'gateway' or 'gateway-per-az', got '${String(nat)}'`);
    }
    this.nat = nat;
    this.cidr = props.cidr ?? DEFAULT_CIDR;
    const stack = Stack.of(this);
    const zones = props.availabilityZones ?? (Token.isUnresolved(stack.region) ? undefined : defaultAvailabilityZones(stack.region));
    if (zones !== undefined && (zones.length < 2 || new Set(zones).size !== zones.length)) {
      throw new Error(`availabilityZones must name at least two different zones, got [${zones.join(', ')}]`);
    }
    const privateType = nat === 'none' ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS;
    this.natInstanceProvider =
      nat === 'instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: new ec2.InstanceType(DEFAULT_NAT_INSTANCE_TYPE),
            // Inbound only from inside the VPC (the provider's default opens it to 0.0.0.0/0).
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
          })
        : undefined;
    const natGateways = nat === 'none' ? 0 : nat === 'gateway-per-az' ? (zones?.length ?? DEFAULT_MAX_AZS) : 1;

    this.vpc = withStackZones(stack, zones, () =>
      new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(this.cidr),
        ...(zones !== undefined ? { availabilityZones: zones } : { maxAzs: DEFAULT_MAX_AZS }),
        natGateways,
        ...(this.natInstanceProvider ? { natGatewayProvider: this.natInstanceProvider } : {}),
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
          { name: 'private', subnetType: privateType },
        ],
        gatewayEndpoints: {
          S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
          DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        },
        // `true` strips the default security group's rules through a Lambda-backed custom resource
        // (Custom::VpcRestrictDefaultSG), which moto cannot run. Nothing here uses the default group: every
        // construct creates its own security groups.
        restrictDefaultSecurityGroup: false,
      }),
    );
    if (zones !== undefined) acknowledgeExplicitZones(this.vpc);
    this.privateSubnets = { subnetType: privateType };
    this.publicSubnets = { subnetType: ec2.SubnetType.PUBLIC };

    if (this.natInstanceProvider) {
      this.natInstanceProvider.connections.allowFrom(ec2.Peer.ipv4(this.cidr), ec2.Port.allTraffic(), 'traffic from the VPC to NAT');
      hardenNatInstances(this.vpc);
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? DEFAULT_FLOW_LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    if (nat === 'none') for (const service of isolatedFargateEndpoints()) this.ensureServiceEndpoint(service);
  }

  /**
   * The ECS cluster (Container Insights on), created on first access so a network that only holds caches has
   * none.
   */
  get cluster(): ecs.Cluster {
    this._cluster ??= new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    return this._cluster;
  }

  /**
   * Makes an AWS service's API reachable from the private subnets: nothing to do when they have a NAT; with
   * `nat: 'none'`, an interface endpoint (private DNS, HTTPS from inside the VPC only), created once per service.
   */
  ensureServiceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): void {
    if (this.nat !== 'none' || this.endpoints.has(service.name)) return;
    const id = service.shortName.replace(/[^A-Za-z0-9]/g, '-');
    const endpoint = this.vpc.addInterfaceEndpoint(`Endpoint-${id}`, { service, subnets: this.privateSubnets, privateDnsEnabled: true, open: false });
    endpoint.connections.allowFrom(ec2.Peer.ipv4(this.cidr), ec2.Port.tcp(443), `HTTPS to ${service.shortName} from the VPC`);
    this.endpoints.set(service.name, endpoint);
  }
}

/**
 * Runs `build` (the VPC's constructor) with the stack answering `availabilityZones` with `zones`.
 *
 * ec2.Vpc reads `Stack.availabilityZones` even when it is given explicit zones (only to check them against the
 * stack's), and for a stack with a concrete account and region that read registers an availability-zone
 * context lookup, which fails offline and without credentials. When the stack has no such context yet, the
 * stack answers with the VPC's own zones for the length of the constructor only, so the check passes and no
 * lookup is registered; afterwards the stack is as it was.
 */
function withStackZones<T>(stack: Stack, zones: string[] | undefined, build: () => T): T {
  const key = `availability-zones:account=${stack.account}:region=${stack.region}`;
  const agnostic = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region);
  if (zones === undefined || agnostic || stack.node.tryGetContext(key) !== undefined) return build();
  Object.defineProperty(stack, 'availabilityZones', { value: [...zones], configurable: true });
  try {
    return build();
  } finally {
    Reflect.deleteProperty(stack, 'availabilityZones');
  }
}

/**
 * The NAT instance as cdk-nag wants an instance: an encrypted root volume (EC26), detailed monitoring (EC28) and
 * termination protection (EC29; turn it off on the instance before deleting the stack or replacing the NAT).
 */
function hardenNatInstances(vpc: ec2.Vpc): void {
  for (const child of vpc.node.findAll()) {
    if (!(child instanceof ec2.CfnInstance)) continue;
    child.monitoring = true;
    child.disableApiTermination = true;
    child.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } }];
  }
}
