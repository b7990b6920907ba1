import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { StreamProcessor, type StreamProcessorProps } from '../../lib-constructs/aws/stream-processor';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');

function fixture(props: Partial<StreamProcessorProps> = {}, app = new App({ builtinCloudFormationValidation: false })) {
  const stack = new Stack(app, 'Test');
  const fn = new ServiceFunction(stack, 'Fn', { code, handler: 'index.handler' });
  const processor = new StreamProcessor(stack, 'Clicks', { handler: fn.function, ...props });
  return { app, stack, fn, processor };
}

const streamArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClicksStream'), 'Arn'] };
const dlqArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClicksDlq'), 'Arn'] };

describe('StreamProcessor', () => {
  test('an event source mapping from the oldest record with partial batch failures, bisection, bounded retries and a DLQ', () => {
    // GIVEN / WHEN a one-minute tumbling window
    const { stack } = fixture({ tumblingWindow: Duration.minutes(1) });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: streamArn,
      FunctionName: { Ref: Match.stringLikeRegexp('^FnFunction') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      ParallelizationFactor: 1,
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      TumblingWindowInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: dlqArn } },
    });
  });

  test('without a window there is none; batch size, parallelization and retries can be chosen', () => {
    const { stack } = fixture({ batchSize: 500, parallelizationFactor: 4, maxRetryAttempts: 0 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      ParallelizationFactor: 4,
      MaximumRetryAttempts: 0,
      TumblingWindowInSeconds: Match.absent(),
    });
  });

  test('an on-demand stream keeping 24 h, encrypted with the AWS-managed key by default', () => {
    const t = Template.fromStack(fixture().stack);
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      ShardCount: Match.absent(),
    });
    t.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('a shard count makes the stream provisioned; the retention can be longer', () => {
    const { stack } = fixture({ shardCount: 4, retentionPeriod: Duration.days(7) });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 4,
      RetentionPeriodHours: 168,
    });
    const provisioned = fixture({ streamMode: kinesis.StreamMode.PROVISIONED }).stack;
    Template.fromStack(provisioned).hasResourceProperties('AWS::Kinesis::Stream', { StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 1 });
  });

  test('with a customer-managed key (rotating), the stream uses it and the consumer may decrypt with it only', () => {
    // GIVEN a customer-managed key
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Test');
    const key = new kms.Key(stack, 'StreamKey', { enableKeyRotation: true });
    const fn = new ServiceFunction(stack, 'Fn', { code, handler: 'index.handler' });
    // WHEN
    const processor = new StreamProcessor(stack, 'Clicks', { handler: fn.function, encryptionKey: key });
    // THEN
    const t = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamKey'), 'Arn'] };
    t.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: { EncryptionType: 'KMS', KeyId: keyArn } });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^FnRole') }],
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn }]) },
    });
    expect(processor.encryptionKey).toBe(key);
  });

  test('the consumer may read this stream and send to this DLQ, nothing else beyond its own logs and traces', () => {
    const t = Template.fromStack(fixture().stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^FnRole') }],
      PolicyDocument: {
        Statement: [
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: Match.anyValue() },
          { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
          { Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Effect: 'Allow', Resource: dlqArn },
          { Action: Match.arrayWith(['kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']), Effect: 'Allow', Resource: streamArn },
        ],
        Version: '2012-10-17',
      },
    });
  });

  test('grantWrite allows PutRecord(s) on this stream, and GenerateDataKey on a customer-managed key', () => {
    // GIVEN a producer of a stream with the AWS-managed key, and one of a stream with a customer-managed key
    const { stack, processor } = fixture();
    const producer = new ServiceFunction(stack, 'Producer', { code, handler: 'index.handler' });
    const key = new kms.Key(stack, 'StreamKey', { enableKeyRotation: true });
    const other = new StreamProcessor(stack, 'Orders', { handler: new ServiceFunction(stack, 'OrdersFn', { code, handler: 'index.handler' }).function, encryptionKey: key });
    const orderProducer = new ServiceFunction(stack, 'OrderProducer', { code, handler: 'index.handler' });
    // WHEN
    processor.grantWrite(producer.function);
    other.grantWrite(orderProducer.function);
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ProducerRole') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
          Match.objectLike({ Resource: '*' }),
          { Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: streamArn },
        ],
        Version: '2012-10-17',
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^OrderProducerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersStream'), 'Arn'] } },
          { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamKey'), 'Arn'] } },
        ]),
      },
    });
  });

  test('the DLQ is encrypted, TLS-only, keeps 14 days, and alarms on its first message', () => {
    const { stack, processor } = fixture();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClicksDlq'), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(processor.dlqAlarm).toBeDefined();
    const age = processor.metricIteratorAgeMax();
    expect([age.namespace, age.metricName, age.statistic]).toEqual(['AWS/Lambda', 'IteratorAge', 'Maximum']);
  });

  test('pipeFrom moves each message body of a queue into the stream, with its own least-privilege role and error log', () => {
    // GIVEN a queue
    const { stack, processor } = fixture();
    const inbox = new QueueWithDlq(stack, 'Inbox');
    // WHEN
    processor.pipeFrom(inbox.queue, { partitionKeyPath: '$.body.subject' });
    // THEN
    const t = Template.fromStack(stack);
    const queueArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboxQueue'), 'Arn'] };
    const logsArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClicksPipeLogs'), 'Arn'] };
    t.hasResource('AWS::Pipes::Pipe', {
      Properties: {
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClicksPipe0Role'), 'Arn'] },
        Source: queueArn,
        SourceParameters: { SqsQueueParameters: { BatchSize: 10 } },
        Target: streamArn,
        TargetParameters: { InputTemplate: '<$.body>', KinesisStreamParameters: { PartitionKey: '$.body.subject' } },
        LogConfiguration: { Level: 'ERROR', CloudwatchLogsLogDestination: { LogGroupArn: logsArn } },
      },
      DependsOn: [Match.stringLikeRegexp('^ClicksPipe0RoleDefaultPolicy')],
    });
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'pipes.amazonaws.com' } })] } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ClicksPipe0Role') }],
      PolicyDocument: {
        Statement: [
          { Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Effect: 'Allow', Resource: queueArn },
          { Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: streamArn },
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: logsArn },
        ],
        Version: '2012-10-17',
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('pipeFrom twice: two pipes, one log group; a batch size over 10000 is refused', () => {
    const { stack, processor } = fixture();
    processor.pipeFrom(new QueueWithDlq(stack, 'A').queue, { batchSize: 100 });
    processor.pipeFrom(new QueueWithDlq(stack, 'B').queue);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Pipes::Pipe', 2);
    t.hasResourceProperties('AWS::Pipes::Pipe', { SourceParameters: { SqsQueueParameters: { BatchSize: 100 } }, TargetParameters: Match.objectLike({ KinesisStreamParameters: { PartitionKey: '$.messageId' } }) });
    expect(Object.keys(t.findResources('AWS::Logs::LogGroup')).filter((id) => id.startsWith('ClicksPipeLogs'))).toHaveLength(1);
    expect(() => processor.pipeFrom(new QueueWithDlq(stack, 'C').queue, { batchSize: 10_001 })).toThrow('batchSize must be a whole number from 1 to 10000');
  });

  test('passes cdk-nag AwsSolutions', () => {
    // GIVEN a processor with a producer and a queue piped in
    const app = new App({ builtinCloudFormationValidation: false });
    const { stack, processor } = fixture({ tumblingWindow: Duration.seconds(30) }, app);
    processor.grantWrite(new ServiceFunction(stack, 'Producer', { code, handler: 'index.handler' }).function);
    processor.pipeFrom(new QueueWithDlq(stack, 'Inbox').queue);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN
    expect(() => app.synth()).not.toThrow();
  });

  test('a customer-managed key is the caller\'s choice: cdk-nag KDS3 asks the caller to acknowledge it', () => {
    // GIVEN a stream with a customer-managed key
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Test');
    const key = new kms.Key(stack, 'StreamKey', { enableKeyRotation: true });
    new StreamProcessor(stack, 'Clicks', { handler: new ServiceFunction(stack, 'Fn', { code, handler: 'index.handler' }).function, encryptionKey: key });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN it is the one finding
    expect(() => app.synth()).toThrow('AwsSolutions-KDS3');
    const acknowledged = new App({ builtinCloudFormationValidation: false });
    const other = new Stack(acknowledged, 'Test');
    const otherKey = new kms.Key(other, 'StreamKey', { enableKeyRotation: true });
    new StreamProcessor(other, 'Clicks', { handler: new ServiceFunction(other, 'Fn', { code, handler: 'index.handler' }).function, encryptionKey: otherKey });
    Validations.of(other).acknowledge({ id: 'AwsSolutions-KDS3', reason: 'test: compliance requires a customer-managed key' });
    Validations.of(acknowledged).addPlugins(new AwsSolutionsChecks(acknowledged));
    expect(() => acknowledged.synth()).not.toThrow();
  });

  test.each<[string, Partial<StreamProcessorProps>, string]>([
    ['a zero tumbling window', { tumblingWindow: Duration.seconds(0) }, 'tumblingWindow must be a whole number from 1 to 900 s'],
    ['a tumbling window over 900 s', { tumblingWindow: Duration.minutes(16) }, 'got 960 s'],
    ['a fractional tumbling window', { tumblingWindow: Duration.millis(1500) }, 'got 1.5 s'],
    ['a shard count on an on-demand stream', { streamMode: kinesis.StreamMode.ON_DEMAND, shardCount: 2 }, 'PROVISIONED streams only'],
    ['zero shards', { shardCount: 0 }, 'shardCount must be'],
    ['a retention under 24 h', { retentionPeriod: Duration.hours(12) }, 'retentionPeriod must be a whole number from 24 to 8760 h'],
    ['a batch of 0', { batchSize: 0 }, 'batchSize must be'],
    ['a parallelization factor of 11', { parallelizationFactor: 11 }, 'parallelizationFactor must be a whole number from 1 to 10'],
    ['negative retries', { maxRetryAttempts: -1 }, 'maxRetryAttempts must be'],
  ])('%s is refused', (_, props, message) => {
    expect(() => fixture(props)).toThrow(message);
  });

  test('all problems are reported at once', () => {
    expect(() => fixture({ batchSize: 0, parallelizationFactor: 0 })).toThrow(/batchSize .*; parallelizationFactor/);
  });
});
