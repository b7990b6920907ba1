import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EventTopic } from '../../lib-constructs/aws/event-topic';
import { QueueConsumer } from '../../lib-constructs/aws/queue-consumer';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { ServiceTable } from '../../lib-constructs/aws/service-table';
import {
  type DeployedAssembly,
  type Moto,
  MOTO_ACCOUNT,
  deployAssembly,
  deployTemplate,
  describeTable,
  getFunction,
  getRoleWithPolicies,
  listEventSourceMappings,
  listStackResources,
  loadSupportedTypes,
  physicalId,
  prepareTemplate,
  queueAttributes,
  startMoto,
  zipDirectory,
} from './moto';
import { describeWithReferee } from '../referees';

const SUPPORTED = new Set(['AWS::SQS::Queue', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::DynamoDB::Table']);

describe('prepareTemplate', () => {
  // GIVEN a template with a queue policy, an alarm and a secret moto cannot create, and references to them
  const template = {
    Transform: 'AWS::SecretsManager-2020-07-23',
    Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' } },
    Rules: { CheckBootstrapVersion: { Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Contains': [['1'], { Ref: 'BootstrapVersion' }] }] } }] } },
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue' },
      QueuePolicy: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [{ Ref: 'Queue' }] } },
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Rotation: { Type: 'AWS::SecretsManager::RotationSchedule', Properties: { SecretId: { Ref: 'Secret' }, HostedRotationLambda: { RotationType: 'PostgreSQLSingleUser' } } },
      Alarm: { Type: 'AWS::CloudWatch::Alarm' },
      Cleanup: { Type: 'Custom::Cleanup', Properties: { ServiceToken: 'x' } },
      CDKMetadata: { Type: 'AWS::CDK::Metadata' },
      Policy: {
        Type: 'AWS::IAM::Policy',
        DependsOn: ['QueuePolicy', 'Queue'],
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'Secret' } },
              { Effect: 'Allow', Action: 'sqs:*', Resource: [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, { Ref: 'QueuePolicy' }] },
            ],
          },
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        DependsOn: 'Cleanup',
        Properties: {
          Environment: {
            Variables: {
              ALARM: { Ref: 'Alarm' },
              ALARM_ARN: { 'Fn::GetAtt': ['Alarm', 'Arn'] },
              CLEANUP: { 'Fn::GetAtt': 'Cleanup.Result' },
              SUB: { 'Fn::Sub': 'q=${Queue} s=${Secret} a=${Alarm.Arn} v=${Alarm} ${!Alarm}' },
              SUB_VARS: { 'Fn::Sub': ['${Alarm} ${Queue}', { Alarm: 'mine' }] },
            },
          },
        },
      },
    },
    Outputs: {
      QueueUrl: { Value: { Ref: 'Queue' } },
      AlarmName: { Value: { Ref: 'Alarm' } },
      SecretArn: { Value: { Ref: 'Secret' }, Export: { Name: 'SecretArn' } },
    },
  };

  test('drops what moto cannot create and the transform, and keeps the bootstrap rule (moto ignores it)', () => {
    // WHEN
    const { template: out, dropped, droppedTypes, rewrittenTypes, droppedOutputs, notes } = prepareTemplate(template, SUPPORTED, { region: 'eu-west-1' });
    // THEN
    expect(dropped).toEqual(['Alarm', 'CDKMetadata', 'Cleanup', 'QueuePolicy', 'Rotation', 'Secret']);
    expect(droppedTypes).toEqual(['AWS::CDK::Metadata', 'AWS::CloudWatch::Alarm', 'AWS::SQS::QueuePolicy', 'AWS::SecretsManager::RotationSchedule', 'AWS::SecretsManager::Secret', 'Custom::Cleanup']);
    expect(rewrittenTypes).toEqual([]);
    expect(Object.keys(out.Resources as object).sort()).toEqual(['Fn', 'Policy', 'Queue']);
    expect(out.Transform).toBeUndefined();
    expect(out.Rules).toEqual(template.Rules);
    expect(out.Parameters).toEqual(template.Parameters);
    expect(droppedOutputs).toEqual(['AlarmName']);
    expect(notes).toEqual(expect.arrayContaining([expect.stringContaining('Transform'), expect.stringContaining('SecretArn')]));
  });

  test('replaces references to dropped resources with placeholders, ARN-shaped where an ARN is expected', () => {
    // WHEN
    const { template: out } = prepareTemplate(template, SUPPORTED, { region: 'eu-west-1' });
    // THEN
    const resources = out.Resources as Record<string, { Properties: Record<string, unknown>; DependsOn?: unknown }>;
    expect(resources.Policy?.DependsOn).toEqual(['Queue']);
    expect(resources.Fn?.DependsOn).toBeUndefined();
    expect(resources.Policy?.Properties.PolicyDocument).toEqual({
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:placeholder-Secret' },
        { Effect: 'Allow', Action: 'sqs:*', Resource: [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'arn:aws:sqs:eu-west-1:123456789012:placeholder-QueuePolicy'] },
      ],
    });
    expect(resources.Fn?.Properties.Environment).toEqual({
      Variables: {
        ALARM: 'arn:aws:cloudwatch:eu-west-1:123456789012:placeholder-Alarm',
        ALARM_ARN: 'arn:aws:cloudwatch:eu-west-1:123456789012:placeholder-Alarm',
        CLEANUP: 'placeholder-Cleanup-Result',
        SUB: {
          'Fn::Sub':
            'q=${Queue} s=arn:aws:secretsmanager:eu-west-1:123456789012:placeholder-Secret a=arn:aws:cloudwatch:eu-west-1:123456789012:placeholder-Alarm v=arn:aws:cloudwatch:eu-west-1:123456789012:placeholder-Alarm ${!Alarm}',
        },
        SUB_VARS: { 'Fn::Sub': ['${Alarm} ${Queue}', { Alarm: 'mine' }] },
      },
    });
    expect((out.Outputs as Record<string, unknown>).SecretArn).toEqual({
      Value: 'arn:aws:secretsmanager:eu-west-1:123456789012:placeholder-Secret',
      Export: { Name: 'SecretArn' },
    });
  });

  test('rewrites a TableV2 (GlobalTable) to a Table from its replica in the deployment region, and leaves its input alone', () => {
    // GIVEN
    const tableV2 = {
      Resources: {
        T: {
          Type: 'AWS::DynamoDB::GlobalTable',
          DeletionPolicy: 'Retain',
          Properties: {
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
            Replicas: [{ Region: 'eu-west-1', DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
          },
        },
      },
      Outputs: { Id: { Value: { 'Fn::GetAtt': ['T', 'TableId'] } } },
    };
    const before = structuredClone(tableV2);
    // WHEN
    const { template: out, dropped, rewrittenTypes, droppedOutputs, notes } = prepareTemplate(tableV2, SUPPORTED, { region: 'eu-west-1' });
    // THEN
    expect(tableV2).toEqual(before);
    expect(dropped).toEqual([]);
    expect(rewrittenTypes).toEqual(['AWS::DynamoDB::GlobalTable -> AWS::DynamoDB::Table']);
    expect(droppedOutputs).toEqual(['Id']); // a Table has no TableId
    expect(notes).toEqual(['rewrote T from AWS::DynamoDB::GlobalTable to AWS::DynamoDB::Table']);
    expect((out.Resources as Record<string, unknown>).T).toEqual({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: {
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  test('replica regions are checked: other regions are named as not created, a table without a replica in the deployment region throws', () => {
    // GIVEN a table replicated to two regions, one of them the deployment region (its settings are the ones kept)
    const table = (replicas: unknown[]) => ({
      Resources: { T: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], Replicas: replicas } } },
    });
    const two = table([{ Region: 'us-east-1', DeletionProtectionEnabled: false }, { Region: 'eu-west-1', DeletionProtectionEnabled: true }]);
    // WHEN
    const { template: out, notes } = prepareTemplate(two, SUPPORTED, { region: 'eu-west-1' });
    // THEN the eu-west-1 replica's settings, and the other region named
    expect((out.Resources as Record<string, { Properties: Record<string, unknown> }>).T?.Properties.DeletionProtectionEnabled).toBe(true);
    expect(notes).toEqual(['T: replicas in "us-east-1" not created (moto has no global tables)', 'rewrote T from AWS::DynamoDB::GlobalTable to AWS::DynamoDB::Table']);
    // an env-agnostic replica (AWS::Region) is the deployment region's
    expect(prepareTemplate(table([{ Region: { Ref: 'AWS::Region' } }]), SUPPORTED, { region: 'eu-west-1' }).notes).toEqual(['rewrote T from AWS::DynamoDB::GlobalTable to AWS::DynamoDB::Table']);
    // a table whose replicas are all elsewhere is a mistake in the template or the test, not something to deploy
    expect(() => prepareTemplate(table([{ Region: 'us-east-1' }]), SUPPORTED, { region: 'eu-west-1' })).toThrow('T: AWS::DynamoDB::GlobalTable has no replica in eu-west-1, the region it is deployed to (replicas: "us-east-1")');
  });

  test('the pinned list names the types moto creates', () => {
    const supported = loadSupportedTypes();
    expect(supported.has('AWS::SQS::Queue')).toBe(true);
    expect(supported.has('AWS::Lambda::EventSourceMapping')).toBe(true);
    expect(supported.has('AWS::SQS::QueuePolicy')).toBe(false);
    expect(supported.has('AWS::DynamoDB::GlobalTable')).toBe(false);
  });
});

describe('zipDirectory', () => {
  test('is deterministic and readable by unzip', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allframe-zip-'));
    try {
      fs.mkdirSync(path.join(dir, 'lib'));
      fs.writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async () => 1;\n');
      fs.writeFileSync(path.join(dir, 'lib', 'util.js'), 'module.exports = 2;\n'.repeat(50));
      // WHEN
      const first = zipDirectory(dir);
      fs.utimesSync(path.join(dir, 'index.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
      const second = zipDirectory(dir);
      // THEN
      expect(second.equals(first)).toBe(true);
      const zipFile = path.join(dir, 'out.zip');
      fs.writeFileSync(zipFile, first);
      let listing: string | undefined;
      try {
        listing = execFileSync('unzip', ['-t', zipFile], { encoding: 'utf8' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (listing !== undefined) expect(listing).toMatch(/No errors detected[\s\S]*/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startMoto', () => {
  test('rejects with the reason when the server cannot start', async () => {
    await expect(startMoto({ command: 'no-such-moto-server-here', timeoutMs: 5000 })).rejects.toThrow(/could not start: spawn no-such-moto-server-here ENOENT/);
  });
});

// --- in moto -----------------------------------------------------------------------------------------------------


const ENV = { account: MOTO_ACCOUNT, region: 'eu-west-1' };

/** Two stacks: shared data (queue, table, topic) and a service consuming them through cross-stack references. */
function synthApp(outdir: string, assetDir: string): void {
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const data = new Stack(app, 'Data', { env: ENV });
  const orders = new QueueWithDlq(data, 'Orders', { maxReceiveCount: 4, consumerTimeout: Duration.seconds(20) });
  const table = new ServiceTable(data, 'Store', { protect: false });
  const events = new EventTopic(data, 'Events');
  events.subscribeQueue('OrdersSub', orders.queue, ['order.placed']);

  const service = new Stack(app, 'Service', { env: ENV });
  const worker = new ServiceFunction(service, 'Worker', {
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    handler: 'index.handler',
    memorySize: 256,
    timeout: Duration.seconds(20),
  });
  table.grantReadWriteData(worker.role);
  new QueueConsumer(service, 'Consumer', { queue: orders, handler: worker.function, batchSize: 5 });
  // An asset-backed function, to exercise the upload of a zipped directory to the bootstrap bucket.
  new ServiceFunction(service, 'Api', { code: lambda.Code.fromAsset(assetDir), handler: 'index.handler' });
  app.synth();
}

describeWithReferee('moto_server', 'deploying allframe constructs into moto', () => {
  let moto: Moto | undefined;
  let tmp = '';
  let deployed: DeployedAssembly | undefined;
  const running = (): Moto => {
    if (!moto) throw new Error('moto did not start');
    return moto;
  };
  const where = { region: ENV.region };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'allframe-moto-'));
    const assetDir = path.join(tmp, 'api');
    fs.mkdirSync(assetDir);
    fs.writeFileSync(path.join(assetDir, 'index.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
    const outdir = path.join(tmp, 'cdk.out');
    // moto boots in its own process while the app synthesizes.
    const starting = startMoto();
    const synthStarted = Date.now();
    synthApp(outdir, assetDir);
    const synthMs = Date.now() - synthStarted;
    moto = await starting;
    deployed = await deployAssembly(moto, outdir);
    console.log(
      [
        `synth ${synthMs} ms; moto answered ${moto.startMs} ms after spawn (booting during synth); assets uploaded in ${deployed.assetsMs} ms`,
        ...deployed.stacks.map((s) => `${s.stackName}: deployed in ${s.deployMs} ms, dropped ${s.prepared.dropped.join(', ')}; ${s.prepared.notes.join('; ')}`),
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('both stacks are created, the service after the data it imports', () => {
    expect(deployed?.stacks.map((s) => s.stackName)).toEqual(['Data', 'Service']);
    expect(deployed?.uploaded).toContainEqual(expect.stringMatching(/^cdk-hnb659fds-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.zip$/));
    // The service reads the queue and table through exports of the data stack, which moto resolves itself.
    expect(fs.readFileSync(path.join(tmp, 'cdk.out', 'Service.template.json'), 'utf8')).toContain('Fn::ImportValue');
    expect(deployed?.stacks[0]?.prepared.dropped).toEqual(
      expect.arrayContaining([expect.stringMatching(/^OrdersDlqDepthAlarm/), expect.stringMatching(/^OrdersQueuePolicy/), expect.stringMatching(/^OrdersQueueDataEventsTopic/)]),
    );
    // exactly these types are dropped or rewritten, nothing else
    expect(deployed?.stacks.map((s) => [s.stackName, s.prepared.droppedTypes, s.prepared.rewrittenTypes])).toEqual([
      ['Data', ['AWS::CloudWatch::Alarm', 'AWS::SNS::Subscription', 'AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy'], ['AWS::DynamoDB::GlobalTable -> AWS::DynamoDB::Table']],
      ['Service', [], []],
    ]);
  });

  test('what moto drops is asserted on the template: the DLQ alarm, the TLS-only queue policy, the filtered subscription', () => {
    const data = Template.fromJSON(JSON.parse(fs.readFileSync(path.join(tmp, 'cdk.out', 'Data.template.json'), 'utf8')) as Record<string, unknown>);
    data.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 1, EvaluationPeriods: 1 });
    data.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    data.hasResourceProperties('AWS::SNS::Subscription', { RawMessageDelivery: true, FilterPolicy: { type: ['order.placed'] } });
  });

  test('the work queue has its dead-letter queue, receive count and visibility timeout', async () => {
    const queueUrl = await physicalId(running(), 'Data', 'AWS::SQS::Queue', 'OrdersQueue', where);
    const dlqUrl = await physicalId(running(), 'Data', 'AWS::SQS::Queue', 'OrdersDlq', where);
    const { attributes, redrivePolicy } = await queueAttributes(running(), queueUrl, where);
    const dlq = await queueAttributes(running(), dlqUrl, where);
    expect(redrivePolicy).toEqual({ deadLetterTargetArn: dlq.attributes.QueueArn, maxReceiveCount: 4 });
    expect(attributes.VisibilityTimeout).toBe('120');
    expect(attributes.MessageRetentionPeriod).toBe(String(4 * 24 * 3600));
    expect(dlq.attributes.MessageRetentionPeriod).toBe(String(14 * 24 * 3600));
  });

  test('the worker function has its runtime, handler and memory, and reads the imported queue in batches', async () => {
    const functionName = await physicalId(running(), 'Service', 'AWS::Lambda::Function', 'WorkerFunction', where);
    const { Configuration: config } = await getFunction(running(), functionName, where);
    expect(config).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 256, Timeout: 20 });
    const queueUrl = await physicalId(running(), 'Data', 'AWS::SQS::Queue', 'OrdersQueue', where);
    const { attributes } = await queueAttributes(running(), queueUrl, where);
    const [mapping, ...more] = await listEventSourceMappings(running(), functionName, where);
    expect(more).toEqual([]);
    expect(mapping).toMatchObject({ EventSourceArn: attributes.QueueArn, BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  test('the asset-backed function was created from the uploaded zip', async () => {
    const functionName = await physicalId(running(), 'Service', 'AWS::Lambda::Function', 'ApiFunction', where);
    const { Configuration: config } = await getFunction(running(), functionName, where);
    expect(config).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 512 });
    expect(config?.CodeSize).toBeGreaterThan(0);
  });

  test('the table (TableV2, deployed as a Table) has its key schema', async () => {
    const tableName = await physicalId(running(), 'Data', 'AWS::DynamoDB::Table', 'Store', where);
    const table = await describeTable(running(), tableName, where);
    expect(table.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  test('the worker role may read the queue and use the imported table, and write its own logs', async () => {
    const roleName = await physicalId(running(), 'Service', 'AWS::IAM::Role', 'WorkerRole', where);
    const { role, policies } = await getRoleWithPolicies(running(), roleName, where);
    expect(decodeURIComponent(role.AssumeRolePolicyDocument ?? '')).toContain('lambda.amazonaws.com');
    const statements = Object.values(policies).flatMap((p) => p.Statement);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['logs:PutLogEvents', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'dynamodb:PutItem']));
    const queueStatement = statements.find((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('sqs:ReceiveMessage'));
    expect(queueStatement?.Resource).toMatch(/^arn:aws:sqs:eu-west-1:123456789012:/);
  });

  test('a stack that fails names the failed resource and its reason', async () => {
    const bad = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: 'missing', EventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:missing' } },
      },
    };
    await expect(deployTemplate(running(), 'Broken', bad, where)).rejects.toThrow(/CreateStack Broken failed[\s\S]*moto said HTTP 404[\s\S]*Function not found/);
    const resources = await listStackResources(running(), 'Data', where);
    expect(resources.length).toBeGreaterThan(3);
  });

  test('stop ends the process (afterAll stops it again, harmlessly)', async () => {
    const { pid } = running();
    await running().stop();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
