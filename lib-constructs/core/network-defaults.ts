/** Defaults of the VPC allframe builds for the services that need one (containers, caches). */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';

/** How the private subnets reach the internet. */
export type NatMode = 'none' | 'instance' | 'gateway' | 'gateway-per-az';

/** One NAT gateway: managed and reliable, the cheapest managed choice (one AZ's NAT is a single point of egress). */
export const DEFAULT_NAT: NatMode = 'gateway';

/** The VPC's address range. */
export const DEFAULT_CIDR = '10.0.0.0/16';

/** Availability zones of a VPC whose region is not known at synthesis (resolved with Fn::GetAZs). */
export const DEFAULT_MAX_AZS = 2;

/** Instance type of the NAT instance (`nat: 'instance'`): Graviton, the smallest there is. */
export const DEFAULT_NAT_INSTANCE_TYPE = 't4g.nano';

/** How long VPC flow logs are kept. */
export const DEFAULT_FLOW_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * Regions where zone "b" is not offered to (new) accounts; the zones listed instead. us-west-1 offers two of a, b
 * and c depending on the account: pass `availabilityZones` there.
 */
const ZONE_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  'ap-northeast-1': ['ap-northeast-1a', 'ap-northeast-1c'],
};

/** Two zones of a concrete region: `<region>a` and `<region>b`, or the known exception. */
export function defaultAvailabilityZones(region: string): string[] {
  return [...(ZONE_EXCEPTIONS[region] ?? [`${region}a`, `${region}b`])];
}

/** Interface endpoints the private subnets need to run Fargate tasks when they have no NAT (image pull, logs). */
export function isolatedFargateEndpoints(): ec2.InterfaceVpcEndpointAwsService[] {
  return [
    ec2.InterfaceVpcEndpointAwsService.ECR,
    ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  ];
}
