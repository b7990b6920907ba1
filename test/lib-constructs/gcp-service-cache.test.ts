import { TerraformOutput, Testing, TerraformStack } from 'cdktf';
import { gcpStack } from './gcp-helpers';
import { GcpServiceCache } from '../../lib-constructs/gcp/service-cache';

const NETWORK = 'projects/p/global/networks/main';

/** What Terraform would print for `value`: adds an output to the stack and reads it back from the synth. */
function output(s: TerraformStack, value: unknown): unknown {
  const id = `Out${s.node.children.length}`;
  new TerraformOutput(s, id, { value });
  return (JSON.parse(Testing.synth(s)) as { output: Record<string, { value: unknown }> }).output[id]?.value;
}

function stack(): TerraformStack {
  return gcpStack('p', 'test');
}

function redis(s: TerraformStack): Record<string, unknown>[] {
  const r = (JSON.parse(Testing.synth(s)) as { resource: Record<string, Record<string, Record<string, unknown>>> }).resource;
  return Object.values(r.google_redis_instance ?? {});
}

describe('GcpServiceCache', () => {
  test('a highly available Redis with AUTH and TLS, reachable only from the authorized network', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const cache = new GcpServiceCache(s, 'Cache', { name: 'orders-cache', region: 'europe-west1', authorizedNetwork: NETWORK });
    // THEN
    expect(redis(s)).toEqual([
      {
        name: 'orders-cache',
        region: 'europe-west1',
        tier: 'STANDARD_HA',
        memory_size_gb: 1,
        redis_version: 'REDIS_7_2',
        connect_mode: 'DIRECT_PEERING',
        authorized_network: NETWORK,
        auth_enabled: true,
        transit_encryption_mode: 'SERVER_AUTHENTICATION',
      },
    ]);
    // AND host and port are the instance's attributes
    expect(output(s, cache.host)).toMatch(/^\$\{google_redis_instance\.Cache_Instance_[0-9A-F]{8}\.host\}$/);
    expect(output(s, cache.port)).toMatch(/^\$\{google_redis_instance\.Cache_Instance_[0-9A-F]{8}\.port\}$/);
  });

  test('tier, size, version, connect mode and labels from the props; AUTH and TLS stay on', () => {
    const s = stack();
    new GcpServiceCache(s, 'Cache', { name: 'c1', region: 'europe-west1', authorizedNetwork: NETWORK, tier: 'BASIC', memorySizeGb: 5, redisVersion: 'REDIS_7_0', connectMode: 'PRIVATE_SERVICE_ACCESS', labels: { team: 'orders' } });
    expect(redis(s)[0]).toMatchObject({ tier: 'BASIC', memory_size_gb: 5, redis_version: 'REDIS_7_0', connect_mode: 'PRIVATE_SERVICE_ACCESS', labels: { team: 'orders' }, auth_enabled: true, transit_encryption_mode: 'SERVER_AUTHENTICATION' });
  });

  test('invalid props are refused, all problems at once', () => {
    expect(() => new GcpServiceCache(stack(), 'C', { name: 'c', region: 'r', authorizedNetwork: '' })).toThrow('authorizedNetwork must be a VPC self link');
    expect(() => new GcpServiceCache(stack(), 'C', { name: 'Bad_Name', region: 'r', authorizedNetwork: NETWORK, memorySizeGb: 0 })).toThrow(/name 'Bad_Name'.*memorySizeGb/);
    expect(() => new GcpServiceCache(stack(), 'C', { name: 'c', region: 'r', authorizedNetwork: 'default' })).toThrow("authorizedNetwork 'default'");
  });
});
