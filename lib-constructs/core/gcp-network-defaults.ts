/**
 * Defaults of the private network allframe builds on GCP: the subnetwork Cloud Run's Direct VPC egress uses and the
 * range reserved for Google's managed services. Functions return fresh values.
 */

/** The subnetwork's range: 4,096 addresses, room for about 2,000 Cloud Run instances (two addresses each). */
export const DEFAULT_RUN_SUBNET_CIDR = '10.8.0.0/20';

/** A /16 for private services access: what Cloud SQL and other producers need across regions and tiers. */
export const DEFAULT_PRIVATE_SERVICES_PREFIX_LENGTH = 16;

/** VPC flow logs on the subnetwork: every 5 s, half the flows sampled, all metadata. */
export function defaultSubnetFlowLogs(): { aggregationInterval: string; flowSampling: number; metadata: string } {
  return { aggregationInterval: 'INTERVAL_5_SEC', flowSampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' };
}
