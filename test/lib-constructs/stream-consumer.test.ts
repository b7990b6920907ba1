import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { ServiceTable } from '../../lib-constructs/aws/service-table';
import { StreamConsumer } from '../../lib-constructs/aws/stream-consumer';
import { insertFilter } from '../../lib-constructs/core/stream-defaults';

const code = lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');

function fixture(app = new App({ builtinCloudFormationValidation: false })) {
  const s = new Stack(app, 'Test');
  const table = new ServiceTable(s, 'Items', { stream: dynamodb.StreamViewType.NEW_IMAGE }).table;
  const handler = new ServiceFunction(s, 'Fn', { code, handler: 'index.handler' }).function;
  return { app, s, table, handler };
}

describe('StreamConsumer', () => {
  test('TRIM_HORIZON, retries, bisection, partial failures, filters, an on-failure DLQ and two alarms to the topic', () => {
    // GIVEN
    const { s, table, handler } = fixture();
    const topic = new sns.Topic(s, 'Alarms', { enforceSSL: true });
    // WHEN
    new StreamConsumer(s, 'Consumer', { table, handler, filters: [insertFilter()], batchSize: 10, maxIteratorAge: Duration.minutes(2), alarmTopic: topic });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('ConsumerDlq'), 'Arn'] } } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }] });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Threshold: 120000,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('FnFunction') } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
  });

  test('no filters: every record; out-of-range settings are refused', () => {
    const { s, table, handler } = fixture();
    new StreamConsumer(s, 'Consumer', { table, handler });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::EventSourceMapping', { FilterCriteria: Match.absent() });
    expect(() => new StreamConsumer(s, 'A', { table, handler, retryAttempts: 1.5 })).toThrow('0 to 10000');
    expect(() => new StreamConsumer(s, 'B', { table, handler, batchSize: 10001 })).toThrow('1 to 10000');
  });

  test('passes cdk-nag AwsSolutions', () => {
    const { app, s, table, handler } = fixture();
    new StreamConsumer(s, 'Consumer', { table, handler });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
