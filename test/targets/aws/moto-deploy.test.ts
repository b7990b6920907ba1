/**
 * Deploys every stack of the reference example into moto (an offline AWS emulator) through its CloudFormation
 * API, and checks what moto keeps: queues with their redrive policies, functions, event source mappings, roles
 * and tables with the declared settings. What moto ignores (alarms, subscriptions, queue policies, API Gateway
 * v2, Glue, PITR) is asserted on the templates by the other tests. Fails in CI when moto_server is absent;
 * elsewhere skipped with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeployedAssembly } from '../../aws/moto';
import {
  Moto,
  describeTable,
  elbv2Call,
  getFunction,
  getRoleWithPolicies,
  listEventSourceMappings,
  listStackResources,
  physicalId,
  queueAttributes,
  startMoto,
  deployAssembly,
  loadSupportedTypes,
} from '../../aws/moto';
import { describeWithReferee } from '../../referees';
import { REFERENCE, awsModel, buildApp } from './helpers';

/** What moto 5.2.1 cannot create in the reference's templates (and the Aurora instances, which go with their cluster). */
const DROPPED_TYPES = [
  'AWS::ApiGateway::Account',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::VpcLink',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::CloudWatch::Alarm',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::ElastiCache::ServerlessCache',
  'AWS::Glue::Registry',
  'AWS::Glue::Schema',
  'AWS::Pipes::Pipe',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::DBInstance',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Subscription',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Scheduler::Schedule',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::SecretsManager::Secret',
  'AWS::SecretsManager::SecretTargetAttachment',
];


