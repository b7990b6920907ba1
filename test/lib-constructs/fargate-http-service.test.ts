import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FargateHttpService, type FargateHttpServiceProps } from '../../lib-constructs/aws/fargate-http-service';
import { ServiceNetwork } from '../../lib-constructs/aws/service-network';

const env = { account: '123456789012', region: 'eu-west-1' };
const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0000';

function setup(app = new App({ builtinCloudFormationValidation: false })): { app: App; s: Stack; network: ServiceNetwork; image: ecs.ContainerImage } {
  const s = new Stack(app, 'Test', { env });
  const network = new ServiceNetwork(s, 'Net');
  const image = ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'Repo', 'api'), 'v1');
  return { app, s, network, image };
}

function build(overrides: Partial<FargateHttpServiceProps> = {}): { s: Stack; api: FargateHttpService; t: Template } {
  const { s, network, image } = setup();
  const api = new FargateHttpService(s, 'Api', { network, image, ...overrides });
  return { s, api, t: Template.fromStack(s) };
}

describe('FargateHttpService', () => {
  test('tasks in private subnets without public IPs, circuit breaker with rollback, awslogs to a log group with retention', () => {
    // GIVEN / WHEN
    const { t } = build({ environment: { LOG_LEVEL: 'info' } });
    // THEN
    t.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100, MaximumPercent: 200 }),
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          SecurityGroups: Match.anyValue(),
          Subnets: [{ Ref: Match.stringLikeRegexp('NetVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcprivateSubnet2') }],
        },
      },
      LoadBalancers: [Match.objectLike({ ContainerName: 'App', ContainerPort: 8080 })],
    });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'App',
          Essential: true,
          PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
          Environment: [{ Name: 'LOG_LEVEL', Value: 'info' }],
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: Match.objectLike({ 'awslogs-group': { Ref: Match.stringLikeRegexp('ApiTaskLogs') }, 'awslogs-stream-prefix': 'app', mode: 'non-blocking' }),
          },
        }),
      ],
    });
    t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
  });

  test('roles: no managed policies; the execution role pulls the one repository and writes the one log group; the task role has nothing', () => {
    const { t } = build();
    t.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('ApiTaskExecutionRole') }],
      PolicyDocument: {
        Statement: [
          { Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:123456789012:repository/api']] } },
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiTaskLogs'), 'Arn'] } },
        ],
        Version: '2012-10-17',
      },
    });
    const taskRolePolicies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('ApiTaskTaskRole') }] } });
    expect(taskRolePolicies).toEqual({});
  });

  test('secrets reach the container through ECS secrets, readable by the execution role only', () => {
    const { s, network, image } = setup();
    const secret = new secretsmanager.Secret(s, 'DbPassword');
    new FargateHttpService(s, 'Api', { network, image, secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) } });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Secrets: [{ Name: 'DB_PASSWORD', ValueFrom: { Ref: Match.stringLikeRegexp('DbPassword') } }], Environment: Match.absent() })],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('ApiTaskExecutionRole') }],
      PolicyDocument: { Statement: Match.arrayWith([{ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('DbPassword') } }]) },
    });
  });

  test('internal by default: HTTP:80 reachable only from the VPC, invalid headers dropped, access logs on, health check on the path', () => {
    const { t, api } = build();
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Subnets: [{ Ref: Match.stringLikeRegexp('NetVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcprivateSubnet2') }],
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: Match.stringLikeRegexp('ApiAccessLogs') } },
      ]),
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('ELB'),
      SecurityGroupIngress: [{ CidrIp: '10.0.0.0/16', Description: 'port 80 from inside the VPC', FromPort: 80, IpProtocol: 'tcp', ToPort: 80 }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200-399' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
    // tasks accept the container port from the load balancer's security group only
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080,
      ToPort: 8080,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiServiceSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiLoadBalancerSecurityGroup'), 'GroupId'] },
    });
    expect(api.url).toMatch(/^http:\/\/\$\{Token\[/);
  });

  test('the access-log bucket is encrypted, TLS-only, private, versioned and retained, and logs its own access to a second bucket', () => {
    const { t } = build();
    const buckets = t.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          VersioningConfiguration: { Status: 'Enabled' },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        },
      });
    }
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('ApiAccessLogsAccessLogs') }, LogFilePrefix: 'server-access-logs/' },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('ApiAccessLogsAccessLogs') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiAccessLogs'), 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  test('a given access-log bucket is used instead of creating one', () => {
    const { s, network, image } = setup();
    const other = new FargateHttpService(s, 'First', { network, image });
    new FargateHttpService(s, 'Second', { network, image, accessLogBucket: other.accessLogBucket });
    Template.fromStack(s).resourceCountIs('AWS::S3::Bucket', 2);
  });

  test('internet-facing with a certificate: public subnets, HTTPS:443 with a modern TLS policy, 80 redirects to 443', () => {
    const { s, network, image } = setup();
    const api = new FargateHttpService(s, 'Api', { network, image, internetFacing: true, certificate: acm.Certificate.fromCertificateArn(s, 'Cert', certificateArn) });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: [{ Ref: Match.stringLikeRegexp('NetVpcpublicSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcpublicSubnet2') }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: certificateArn }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } }],
    });
    expect(api.url).toMatch(/^https:\/\//);
  });

  test('scales on CPU (60 %) and on requests per task between min and max', () => {
    const { t } = build({ minCapacity: 2, maxCapacity: 6 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6, ScalableDimension: 'ecs:service:DesiredCount' });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 60 }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }), TargetValue: 1000 }),
    });
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
  });

  test('alarms on 5xx responses and p99 latency, notifying the alarm topic', () => {
    const { s, network, image } = setup();
    const topic = new sns.Topic(s, 'Alarms');
    const api = new FargateHttpService(s, 'Api', { network, image, alarmTopic: topic });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HTTPCode_Target_5XX_Count',
      Namespace: 'AWS/ApplicationELB',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: 2,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
    expect(api.metricLoadBalancerErrors().metricName).toBe('HTTPCode_ELB_5XX_Count');
  });

  test('with grpcCertificate: an HTTPS:443 listener forwarding gRPC (HTTP/2) to the tasks, health checked by grpc.health.v1', () => {
    // GIVEN / WHEN
    const { s } = setup();
    const { network, image } = { network: new ServiceNetwork(s, 'Net2'), image: ecs.ContainerImage.fromRegistry('api') };
    const api = new FargateHttpService(s, 'Api', { network, image, grpcCertificate: acm.Certificate.fromCertificateArn(s, 'GrpcCert', certificateArn) });
    const t = Template.fromStack(s);
    // THEN REST stays on port 80; gRPC takes 443 with the certificate, to the same container port
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificateArn }], SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      ProtocolVersion: 'GRPC',
      HealthCheckPath: '/grpc.health.v1.Health/Check',
      Matcher: { GrpcCode: '0' },
    });
    t.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: Match.arrayWith([Match.objectLike({ ContainerPort: 8080, TargetGroupArn: { Ref: Match.stringLikeRegexp('GrpcGrpcTasks') } })]) });
    // reachable from inside the VPC only
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.arrayWith([Match.objectLike({ FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/16' })]) });
    expect(api.grpcTargetGroup).toBeDefined();
    expect(api.grpcListener).toBeDefined();
  });

  test('grpcCertificate with certificate is refused: both would take port 443', () => {
    const { s, network, image } = setup();
    const cert = acm.Certificate.fromCertificateArn(s, 'Cert', certificateArn);
    expect(() => new FargateHttpService(s, 'Api', { network, image, certificate: cert, grpcCertificate: cert })).toThrow('grpcCertificate needs the HTTP listener on port 80');
  });

  test.each([
    ['internal, plain HTTP', {}],
    ['internet-facing with HTTPS (EC23 acknowledged for the load balancer only)', { internetFacing: true, withCertificate: true }],
    ['internal, with a gRPC listener', { grpc: true }],
  ])('passes cdk-nag AwsSolutions: %s', (_name, o: { internetFacing?: boolean; withCertificate?: boolean; grpc?: boolean }) => {
    const { app, s, network, image } = setup();
    const secret = new secretsmanager.Secret(s, 'Token');
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'test secret' });
    new FargateHttpService(s, 'Api', {
      network,
      image,
      environment: { LOG_LEVEL: 'info' },
      secrets: { TOKEN: ecs.Secret.fromSecretsManager(secret) },
      ...(o.internetFacing ? { internetFacing: true } : {}),
      ...(o.withCertificate ? { certificate: acm.Certificate.fromCertificateArn(s, 'Cert', certificateArn) } : {}),
      ...(o.grpc ? { grpcCertificate: acm.Certificate.fromCertificateArn(s, 'GrpcCert', certificateArn) } : {}),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('an environment-agnostic stack gets access logs through a deploy-time lookup of the ELB account', () => {
    // GIVEN a stack without env
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Agnostic');
    // WHEN
    new FargateHttpService(s, 'Api', { network: new ServiceNetwork(s, 'Net'), image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]) });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::FindInMap': ['Elbv2AccountMap', { Ref: 'AWS::Region' }, 'value'] }])] } } }),
          Match.objectLike({ Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' } }),
        ]),
      },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('wrong props are refused', () => {
    const { s, network, image } = setup();
    expect(() => new FargateHttpService(s, 'A', { network, image, cpu: 300 })).toThrow('cpu must be one of');
    expect(() => new FargateHttpService(s, 'B', { network, image, cpu: 256, memoryLimitMiB: 4096 })).toThrow('not offered with cpu 256');
    expect(() => new FargateHttpService(s, 'C', { network, image, minCapacity: 0 })).toThrow('minCapacity must be a whole number of at least 1');
    expect(() => new FargateHttpService(s, 'D', { network, image, minCapacity: 3, maxCapacity: 2 })).toThrow('maxCapacity must be');
    expect(() => new FargateHttpService(s, 'E', { network, image, healthCheckPath: 'healthz' })).toThrow('must start with "/"');
    expect(() => new FargateHttpService(s, 'F', { network, image, containerPort: 70000 })).toThrow('containerPort');
    expect(() => new FargateHttpService(s, 'G', { network, image, targetCpuPercent: 95 })).toThrow('targetCpuPercent');
  });
});
