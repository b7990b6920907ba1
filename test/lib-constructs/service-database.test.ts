import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceDatabase } from '../../lib-constructs/aws/service-database';
import { ServiceNetwork } from '../../lib-constructs/aws/service-network';

const stack = (app = new App({ builtinCloudFormationValidation: false })) => new Stack(app, 'Test');
const vpcOf = (s: Stack) =>
  new ec2.Vpc(s, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    flowLogs: { all: {} },
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
const role = (s: Stack, id = 'Service') => new iam.Role(s, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

describe('ServiceDatabase (dynamodb)', () => {
  test('one ServiceTable per name, with its TTL; data access on exactly these tables', () => {
    // GIVEN
    const s = stack();
    const grantee = role(s);
    // WHEN
    const db = new ServiceDatabase(s, 'Db', { engine: 'dynamodb', tables: [{ name: 'shop-orders-order' }, { name: 'shop-orders-idempotency', ttlAttribute: 'expiresAt' }] });
    db.grantDataAccess(grantee);
    // THEN
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'shop-orders-order', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], TimeToLiveSpecification: Match.absent() });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'shop-orders-idempotency', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    expect(Object.keys(db.tables)).toEqual(['shop-orders-order', 'shop-orders-idempotency']);
    expect(db.cluster).toBeUndefined();
    const statements = (Object.values(t.findResources('AWS::IAM::Policy'))[0] as { Properties: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement;
    const resources = statements.map((st) => JSON.stringify(st.Resource));
    expect(resources).toContain(JSON.stringify({ 'Fn::GetAtt': [Object.keys(t.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: 'shop-orders-order' } }))[0], 'Arn'] }));
    expect(resources).toContain(JSON.stringify({ 'Fn::GetAtt': [Object.keys(t.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: 'shop-orders-idempotency' } }))[0], 'Arn'] }));
    for (const r of resources) expect(r).toMatch(/^\{"Fn::GetAtt":\["Dbshoporders(order|idempotency)Table[A-F0-9]+","Arn"\]\}$/);
    for (const st of statements) expect(st.Action).not.toContain('dynamodb:DeleteTable');
    expect(() => db.allowFrom(ec2.Peer.anyIpv4() as unknown as ec2.IConnectable)).toThrow('no network endpoint');
  });

  test('no tables, duplicate or invalid names are refused', () => {
    const s = stack();
    expect(() => new ServiceDatabase(s, 'A', { engine: 'dynamodb', tables: [] })).toThrow('at least one table');
    expect(() => new ServiceDatabase(s, 'B', { engine: 'dynamodb', tables: [{ name: 'abc' }, { name: 'abc' }] })).toThrow('table abc is listed twice');
    expect(() => new ServiceDatabase(s, 'C', { engine: 'dynamodb', tables: [{ name: 'a b' }] })).toThrow('3 to 255');
  });

  test('passes cdk-nag AwsSolutions', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    new ServiceDatabase(s, 'Db', { engine: 'dynamodb', tables: [{ name: 'shop-orders-order' }] }).grantDataAccess(role(s));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('ServiceDatabase (postgres)', () => {
  test('Aurora PostgreSQL Serverless v2: pinned engine, capacity, encryption, IAM auth, protection, backups, logs, port', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const db = new ServiceDatabase(s, 'Db', { engine: 'postgres', vpc: vpcOf(s), databaseName: 'orders' });
    // THEN
    const t = Template.fromStack(s);
    t.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot', DependsOn: Match.arrayWith([Match.stringLikeRegexp('DbPostgresqlLog')]) });
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
      DatabaseName: 'orders',
      DBClusterIdentifier: Match.stringLikeRegexp('^test-db-[a-f0-9]{8}$'),
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      StorageEncrypted: true,
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      EnableCloudwatchLogsExports: ['postgresql'],
      Port: 5433,
      DBClusterParameterGroupName: { Ref: Match.stringLikeRegexp('DbClusterParameterGroup') },
    });
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Family: 'aurora-postgresql17', Parameters: { 'rds.force_ssl': '1' } });
    t.resourcePropertiesCountIs('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PubliclyAccessible: false }, 1);
    t.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [{ Ref: Match.stringLikeRegexp('VpcdataSubnet1') }, { Ref: Match.stringLikeRegexp('VpcdataSubnet2') }],
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/rds/cluster/test-db-[a-f0-9]{8}/postgresql$'), RetentionInDays: 365 });
    expect(db.logGroup).toBeDefined();
    expect(t.findResources('AWS::CloudFormation::CustomResource')).toEqual({});
    expect(JSON.stringify(t.toJSON())).not.toMatch(/"Type":"Custom::/);
  });

  test('the master secret is rotated every 30 days by a hosted rotation function inside the VPC', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new ServiceDatabase(s, 'Db', { engine: 'postgres', vpc: vpcOf(s), databaseName: 'orders' });
    // THEN
    const t = Template.fromStack(s).toJSON() as { Transform?: unknown };
    expect(t.Transform).toBe('AWS::SecretsManager-2024-09-16');
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' }) });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('DbClusterSecretAttachment') },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      HostedRotationLambda: Match.objectLike({
        RotationType: 'PostgreSQLSingleUser',
        VpcSecurityGroupIds: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbRotationSecurityGroup'), 'GroupId'] },
      }),
    });
    // the rotation function reaches the cluster's port, and nothing reaches the cluster otherwise
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbRotationSecurityGroup'), 'GroupId'] },
      FromPort: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbCluster'), 'Endpoint.Port'] },
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Secret rotation'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'Secrets Manager API' }],
    });
  });

  test('grantDataAccess: rds-db:connect as the IAM user on this cluster, and reading its secret; allowFrom opens the port', () => {
    // GIVEN
    const s = stack();
    const db = new ServiceDatabase(s, 'Db', { engine: 'postgres', vpc: vpcOf(s), databaseName: 'orders', iamUser: 'orders_app' });
    const client = new ec2.SecurityGroup(s, 'Client', { vpc: db.cluster!.vpc, description: 'client' });
    // WHEN
    db.grantDataAccess(role(s));
    db.allowFrom(client);
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'rds-db:connect',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':dbuser:', { 'Fn::GetAtt': [Match.stringLikeRegexp('DbCluster'), 'DBClusterResourceId'] }, '/orders_app']],
            },
          },
          { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('DbClusterSecretAttachment') } },
        ],
      },
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DbSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Client'), 'GroupId'] },
    });
    expect(s.resolve(db.url)).toEqual({
      'Fn::Join': ['', ['postgresql://orders_app@', { 'Fn::GetAtt': [expect.stringMatching(/^DbCluster/), 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [expect.stringMatching(/^DbCluster/), 'Endpoint.Port'] }, '/orders?sslmode=require']],
    });
    expect(db.endpoint).toBe(db.cluster?.clusterEndpoint);
    expect(db.connections).toBe(db.cluster?.connections);
  });

  test('readers, capacity, port and identifier are configurable; unprotected clusters are deleted with the stack', () => {
    const s = stack();
    new ServiceDatabase(s, 'Db', { engine: 'postgres', vpc: vpcOf(s), databaseName: 'orders', readers: 1, minCapacity: 1, maxCapacity: 8, port: 6543, clusterIdentifier: 'orders-db', rotationInterval: Duration.days(7), protect: false });
    const t = Template.fromStack(s);
    t.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::RDS::DBCluster', { DBClusterIdentifier: 'orders-db', Port: 6543, DeletionProtection: false, ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 8 } });
    t.resourceCountIs('AWS::RDS::DBInstance', 2);
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/rds/cluster/orders-db/postgresql' });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });
  });

  test('on a ServiceNetwork without NAT: its private subnets and a Secrets Manager endpoint for the rotation', () => {
    const s = stack();
    const network = new ServiceNetwork(s, 'Net', { nat: 'none', availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    new ServiceDatabase(s, 'Db', { engine: 'postgres', network, databaseName: 'orders' });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('secretsmanager')])] }), VpcEndpointType: 'Interface' });
    t.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: [{ Ref: Match.stringLikeRegexp('NetVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcprivateSubnet2') }] });
  });

  test('invalid settings are refused, all at once', () => {
    const s = stack();
    const vpc = vpcOf(s);
    expect(() => new ServiceDatabase(s, 'A', { engine: 'postgres', vpc, databaseName: 'my-db', minCapacity: 8, maxCapacity: 4, readers: 16, port: 80, clusterIdentifier: 'Bad--Id' })).toThrow(
      /databaseName "my-db".*minCapacity \(8\) is above maxCapacity \(4\).*readers must be.*port must be.*clusterIdentifier "Bad--Id"/,
    );
    expect(() => new ServiceDatabase(s, 'B', { engine: 'postgres', vpc, databaseName: 'orders', vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } })).toThrow('public subnets');
    expect(() => new ServiceDatabase(s, 'C', { engine: 'postgres', databaseName: 'orders' })).toThrow('exactly one of network and vpc');
  });

  test('passes cdk-nag AwsSolutions (RDS2/6/10/11, SMG4 by configuration)', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    const db = new ServiceDatabase(s, 'Db', { engine: 'postgres', vpc: vpcOf(s), databaseName: 'orders', readers: 1 });
    db.grantDataAccess(role(s));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