describeWithReferee('moto_server', 'the reference example deployed into moto', () => {
  let moto: Moto | undefined;
  let outdir = '';
  let deployed: DeployedAssembly;
  const model = awsModel(REFERENCE);
  const region = model.file.cloud?.aws?.region ?? 'us-east-1';
  const account = model.file.cloud?.aws?.account_id ?? '123456789012';
  const where = { region, account };

  beforeAll(async () => {
    const starting = startMoto();
    outdir = mkdtempSync(join(tmpdir(), 'allframe-moto-'));
    // The assembly the CDK CLI would deploy, with review code (moto cannot run functions anyway).
    const { app } = buildApp(model, { outdir });
    app.synth();
    moto = await starting;
    // Aurora instances belong to a DBCluster, which moto cannot create: they go with it (asserted on the template).
    const supported = new Set([...loadSupportedTypes()].filter((t) => t !== 'AWS::RDS::DBInstance'));
    deployed = await deployAssembly(moto, outdir, { timeoutMs: 60_000, supported });
  }, 240_000);

  afterAll(async () => {
    await moto?.stop();
    if (outdir !== '') rmSync(outdir, { recursive: true, force: true });
  });

  test('every stack completes, shared first and the dashboard last', () => {
    const names = deployed.stacks.map((s) => s.stackName);
    expect(names[0]).toBe('shop-platform-shared');
    expect(names[names.length - 1]).toBe('shop-platform-observability');
    expect(names).toHaveLength(model.services.length + 2);
  });

  test('exactly these resource types are dropped or rewritten for moto, and no table replica is left out', () => {
    const dropped = [...new Set(deployed.stacks.flatMap((s) => s.prepared.droppedTypes))].sort();
    const rewritten = [...new Set(deployed.stacks.flatMap((s) => s.prepared.rewrittenTypes))].sort();
    expect({ dropped, rewritten }).toEqual({ dropped: DROPPED_TYPES, rewritten: ['AWS::DynamoDB::GlobalTable -> AWS::DynamoDB::Table'] });
    // every table is rewritten from its replica in the reference's region, with no replica elsewhere
    expect(deployed.stacks.flatMap((s) => s.prepared.notes).filter((n) => n.includes('replicas in'))).toEqual([]);
  });

  test("inventory-service's load balancer carries gRPC: HTTPS:443 with the certificate, to a gRPC-checked target group on the container port", async () => {
    const stack = 'shop-platform-inventory-service';
    const listener = await physicalId(moto!, stack, 'AWS::ElasticLoadBalancingV2::Listener', 'HttpLoadBalancerGrpc', where);
    const listeners = await elbv2Call(moto!, 'DescribeListeners', { 'ListenerArns.member.1': listener }, where);
    expect(listeners).toContain('<Port>443</Port>');
    expect(listeners).toContain('<Protocol>HTTPS</Protocol>');
    expect(listeners).toMatch(/<CertificateArn>arn:aws:acm:eu-west-1:\d{12}:certificate\/[^<]+<\/CertificateArn>/);
    const group = await physicalId(moto!, stack, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'HttpLoadBalancerGrpcGrpcTasks', where);
    const groups = await elbv2Call(moto!, 'DescribeTargetGroups', { 'TargetGroupArns.member.1': group }, where);
    // moto keeps the gRPC health check but reports every target group as HTTP1 (CloudFormation's ProtocolVersion is
    // not read): GRPC is asserted on the template (test/lib-constructs/fargate-http-service.test.ts, the goldens)
    expect(groups).toContain('<Port>8080</Port>');
    expect(groups).toContain('<HealthCheckPath>/grpc.health.v1.Health/Check</HealthCheckPath>');
    expect(groups).toContain('<Matcher><GrpcCode>0</GrpcCode></Matcher>');
  });

  test("the consumer's queue redrives to its DLQ after the file's max_retries (5)", async () => {
    const url = await physicalId(moto!, 'shop-platform-notification-service', 'AWS::SQS::Queue', 'InboxQueue', where);
    const { attributes, redrivePolicy } = await queueAttributes(moto!, url, where);
    expect(redrivePolicy?.maxReceiveCount).toBe(5);
    expect(redrivePolicy?.deadLetterTargetArn).toMatch(/^arn:aws:sqs:/);
    expect(Number(attributes.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * 30);
  });

  test('functions exist with the runtime from settings.runtime, and the consumer has its event source mapping', async () => {
    const fnName = await physicalId(moto!, 'shop-platform-notification-service', 'AWS::Lambda::Function', 'Handler', where);
    const fn = await getFunction(moto!, fnName, where);
    expect(fn.Configuration?.Runtime).toBe('nodejs24.x');
    expect(fn.Configuration?.Handler).toBe('lambda.handler');
    const mappings = await listEventSourceMappings(moto!, fnName, where);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.BatchSize).toBe(10);
    expect(mappings[0]!.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  test("the consumer's role reads its own queue and nothing else", async () => {
    const roleName = await physicalId(moto!, 'shop-platform-notification-service', 'AWS::IAM::Role', 'HandlerRole', where);
    const { policies } = await getRoleWithPolicies(moto!, roleName, where);
    const sqsStatements = Object.values(policies).flatMap((p) => p.Statement).filter((s) => [s.Action].flat().some((a) => String(a).startsWith('sqs:')));
    expect(sqsStatements.length).toBeGreaterThan(0);
    const queueUrl = await physicalId(moto!, 'shop-platform-notification-service', 'AWS::SQS::Queue', 'InboxQueue', where);
    const queueName = queueUrl.split('/').pop()!;
    for (const s of sqsStatements) for (const r of [s.Resource].flat()) expect(String(r)).toMatch(new RegExp(`:${queueName}$`));
  });

  test("the user service's tables exist with the key the service code uses", async () => {
    const table = await describeTable(moto!, 'shop-platform-user-service-user', where);
    expect(table.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const idem = await describeTable(moto!, 'shop-platform-user-service-idempotency', where);
    expect(idem.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
  });

  test('every service stack holds at least one resource moto created', async () => {
    for (const s of model.services) {
      const resources = await listStackResources(moto!, `shop-platform-${s.name}`, where);
      expect(resources.length).toBeGreaterThan(0);
    }
  });
});
