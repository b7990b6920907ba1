import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EventStore } from '../../lib-constructs/aws/event-store';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
const fn = (s: Stack, id: string) => new ServiceFunction(s, id, { code, handler: 'index.handler' }).function;
const stack = (app = new App({ builtinCloudFormationValidation: false })) => new Stack(app, 'Test');

/** The statements of the IAM policy attached to `role` (a logical id prefix). */
function statementsOf(t: Template, role: string): unknown[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: unknown[] } } }[];
  return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(role))).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('EventStore', () => {
  test('the events table: pk string, sk number, stream of new images, PITR, deletion protection, retained', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new EventStore(s, 'Store', { tablePrefix: 'shop-orders' });
    // THEN
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'shop-orders-events',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });

  test('a projection: its own table named as the runtime names it, fed by appended events only, with a DLQ', () => {
    // GIVEN
    const s = stack();
    const handler = fn(s, 'Summary');
    // WHEN
    new EventStore(s, 'Store', { tablePrefix: 'shop-orders', projections: [{ name: 'OrderSummary', handler }], retryAttempts: 5 });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'shop-orders-order-summary', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('SummaryFunction') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('StoreEventsTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { N: [{ 'anything-but': ['0'] }] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('StoreOrderSummaryConsumerDlq'), 'Arn'] } } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('StoreOrderSummaryConsumerDlq'), 'QueueName'] } }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 300000 });
  });

  test('a projection function may read the stream, send to its DLQ and use its own table, nothing else', () => {
    // GIVEN
    const s = stack();
    const handler = fn(s, 'Summary');
    // WHEN
    new EventStore(s, 'Store', { projections: [{ name: 'OrderSummary', handler }] });
    // THEN every statement names an ARN of the stream, the DLQ or the projection table (or the log group / X-Ray)
    const statements = statementsOf(Template.fromStack(s), 'SummaryRole');
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StoreEventsTable/), 'StreamArn'] } }),
        expect.objectContaining({ Action: 'dynamodb:ListStreams', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StoreEventsTable/), 'StreamArn'] } }),
        expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']), Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StoreOrderSummaryConsumerDlq/), 'Arn'] } }),
        expect.objectContaining({ Action: expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']), Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StoreOrderSummaryTable/), 'Arn'] } }),
      ]),
    );
    const resources = statements.map((st) => JSON.stringify((st as { Resource: unknown }).Resource));
    for (const r of resources) expect(r).toMatch(/^"\*"$|"(SummaryLogs|StoreOrderSummaryTable|StoreOrderSummaryConsumerDlq)[A-Z0-9]+","Arn"|"StoreEventsTable[A-Z0-9]+","StreamArn"/);
    expect(resources.filter((r) => r === '"*"')).toHaveLength(1); // X-Ray, which takes no resource
    expect(JSON.stringify(statements)).not.toContain('dynamodb:DeleteTable');
  });

  test('the publisher receives appended events; the service may append and read, on exactly its tables', () => {
    // GIVEN
    const s = stack();
    const publisher = fn(s, 'Publisher');
    const service = new iam.Role(s, 'Service', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    const store = new EventStore(s, 'Store', { publisher, projections: [{ name: 'Totals', handler: fn(s, 'Totals') }] });
    store.grantAppend(service);
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('PublisherFunction') },
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('"eventName":\\["INSERT"\\]') }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('StorePublisherConsumerDlq'), 'Arn'] } } },
    });
    expect(store.deadLetterQueues).toHaveLength(2);
    expect(store.alarms).toHaveLength(4);
    const resources = statementsOf(t, 'Service').map((st) => (st as { Resource: unknown }).Resource);
    expect(resources).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^StoreEventsTable/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^StoreEventsTable/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^StoreTotalsTable/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^StoreTotalsTable/), 'Arn'] },
    ]);
    expect(JSON.stringify(statementsOf(t, 'Service'))).not.toContain('dynamodb:DeleteTable');
  });

  test('tableName overrides the prefix; unprotected tables are deleted with the stack', () => {
    const s = stack();
    new EventStore(s, 'Store', { tablePrefix: 'p', tableName: 'custom-events', protect: false });
    const t = Template.fromStack(s);
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ TableName: 'custom-events' }) });
  });

  test('invalid, reserved or colliding projection names and out-of-range retries are refused', () => {
    const s = stack();
    const handler = fn(s, 'H');
    expect(() => new EventStore(s, 'A', { projections: [{ name: 'order-summary', handler }] })).toThrow('must be letters and digits');
    expect(() => new EventStore(s, 'B', { projections: [{ name: 'Publisher', handler }] })).toThrow('reserved');
    expect(() => new EventStore(s, 'C', { projections: [{ name: 'OrderSummary', handler }, { name: 'orderSummary', handler }] })).toThrow('share the table suffix order-summary');
    expect(() => new EventStore(s, 'D', { publisher: handler, retryAttempts: -1 })).toThrow('0 to 10000');
    expect(() => new EventStore(s, 'E', { publisher: handler, batchSize: 0 })).toThrow('1 to 10000');
  });

  test('passes cdk-nag AwsSolutions with projections and a publisher', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    const store = new EventStore(s, 'Store', { tablePrefix: 'shop-orders', publisher: fn(s, 'Publisher'), projections: [{ name: 'OrderSummary', handler: fn(s, 'Summary') }] });
    store.grantAppend(fn(s, 'Api'));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
