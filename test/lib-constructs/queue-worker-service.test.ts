import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';
import { QueueWorkerService } from '../../lib-constructs/aws/queue-worker-service';
import { type NatMode, ServiceNetwork } from '../../lib-constructs/aws/service-network';

const env = { account: '123456789012', region: 'eu-west-1' };
const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

function setup(nat: NatMode = 'gateway', app = new App({ builtinCloudFormationValidation: false })): { app: App; s: Stack; network: ServiceNetwork; jobs: QueueWithDlq } {
  const s = new Stack(app, 'Test', { env });
  return { app, s, network: new ServiceNetwork(s, 'Net', { nat }), jobs: new QueueWithDlq(s, 'Jobs') };
}

describe('QueueWorkerService', () => {
  test('a Fargate service without load balancer, in private subnets, no public IP, circuit breaker with rollback, the queue URL in its environment', () => {
    // GIVEN
    const { s, network, jobs } = setup();
    // WHEN
    new QueueWorkerService(s, 'Worker', { network, queue: jobs, image, environment: { MODE: 'batch' } });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      LoadBalancers: Match.absent(),
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED', Subnets: [{ Ref: Match.stringLikeRegexp('NetVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcprivateSubnet2') }] }) },
    });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          StopTimeout: 120,
          PortMappings: Match.absent(),
          Environment: [{ Name: 'QUEUE_URL', Value: { Ref: Match.stringLikeRegexp('JobsQueue') } }, { Name: 'MODE', Value: 'batch' }],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
  });

  test('the task role may consume that queue and nothing else', () => {
    const { s, network, jobs } = setup();
    new QueueWorkerService(s, 'Worker', { network, queue: jobs, image });
    const t = Template.fromStack(s);
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('WorkerTaskTaskRole') }] } });
    expect(Object.values(policies)).toHaveLength(1);
    expect(Object.values(policies)[0]).toMatchObject({
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [expect.stringMatching(/^JobsQueue/), 'Arn'] },
            },
          ],
        },
      },
    });
    t.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('with a KMS-encrypted queue the task role may also decrypt with that key', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Test', { env });
    const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
    const jobs = new QueueWithDlq(s, 'Jobs', { encryptionMasterKey: key });
    new QueueWorkerService(s, 'Worker', { network: new ServiceNetwork(s, 'Net'), queue: jobs, image });
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('WorkerTaskTaskRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } })]) },
    });
  });

  test('scales in steps on the queue backlog (ApproximateNumberOfMessagesVisible) between min and max', () => {
    const { s, network, jobs } = setup();
    new QueueWorkerService(s, 'Worker', { network, queue: jobs, image, minCapacity: 0, maxCapacity: 10 });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 10 });
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 99, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 99, MetricIntervalUpperBound: 999, ScalingAdjustment: 2 },
          { MetricIntervalLowerBound: 999, ScalingAdjustment: 4 },
        ],
      }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({ StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }] }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobsQueue'), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', ComparisonOperator: 'LessThanOrEqualToThreshold', Threshold: 0 });
  });

  test("on an isolated network (nat 'none') the worker gets an SQS interface endpoint", () => {
    const { s, network, jobs } = setup('none');
    new QueueWorkerService(s, 'Worker', { network, queue: jobs, image });
    Template.fromStack(s).hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.eu-west-1.sqs' });
    Template.fromStack(s).hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ Subnets: [{ Ref: Match.stringLikeRegexp('NetVpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('NetVpcprivateSubnet2') }] }) },
    });
  });

  test('passes cdk-nag AwsSolutions (ECS2 acknowledged: the environment holds configuration only)', () => {
    const { app, s, network, jobs } = setup();
    new QueueWorkerService(s, 'Worker', { network, queue: jobs, image });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('wrong props are refused', () => {
    const { s, network, jobs } = setup();
    expect(() => new QueueWorkerService(s, 'A', { network, queue: jobs, image, minCapacity: -1 })).toThrow('minCapacity must be a whole number of at least 0');
    expect(() => new QueueWorkerService(s, 'B', { network, queue: jobs, image, minCapacity: 0, maxCapacity: 0 })).toThrow('maxCapacity must be at least 1');
    expect(() => new QueueWorkerService(s, 'C', { network, queue: jobs, image, queueUrlVariable: 'queue-url' })).toThrow('environment variable name');
    expect(() => new QueueWorkerService(s, 'D', { network, queue: jobs, image, cpu: 512, memoryLimitMiB: 512 })).toThrow('not offered with cpu 512');
  });
});
