import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScheduledJob } from '../../lib-constructs/aws/scheduled-job';
import { toEventBridgeCron } from '../../lib-constructs/core/cron';

describe('toEventBridgeCron', () => {
  test.each([
    ['0 2 * * *', 'cron(0 2 * * ? *)'],
    ['*/15 9-17 * * MON-FRI', 'cron(*/15 9-17 ? * MON-FRI *)'],
    ['0 8 * * 1-5', 'cron(0 8 ? * 2-6 *)'],
    ['0 8 * * 0,6', 'cron(0 8 ? * 1,7 *)'],
    ['0 8 * * 7', 'cron(0 8 ? * 1 *)'],
    ['30 1 1 * *', 'cron(30 1 1 * ? *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['0 9 * * 5-7', 'cron(0 9 ? * 6,7,1 *)'],
    ['0 9 * * */2', 'cron(0 9 ? * */2 *)'],
  ])('%s → %s', (input, expected) => {
    expect(toEventBridgeCron(input)).toBe(expected);
  });

  test('both day fields restricted, or a wrong field count, is refused', () => {
    expect(() => toEventBridgeCron('0 2 1 * MON')).toThrow('both day-of-month and day-of-week');
    expect(() => toEventBridgeCron('0 2 * *')).toThrow('expected 5 cron fields');
    expect(() => toEventBridgeCron('0 2 * * 1-5/2')).toThrow('cannot express the day-of-week');
  });
});

describe('ScheduledJob', () => {
  test('a schedule in its time zone invoking the function with retries and a DLQ', () => {
    // GIVEN
    const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
    const handler = new lambda.Function(s, 'Job', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    // WHEN
    new ScheduledJob(s, 'Nightly', { cron: '0 2 * * *', timeZone: 'Europe/Amsterdam', handler, retryAttempts: 3 });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Amsterdam',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Job'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NightlyDlq'), 'Arn'] } },
      }),
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  test('passes cdk-nag AwsSolutions; its own acknowledgements name their reasons', () => {
    // GIVEN the job with a function whose own findings (managed policy, runtime) are the caller's to settle
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Nag');
    const handler = new lambda.Function(s, 'Job', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    Validations.of(handler).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'test function' });
    Validations.of(handler).acknowledge({ id: 'AwsSolutions-L1', reason: 'test function' });
    new ScheduledJob(s, 'Nightly', { cron: '@daily', handler });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN
    expect(() => app.synth()).not.toThrow();
  });

  test('retryAttempts outside 0..185 is refused', () => {
    const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
    const handler = new lambda.Function(s, 'Job', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    expect(() => new ScheduledJob(s, 'Nightly', { cron: '@daily', handler, retryAttempts: 186 })).toThrow('0 to 185');
  });
});
