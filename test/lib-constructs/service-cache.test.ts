import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceCache } from '../../lib-constructs/aws/service-cache';
import { ServiceNetwork } from '../../lib-constructs/aws/service-network';
import { type CacheEngine } from '../../lib-constructs/core/cache-defaults';

const env = { account: '123456789012', region: 'eu-west-1' };

function setup(app = new App({ builtinCloudFormationValidation: false })): { app: App; s: Stack; network: ServiceNetwork } {
  const s = new Stack(app, 'Test', { env });
  return { app, s, network: new ServiceNetwork(s, 'Net') };
}

describe('ServiceCache', () => {
  test('a Valkey serverless cache in the private subnets, its own security group, a day of snapshots, a rediss:// url', () => {
    // GIVEN
    const { s, network } = setup();
    // WHEN
    const cache = new ServiceCache(s, 'Sessions', { network });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      ServerlessCacheName: Match.stringLikeRegexp('^[a-z][a-z0-9-]{0,39}$'),
      SubnetIds: [{ Ref: Match.stringLikeRegexp('NetVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcprivateSubnet2') }],
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('SessionsSecurityGroup'), 'GroupId'] }],
      SnapshotRetentionLimit: 1,
      KmsKeyId: Match.absent(),
      CacheUsageLimits: Match.absent(),
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('ElastiCache Serverless'),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    expect(s.resolve(cache.url)).toEqual({
      'Fn::Join': ['', ['rediss://', { 'Fn::GetAtt': [expect.stringMatching(/^SessionsCache/), 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [expect.stringMatching(/^SessionsCache/), 'Endpoint.Port'] }]],
    });
  });

  test('the name is stable and valid for deep construct paths', () => {
    const { s, network } = setup();
    const a = new ServiceCache(s, 'A-Very_Long.Construct Id That Goes On And On And On', { network });
    const name = s.resolve(a.cache.serverlessCacheName) as string;
    expect(name).toMatch(/^[a-z](?:-?[a-z0-9])*$/);
    expect(name.length).toBeLessThanOrEqual(40);
    const { s: s2, network: n2 } = setup();
    expect(s2.resolve(new ServiceCache(s2, 'A-Very_Long.Construct Id That Goes On And On And On', { network: n2 }).cache.serverlessCacheName)).toBe(name);
  });

  test('allowFrom opens the engine ports (6379-6380) to the granted security group only', () => {
    // GIVEN a client security group that sends nothing by default
    const { s, network } = setup();
    const cache = new ServiceCache(s, 'Sessions', { network });
    const sg = new ec2.SecurityGroup(s, 'ClientSg', { vpc: network.vpc, description: 'client', allowAllOutbound: false });
    // WHEN
    cache.allowFrom(sg);
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6379,
      ToPort: 6380,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SessionsSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClientSg'), 'GroupId'] },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 6379,
      ToPort: 6380,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClientSg'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SessionsSecurityGroup'), 'GroupId'] },
    });
  });

  test('redis engine, a customer-managed key, usage limits and snapshot retention are passed through', () => {
    const { s, network } = setup();
    const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
    new ServiceCache(s, 'Cache', { network, engine: 'redis', kmsKey: key, maxDataStorageGb: 10, maxEcpuPerSecond: 5000, snapshotRetentionDays: 7, cacheName: 'sessions' });
    Template.fromStack(s).hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'redis',
      MajorEngineVersion: '7',
      ServerlessCacheName: 'sessions',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] },
      CacheUsageLimits: { DataStorage: { Maximum: 10, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
      SnapshotRetentionLimit: 7,
    });
  });

  test('passes cdk-nag AwsSolutions, acknowledging nothing', () => {
    const { app, s, network } = setup();
    const cache = new ServiceCache(s, 'Cache', { network });
    cache.allowFrom(new ec2.SecurityGroup(s, 'ClientSg', { vpc: network.vpc, description: 'client' }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('wrong props are refused', () => {
    const { s, network } = setup();
    expect(() => new ServiceCache(s, 'A', { network, engine: 'memcached' as CacheEngine })).toThrow("engine must be 'valkey' or 'redis'");
    expect(() => new ServiceCache(s, 'B', { network, maxDataStorageGb: 0 })).toThrow('maxDataStorageGb must be a whole number from 1 to 5000');
    expect(() => new ServiceCache(s, 'C', { network, maxEcpuPerSecond: 10 })).toThrow('maxEcpuPerSecond');
    expect(() => new ServiceCache(s, 'D', { network, snapshotRetentionDays: 36 })).toThrow('snapshotRetentionDays');
    expect(() => new ServiceCache(s, 'E', { network, cacheName: 'Bad--Name' })).toThrow('cacheName must be');
  });
});
