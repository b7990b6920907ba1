/**
 * What the reference example becomes on AWS, asserted on the synthesized templates: the settings the file
 * declares (retries, schedules, saga order), and the defaults allframe promises (encryption, alarms, scoped IAM,
 * circuit breaker with rollback).
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { check } from '../../helpers';
import { REFERENCE, awsModel, buildApp, sagaDefinition, walkSaga } from './helpers';

const { arch } = buildApp(awsModel(REFERENCE));
const template = (service: string) => Template.fromStack(arch.services.get(service)!);

describe('the reference example on AWS', () => {
  test("a consumer's queue redrives to its DLQ after the file's max_retries, both encrypted, with a DLQ alarm to the alarms topic", () => {
    const t = template('notification-service');
    t.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() }, SqsManagedSseEnabled: true, VisibilityTimeout: 180 });
    t.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [{ 'Fn::ImportValue': Match.stringLikeRegexp('shop-platform-shared') }] });
    // the queue receives only the events it consumes, from their publishers' topics
    t.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: true, FilterPolicy: { type: ['OrderCreated'] } });
    t.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: true, FilterPolicy: { type: ['PaymentSucceeded'] } });
  });

  test('every function has error, throttle and p99 duration alarms', () => {
    const t = template('user-service');
    for (const metric of ['Errors', 'Throttles', 'Duration']) t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: 'AWS/Lambda' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', ExtendedStatistic: 'p99' });
  });

  test('a producer may publish to its own topic and nothing else', () => {
    const t = template('clickstream-producer');
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const publish = statements.filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish).toEqual([{ Action: 'sns:Publish', Effect: 'Allow', Resource: { 'Fn::ImportValue': expect.stringMatching(/clickstreamproducerevents/) } }]);
  });

  test('a service that is not public is behind IAM authorization, and its callers are granted invoke on it alone', () => {
    const payment = template('payment-gateway');
    payment.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
    // order-service lists payment-gateway (a function) and inventory-service (containers, behind the same kind
    // of gateway through a VPC link) in depends_on: one statement naming exactly those two APIs
    const order = template('order-service');
    const invokeOn = (name: string) => Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp(name) })])] });
    order.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'execute-api:Invoke', Resource: [invokeOn('inventory-service'), invokeOn('payment-gateway')] })]) },
    });
    template('inventory-service').allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
  });

  test('a public service is behind the JWT authorizer of security.authentication', () => {
    const t = template('web-bff');
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT', JwtConfiguration: { Issuer: 'https://auth.example.com', Audience: ['shop-platform'] } });
    t.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'JWT' });
  });

  test('a Fargate service: circuit breaker with rollback, no public IP, ALB health check on /healthz', () => {
    const t = template('inventory-service');
    t.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    t.resourceCountIs('AWS::ApiGatewayV2::VpcLink', 1);
    // its postgres database: Aurora Serverless v2, encrypted, IAM auth, deletion protection
    t.hasResourceProperties('AWS::RDS::DBCluster', { Engine: 'aurora-postgresql', StorageEncrypted: true, EnableIAMDatabaseAuthentication: true, DeletionProtection: true, ServerlessV2ScalingConfiguration: Match.anyValue() });
  });

  test('the scheduled job: EventBridge Scheduler in the file\'s time zone, with a DLQ; overlap "skip" retries nothing', () => {
    const t = template('report-generator');
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Amsterdam',
      Target: Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: Match.anyValue() } }),
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, ReservedConcurrentExecutions: 1 });
  });

  test.each<[string, string[]]>([
    ['ConfirmOrder', ['RefundPayment', 'ReleaseInventory']],
    ['ChargePayment', ['ReleaseInventory']],
    ['ReserveInventory', []],
  ])("the saga from the file: a failure in %s runs the completed steps' compensations, last first", (failing, compensations) => {
    const t = template('order-service');
    // walk the definition: the failing step goes to its catcher, every other state to its Next
    const def = sagaDefinition(t);
    const { tasks, end } = walkSaga(def, failing);
    const steps = ['ReserveInventory', 'ChargePayment', 'ConfirmOrder'];
    expect(tasks).toEqual([...steps.slice(0, steps.indexOf(failing) + 1), ...compensations]);
    expect(def.States[end]?.Type).toBe('Fail');
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
  });

  test('tables are encrypted, with point-in-time recovery and deletion protection, named as the service code names them', () => {
    const t = template('user-service');
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'shop-platform-user-service-user',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: Match.objectLike({ SSEEnabled: true }),
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'shop-platform-user-service-idempotency', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
  });

  test('functions run the runtime of settings.runtime, traced, with configuration the service code reads', () => {
    const t = template('user-service');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ SERVICE_NAME: 'user-service', STORE: 'dynamodb', TABLE_PREFIX: 'shop-platform-user-service', EVENT_BUS: 'sns', SECRETS_SOURCE: 'aws-secrets' }) },
    });
  });

  test('one shared stack, one stack per service and one for the dashboard; no stack near 500 resources', () => {
    expect(arch.stacks.map((s) => s.stackName)).toEqual(['shop-platform-shared', ...arch.services.keys()].map((n) => (n.startsWith('shop-platform') ? n : `shop-platform-${n}`)).concat('shop-platform-observability'));
    for (const s of arch.stacks) expect(Object.keys(Template.fromStack(s).toJSON().Resources as object).length).toBeLessThan(200);
  });
});

describe('the public WebSocket gateway', () => {
  test('$connect is left to the handler, which checks the JWT of subscriptions.authorization; the other routes ride the connection', () => {
    const t = Template.fromStack(buildApp(awsModel(REFERENCE)).arch.services.get('realtime-gateway')!);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'NONE' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'live', AccessLogSettings: Match.anyValue() });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ CONNECTIONS_STORE: 'dynamodb', SENDER: 'apigateway' }) } });
  });
});

describe('a large architecture', () => {
  test('no stack comes near the 500-resource limit of CloudFormation', () => {
    // GIVEN 120 services, each publishing three events into a Glue registry, and 10 consumers
    const lines = ['architecture: { name: big }', 'settings: { events: { schema_registry: glue } }', 'cloud: { primary: aws, aws: { region: eu-west-1 } }', 'services:'];
    for (let i = 0; i < 120; i++) {
      const id = String(i).padStart(3, '0');
      lines.push(`  - name: svc-${id}`, '    type: stateless', '    domain: { entities: [Item] }', `    publishes: [Item${id}Created, Item${id}Updated, Item${id}Deleted]`);
    }
    for (let i = 0; i < 10; i++) {
      const id = String(i * 10).padStart(3, '0');
      lines.push(`  - name: sink-${id}`, '    type: consumer', `    consumes: [{ event: Item${id}Created, from: svc-${id} }]`, '    consumer: { max_retries: 5 }');
    }
    const r = check(lines.join('\n') + '\n', { target: 'aws' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // WHEN built
    const { arch: big } = buildApp(r.model!);
    // THEN the topics are spread over two stacks and the 360 schemas have a stack of their own, and every stack
    // stays well under 500 resources
    const counts = big.stacks.map((s) => [s.stackName, Object.keys(Template.fromStack(s).toJSON().Resources as object).length] as const);
    expect(counts.map(([n]) => n).filter((n) => !/big-(svc|sink)-/.test(n))).toEqual(['big-shared', 'big-schemas', 'big-events-1', 'big-events-2', 'big-observability']);
    for (const [, n] of counts) expect(n).toBeLessThan(450);
    console.log(`130 services: largest stack ${Math.max(...counts.map(([, n]) => n))} resources`);
  }, 120_000);
});

describe('HTTP alarms', () => {
  test("an HTTP service alarms on its API's 5xx and p99 latency, to the alarms topic", () => {
    const t = Template.fromStack(buildApp(awsModel(REFERENCE)).arch.services.get('user-service')!);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Namespace: 'AWS/ApiGateway', AlarmActions: Match.anyValue() });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Namespace: 'AWS/ApiGateway', ExtendedStatistic: 'p99' });
  });
});
