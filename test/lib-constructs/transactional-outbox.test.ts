import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { TransactionalOutbox } from '../../lib-constructs/aws/transactional-outbox';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
const fn = (s: Stack, id: string) => new ServiceFunction(s, id, { code, handler: 'index.handler' }).function;
const stack = (app = new App({ builtinCloudFormationValidation: false })) => new Stack(app, 'Test');

function statementsOf(t: Template, role: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
  return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(role))).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('TransactionalOutbox', () => {
  test('stream trigger: the outbox table (pk, TTL expiresAt, stream) and the relay on INSERTs of pending items', () => {
    // GIVEN
    const s = stack();
    const relay = fn(s, 'Relay');
    // WHEN
    const outbox = new TransactionalOutbox(s, 'Outbox', { relay, tablePrefix: 'shop-orders' });
    // THEN
    const t = Template.fromStack(s);
    expect(outbox.trigger).toBe('stream');
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'shop-orders-outbox',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('RelayFunction') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['pending'] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxRelayDlq'), 'Arn'] } } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxRelayDlq'), 'QueueName'] } }],
    });
    t.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test('the relay may read and write the outbox table and read its stream; the service may only write it', () => {
    // GIVEN
    const s = stack();
    const relay = fn(s, 'Relay');
    const service = new iam.Role(s, 'Service', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    new TransactionalOutbox(s, 'Outbox', { relay }).grantAdd(service);
    // THEN
    const t = Template.fromStack(s);
    const relayStatements = statementsOf(t, 'RelayRole');
    expect(relayStatements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: expect.arrayContaining(['dynamodb:Scan', 'dynamodb:UpdateItem']), Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxTable/), 'Arn'] } }),
        expect.objectContaining({ Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxTable/), 'StreamArn'] } }),
      ]),
    );
    for (const st of relayStatements) {
      expect(JSON.stringify(st.Resource)).toMatch(/^"\*"$|"(RelayLogs|OutboxTable|OutboxRelayDlq)[A-Z0-9]+","(Stream)?Arn"/);
    }
    const serviceStatements = statementsOf(t, 'Service');
    expect(serviceStatements).toEqual([expect.objectContaining({ Action: expect.arrayContaining(['dynamodb:PutItem']), Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxTable/), 'Arn'] } })]);
    expect(serviceStatements[0]?.Action).not.toContain('dynamodb:Scan');
  });

  test('schedule trigger: no table, the relay runs every minute with retries and an alarmed DLQ', () => {
    // GIVEN
    const s = stack();
    const relay = fn(s, 'Relay');
    // WHEN
    const outbox = new TransactionalOutbox(s, 'Outbox', { relay, trigger: 'schedule', retryAttempts: 2 });
    // THEN
    const t = Template.fromStack(s);
    expect(outbox.table).toBeUndefined();
    t.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(* * * * ? *)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RelayFunction'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxRelayDlq'), 'Arn'] } },
      }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxRelayDlq'), 'QueueName'] } }],
    });
    expect(() => outbox.grantAdd(new iam.Role(s, 'Service', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }))).toThrow('has no table');
  });

  test('table options are ignored with the schedule trigger (a caller may pass the same props for both)', () => {
    const s = stack();
    new TransactionalOutbox(s, 'A', { relay: fn(s, 'Relay'), trigger: 'schedule', tableName: 'p-outbox', batchSize: 10 });
    Template.fromStack(s).resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  test('out-of-range retries are refused', () => {
    const s = stack();
    const relay = fn(s, 'Relay');
    expect(() => new TransactionalOutbox(s, 'A', { relay, retryAttempts: 10001 })).toThrow('0 to 10000');
    expect(() => new TransactionalOutbox(s, 'B', { relay, trigger: 'schedule', retryAttempts: 186 })).toThrow('0 to 185');
  });

  test.each(['stream', 'schedule'] as const)('passes cdk-nag AwsSolutions (%s trigger)', (trigger) => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    const outbox = new TransactionalOutbox(s, 'Outbox', { relay: fn(s, 'Relay'), trigger });
    if (outbox.table) outbox.grantAdd(fn(s, 'Api'));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
