import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection';
import { Construct } from 'constructs';
import { DEFAULT_PRIVATE_SERVICES_PREFIX_LENGTH, DEFAULT_RUN_SUBNET_CIDR, defaultSubnetFlowLogs } from '../core/gcp-network-defaults';

export interface GcpServiceNetworkProps {
  /** The VPC's name; the subnetwork and the private-services range are named after it. */
  readonly name: string;
  /** The region of the subnetwork Cloud Run's Direct VPC egress takes addresses from. */
  readonly region: string;
  /**
   * The subnetwork's range (at least a /26; Direct VPC egress uses two addresses per instance).
   * @default '10.8.0.0/20'
   */
  readonly subnetCidr?: string;
  /**
   * Prefix length of the range reserved for Google's managed services (Cloud SQL private IP).
   * @default 16
   */
  readonly privateServicesPrefixLength?: number;
}

/**
 * The private network of an architecture: a custom-mode VPC (no automatic subnetworks), one regional
 * subnetwork with Private Google Access and flow logs for Cloud Run's Direct VPC egress, and private services
 * access (a reserved range peered with `servicenetworking.googleapis.com`) so Cloud SQL gets a private IP only.
 * Databases that need the peering depend on `privateServicesConnection`. A Cloud Router with Cloud NAT lets
 * services whose egress goes all through the VPC (to call internal Cloud Run services) still reach the internet,
 * from no public address of their own.
 */
export class GcpServiceNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnetwork: ComputeSubnetwork;
  readonly privateServicesRange: ComputeGlobalAddress;
  readonly privateServicesConnection: ServiceNetworkingConnection;
  readonly router: ComputeRouter;
  readonly nat: ComputeRouterNat;
  /** `projects/<p>/global/networks/<name>`, what Cloud SQL and Memorystore take. */
  readonly networkId: string;
  /** The subnetwork's id, what Cloud Run's Direct VPC egress takes. */
  readonly subnetworkId: string;

  constructor(scope: Construct, id: string, props: GcpServiceNetworkProps) {
    super(scope, id);
    const cidr = props.subnetCidr ?? DEFAULT_RUN_SUBNET_CIDR;
    const prefix = props.privateServicesPrefixLength ?? DEFAULT_PRIVATE_SERVICES_PREFIX_LENGTH;
    const problems: string[] = [];
    if (!/^[a-z]([-a-z0-9]{0,52}[a-z0-9])?$/.test(props.name)) problems.push(`name '${props.name}' must be 1 to 54 lowercase letters, digits and hyphens, starting with a letter`);
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 26 || Number(m[5]) < 8) problems.push(`subnetCidr '${cidr}' must be an IPv4 range from /8 to /26`);
    if (!Number.isInteger(prefix) || prefix < 8 || prefix > 24) problems.push(`privateServicesPrefixLength must be a whole number from 8 to 24, got ${prefix}`);
    if (props.region === '') problems.push('region must not be empty');
    if (problems.length > 0) throw new Error(`GcpServiceNetwork ${props.name}: ${problems.join('; ')}`);

    this.network = new ComputeNetwork(this, 'Network', {
      name: props.name,
      autoCreateSubnetworks: false,
      routingMode: 'REGIONAL',
      description: 'Private network of the services: Cloud Run egress, Cloud SQL and Memorystore.',
    });
    this.networkId = this.network.id;
    this.subnetwork = new ComputeSubnetwork(this, 'Subnetwork', {
      name: `${props.name}-${props.region}`,
      region: props.region,
      network: this.networkId,
      ipCidrRange: cidr,
      privateIpGoogleAccess: true,
      logConfig: defaultSubnetFlowLogs(),
    });
    this.privateServicesRange = new ComputeGlobalAddress(this, 'PrivateServicesRange', {
      name: `${props.name}-private-services`,
      purpose: 'VPC_PEERING',
      addressType: 'INTERNAL',
      prefixLength: prefix,
      network: this.networkId,
    });
    this.subnetworkId = this.subnetwork.id;
    this.privateServicesConnection = new ServiceNetworkingConnection(this, 'PrivateServicesConnection', {
      network: this.networkId,
      service: 'servicenetworking.googleapis.com',
      reservedPeeringRanges: [this.privateServicesRange.name],
      // Removing the peering while Cloud SQL still uses it fails; Terraform forgets it instead.
      deletionPolicy: 'ABANDON',
    });
    this.router = new ComputeRouter(this, 'Router', { name: `${props.name}-${props.region}`, region: props.region, network: this.networkId });
    this.nat = new ComputeRouterNat(this, 'Nat', {
      name: `${props.name}-${props.region}`,
      region: props.region,
      router: this.router.name,
      natIpAllocateOption: 'AUTO_ONLY',
      sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
      logConfig: { enable: true, filter: 'ERRORS_ONLY' },
    });
  }
}
