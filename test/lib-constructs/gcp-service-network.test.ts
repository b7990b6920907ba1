import type { TerraformStack } from 'cdktf';
import { gcpStack, synthJson } from './gcp-helpers';
import { GcpServiceNetwork } from '../../lib-constructs/gcp/service-network';

type Json = Record<string, unknown>;

function synth(build: (s: TerraformStack) => void): Record<string, Record<string, Json>> {
  const s = gcpStack('acme-prod');
  build(s);
  return synthJson<{ resource: Record<string, Record<string, Json>> }>(s).resource;
}

const one = (r: Record<string, Record<string, Json>>, type: string): Json => {
  const all = Object.values(r[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('GcpServiceNetwork', () => {
  const r = synth((s) => new GcpServiceNetwork(s, 'Net', { name: 'shop', region: 'europe-west1' }));

  test('a custom-mode VPC and one regional subnetwork with Private Google Access and flow logs', () => {
    expect(one(r, 'google_compute_network')).toMatchObject({ name: 'shop', auto_create_subnetworks: false, routing_mode: 'REGIONAL' });
    expect(one(r, 'google_compute_subnetwork')).toMatchObject({
      name: 'shop-europe-west1',
      region: 'europe-west1',
      ip_cidr_range: '10.8.0.0/20',
      private_ip_google_access: true,
      log_config: { aggregation_interval: 'INTERVAL_5_SEC', flow_sampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' },
    });
  });

  test('private services access: a /16 peered with servicenetworking, abandoned rather than torn down', () => {
    expect(one(r, 'google_compute_global_address')).toMatchObject({ purpose: 'VPC_PEERING', address_type: 'INTERNAL', prefix_length: 16 });
    expect(one(r, 'google_service_networking_connection')).toMatchObject({ service: 'servicenetworking.googleapis.com', deletion_policy: 'ABANDON', reserved_peering_ranges: [expect.stringContaining('google_compute_global_address')] });
  });

  test('Cloud NAT on every subnetwork range, logging errors', () => {
    expect(one(r, 'google_compute_router')).toMatchObject({ region: 'europe-west1' });
    expect(one(r, 'google_compute_router_nat')).toMatchObject({ nat_ip_allocate_option: 'AUTO_ONLY', source_subnetwork_ip_ranges_to_nat: 'ALL_SUBNETWORKS_ALL_IP_RANGES', log_config: { enable: true, filter: 'ERRORS_ONLY' } });
  });

  test('bad props are refused together', () => {
    const bad = () => synth((s) => new GcpServiceNetwork(s, 'Net', { name: 'Shop_1', region: '', subnetCidr: '10.0.0.0/28', privateServicesPrefixLength: 30 }));
    expect(bad).toThrow(/name 'Shop_1'.*subnetCidr '10\.0\.0\.0\/28'.*privateServicesPrefixLength.*region must not be empty/);
  });
});
