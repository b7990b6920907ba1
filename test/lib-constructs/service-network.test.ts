import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type NatMode, ServiceNetwork } from '../../lib-constructs/aws/service-network';
import { defaultAvailabilityZones } from '../../lib-constructs/core/network-defaults';

const env = { account: '123456789012', region: 'eu-west-1' };

function stack(withEnv = true): Stack {
  return new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', withEnv ? { env } : {});
}

describe('ServiceNetwork', () => {
  test('two zones of public and private subnets, one NAT gateway, flow logs with retention, S3 and DynamoDB endpoints', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new ServiceNetwork(s, 'Net');
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    t.resourceCountIs('AWS::EC2::Subnet', 4);
    t.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-west-1a' });
    t.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-west-1b' });
    t.resourceCountIs('AWS::EC2::NatGateway', 1);
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: Match.stringLikeRegexp('NetFlowLogs') },
    });
    t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }) });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.dynamodb'])]) }) });
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    expect(Object.keys(t.toJSON().Resources as object).filter((id) => id.includes('RestrictDefault'))).toEqual([]);
    expect(JSON.stringify(t.toJSON())).not.toMatch(/Custom::/);
  });

  test('the cluster is created on first access, with Container Insights', () => {
    // GIVEN two networks, one asked for its cluster (twice)
    const s = stack();
    new ServiceNetwork(s, 'Bare');
    const net = new ServiceNetwork(s, 'Net');
    // WHEN
    expect(net.cluster).toBe(net.cluster);
    // THEN only that one has a cluster
    const clusters = Template.fromStack(s).findResources('AWS::ECS::Cluster', { Properties: { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] } });
    expect(Object.keys(clusters)).toEqual([expect.stringMatching(/^NetCluster/)]);
  });

  test("nat 'gateway-per-az' puts a NAT gateway in each zone", () => {
    const s = stack();
    new ServiceNetwork(s, 'Net', { nat: 'gateway-per-az', availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] });
    Template.fromStack(s).resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test("nat 'instance': one hardened t4g.nano NAT instance reachable only from the VPC", () => {
    const s = stack();
    new ServiceNetwork(s, 'Net', { nat: 'instance', cidr: '10.20.0.0/16' });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::Instance', 1);
    t.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      SourceDestCheck: false,
      Monitoring: true,
      DisableApiTermination: true,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true }) }],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.20.0.0/16', IpProtocol: '-1' })],
    });
    t.hasResourceProperties('AWS::EC2::Route', { DestinationCidrBlock: '0.0.0.0/0', InstanceId: Match.anyValue() });
  });

  test("nat 'none': isolated private subnets, no NAT, interface endpoints for ECR and logs open only to the VPC", () => {
    // GIVEN
    const s = stack();
    // WHEN
    const net = new ServiceNetwork(s, 'Net', { nat: 'none' });
    net.ensureServiceEndpoint(ec2.InterfaceVpcEndpointAwsService.SQS);
    net.ensureServiceEndpoint(ec2.InterfaceVpcEndpointAwsService.SQS);
    // THEN
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::Instance', 0);
    expect(net.vpc.isolatedSubnets).toHaveLength(2);
    expect(net.vpc.privateSubnets).toHaveLength(0);
    const interfaces = t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    expect(Object.values(interfaces).map((r) => (r as { Properties: { ServiceName: string } }).Properties.ServiceName).sort()).toEqual([
      'com.amazonaws.eu-west-1.ecr.api',
      'com.amazonaws.eu-west-1.ecr.dkr',
      'com.amazonaws.eu-west-1.logs',
      'com.amazonaws.eu-west-1.sqs',
    ]);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });

  test('with a NAT, ensureServiceEndpoint adds nothing', () => {
    const s = stack();
    const net = new ServiceNetwork(s, 'Net');
    net.ensureServiceEndpoint(ec2.InterfaceVpcEndpointAwsService.SQS);
    Template.fromStack(s).resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });

  test('a stack with a concrete env synthesizes offline: no context lookup, no cdk.context.json', () => {
    // GIVEN an app without context
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Env', { env });
    // WHEN
    void new ServiceNetwork(s, 'Net').cluster;
    const assembly = app.synth();
    // THEN
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(assembly.getStackByName('Env').template).toBeDefined();
    // and the stack's own zones are back to the stack's answer afterwards
    expect(Object.getOwnPropertyDescriptor(s, 'availabilityZones')).toBeUndefined();
  });

  test('an environment-agnostic stack takes two zones from Fn::GetAZs', () => {
    const s = stack(false);
    new ServiceNetwork(s, 'Net');
    Template.fromStack(s).hasResourceProperties('AWS::EC2::Subnet', {
      AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    });
    Template.fromStack(s).resourceCountIs('AWS::EC2::Subnet', 4);
  });

  test('default zones are <region>a and <region>b, except where zone b is not offered', () => {
    expect(defaultAvailabilityZones('eu-central-1')).toEqual(['eu-central-1a', 'eu-central-1b']);
    expect(defaultAvailabilityZones('ap-northeast-1')).toEqual(['ap-northeast-1a', 'ap-northeast-1c']);
  });

  test.each<NatMode>(['gateway', 'gateway-per-az', 'instance', 'none'])("passes cdk-nag AwsSolutions with nat '%s', acknowledging nothing", (nat) => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Nag', { env });
    void new ServiceNetwork(s, 'Net', { nat }).cluster;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('wrong props are refused', () => {
    expect(() => new ServiceNetwork(stack(), 'Net', { availabilityZones: ['eu-west-1a'] })).toThrow('at least two different zones');
    expect(() => new ServiceNetwork(stack(), 'Net', { availabilityZones: ['eu-west-1a', 'eu-west-1a'] })).toThrow('at least two different zones');
    expect(() => new ServiceNetwork(stack(), 'Net', { nat: 'cheap' as NatMode })).toThrow("nat must be 'none'");
  });
});
