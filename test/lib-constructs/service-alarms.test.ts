import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlarmTopic } from '../../lib-constructs/aws/alarm-topic';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';
import { ServiceAlarms } from '../../lib-constructs/aws/service-alarms';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';

function stack(app = new App({ builtinCloudFormationValidation: false })): Stack {
  return new Stack(app, 'Test');
}

function handler(s: Stack, id = 'Fn', timeout?: Duration): ServiceFunction {
  return new ServiceFunction(s, id, {
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    handler: 'index.handler',
    ...(timeout !== undefined ? { timeout } : {}),
  });
}

/** The alarm named `name`'s properties. */
function alarm(t: Template, name: string): Record<string, unknown> {
  const found = Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('ServiceAlarms', () => {
  test('per function: errors, throttles and p99 duration (80% of the timeout), notifying the alarm topic', () => {
    // GIVEN
    const s = stack();
    const topic = new AlarmTopic(s, 'Alarms');
    const api = handler(s, 'Api', Duration.seconds(10));
    // WHEN
    const alarms = new ServiceAlarms(s, 'Orders', { prefix: 'shop-prod-orders', alarmTopic: topic, functions: [api.function] });
    // THEN
    const t = Template.fromStack(s);
    expect(alarms.alarms).toHaveLength(3);
    const fn = { Ref: Match.stringLikeRegexp('ApiFunction') };
    const common = {
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: fn }],
      Period: 300,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
    };
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { ...common, AlarmName: 'shop-prod-orders-Api-errors', MetricName: 'Errors', Statistic: 'Sum', Threshold: 0 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { ...common, AlarmName: 'shop-prod-orders-Api-throttles', MetricName: 'Throttles', Statistic: 'Sum', Threshold: 0 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      AlarmName: 'shop-prod-orders-Api-duration-p99',
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Statistic: Match.absent(),
      Threshold: 8000,
    });
  });

  test('latency: 80% of Lambda\'s 3 s default, or the latencyP99 prop, or the per-function option', () => {
    // GIVEN
    const s = stack();
    const plain = new lambda.Function(s, 'Plain', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    const b = handler(s, 'B');
    // WHEN
    new ServiceAlarms(s, 'Default', { prefix: 'd', functions: [plain] });
    new ServiceAlarms(s, 'Prop', { prefix: 'p', functions: [plain], latencyP99: Duration.millis(500) });
    new ServiceAlarms(s, 'Option', { prefix: 'o' }).addFunction(b.function, { latencyP99: Duration.seconds(2), name: 'worker' });
    // THEN
    const t = Template.fromStack(s);
    expect(alarm(t, 'd-Plain-duration-p99').Threshold).toBe(2400);
    expect(alarm(t, 'p-Plain-duration-p99').Threshold).toBe(500);
    expect(alarm(t, 'o-worker-duration-p99').Threshold).toBe(2000);
  });

  test('an imported function is named by its function name and needs latencyP99', () => {
    // GIVEN
    const s = stack();
    const imported = lambda.Function.fromFunctionArn(s, 'Imported', 'arn:aws:lambda:eu-west-1:123456789012:function:billing-api');
    // WHEN / THEN
    expect(() => new ServiceAlarms(s, 'NoLatency', { prefix: 'x', functions: [imported] })).toThrow('the timeout of function billing-api is not known here; pass latencyP99');
    new ServiceAlarms(s, 'Billing', { prefix: 'shop', functions: [imported], latencyP99: Duration.seconds(1) });
    const t = Template.fromStack(s);
    expect(alarm(t, 'shop-billing-api-errors').Dimensions).toEqual([{ Name: 'FunctionName', Value: 'billing-api' }]);
    expect(alarm(t, 'shop-billing-api-duration-p99').Threshold).toBe(1000);
  });

  test('HTTP API: 5xx above the error threshold and p99 latency', () => {
    // GIVEN
    const s = stack();
    const api = new apigwv2.HttpApi(s, 'Http');
    // WHEN
    new ServiceAlarms(s, 'Orders', { prefix: 'orders', httpApi: api, httpLatencyP99: Duration.millis(750), errorThreshold: 5 });
    // THEN
    const t = Template.fromStack(s);
    const dims = [{ Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('Http') } }];
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-http-5xx',
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: dims,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-http-latency-p99', MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 750 });
  });

  test('HTTP latency defaults to 1 s; without a topic the alarms have no actions', () => {
    const s = stack();
    new ServiceAlarms(s, 'Orders', { prefix: 'orders', httpApi: new apigwv2.HttpApi(s, 'Http') });
    const t = Template.fromStack(s);
    expect(alarm(t, 'orders-http-latency-p99').Threshold).toBe(1000);
    expect(alarm(t, 'orders-http-5xx').AlarmActions).toBeUndefined();
  });

  test('dead-letter queues: one message is an alarm, looked at every minute', () => {
    // GIVEN
    const s = stack();
    const work = new QueueWithDlq(s, 'Mailer');
    // WHEN
    new ServiceAlarms(s, 'Orders', { prefix: 'orders', deadLetterQueues: [work.deadLetterQueue] });
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-Mailer-Dlq-dlq-depth',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailerDlq'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('extra alarms on any metric, with their own comparison and periods', () => {
    // GIVEN
    const s = stack();
    const topic = new AlarmTopic(s, 'Alarms');
    const failures = new cloudwatch.Metric({ namespace: 'AWS/States', metricName: 'ExecutionsFailed', statistic: 'Sum', period: Duration.minutes(1) });
    // WHEN
    const alarms = new ServiceAlarms(s, 'Orders', {
      prefix: 'orders',
      alarmTopic: topic,
      extraAlarms: [{ id: 'checkout-failures', metric: failures, threshold: 1, description: 'Checkouts fail.', comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 3 }],
    });
    const healthy = new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName: 'HealthyHostCount', statistic: 'Minimum', period: Duration.minutes(1) });
    const added = alarms.addAlarm({ id: 'healthy-hosts', metric: healthy, threshold: 1, description: 'No healthy task.', comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, evaluationPeriods: 3, datapointsToAlarm: 2 });
    // THEN
    const t = Template.fromStack(s);
    expect(alarms.alarms).toHaveLength(2);
    expect(alarms.alarms[1]).toBe(added);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-checkout-failures',
      AlarmDescription: 'Checkouts fail.',
      MetricName: 'ExecutionsFailed',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-healthy-hosts', ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  });

  test('alarm names are stable: the same service gives the same template', () => {
    const render = (): string => {
      const s = stack();
      new ServiceAlarms(s, 'Orders', { prefix: 'orders', functions: [handler(s, 'Api').function, handler(s, 'Worker').function], deadLetterQueues: [new QueueWithDlq(s, 'Q').deadLetterQueue] });
      return JSON.stringify(Template.fromStack(s).toJSON());
    };
    expect(render()).toBe(render());
  });

  test('colliding names, bad prefixes and thresholds are refused', () => {
    const s = stack();
    const fn = handler(s);
    const metric = new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' });
    expect(() => new ServiceAlarms(s, 'Twice', { prefix: 'p', functions: [fn.function, fn.function] })).toThrow('two alarms would be named p-Fn-errors');
    expect(() => new ServiceAlarms(s, 'Space', { prefix: 'has space' })).toThrow('prefix "has space"');
    expect(() => new ServiceAlarms(s, 'Empty', { prefix: '' })).toThrow('prefix ""');
    expect(() => new ServiceAlarms(s, 'Neg', { prefix: 'p', errorThreshold: -1 })).toThrow('errorThreshold must be 0 or more');
    const ok = new ServiceAlarms(s, 'Ok', { prefix: 'p' });
    expect(() => ok.addAlarm({ id: 'a/b', metric, threshold: 1, description: 'd' })).toThrow('without "/"');
    expect(() => ok.addAlarm({ id: 'x'.repeat(300), metric, threshold: 1, description: 'd' })).toThrow('longer than 255');
    expect(() => ok.addAlarm({ id: 'nan', metric, threshold: Number.NaN, description: 'd' })).toThrow('finite threshold');
  });

  test('passes cdk-nag AwsSolutions with functions, a DLQ, an (imported) HTTP API and the alarm topic', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    const topic = new AlarmTopic(s, 'Alarms', { email: 'oncall@example.com' });
    const work = new QueueWithDlq(s, 'Work', { alarmTopic: topic.topic });
    new ServiceAlarms(s, 'Orders', {
      prefix: 'shop-orders',
      alarmTopic: topic,
      functions: [handler(s, 'Api').function, handler(s, 'Worker').function],
      httpApi: apigwv2.HttpApi.fromHttpApiAttributes(s, 'Http', { httpApiId: 'abc123' }),
      deadLetterQueues: [work.deadLetterQueue],
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN
    expect(() => app.synth()).not.toThrow();
  });
});
