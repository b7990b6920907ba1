import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlarmTopic } from '../../lib-constructs/aws/alarm-topic';

function stack(app = new App({ builtinCloudFormationValidation: false })): Stack {
  return new Stack(app, 'Test');
}

describe('AlarmTopic', () => {
  test('a topic encrypted with its own rotating key that CloudWatch may use', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new AlarmTopic(s, 'Alarms');
    // THEN
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      PendingWindowInDays: 30,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
          },
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmsKey'), 'Arn'] },
      SignatureVersion: '2',
    });
  });

  test('the topic policy refuses publishing without TLS and lets only this account\'s alarms publish', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new AlarmTopic(s, 'Alarms');
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowCloudWatchAlarmsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('AlarmsTopic') },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']],
                },
              },
            },
          },
        ]),
      }),
    });
  });

  test('an email subscription when an address is given', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new AlarmTopic(s, 'Alarms', { email: 'oncall@example.com', topicName: 'shop-alarms', displayName: 'Shop alarms' });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'shop-alarms', DisplayName: 'Shop alarms' });
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('AlarmsTopic') },
    });
  });

  test.each([[undefined], ['']])('no subscription when email is %p', (email) => {
    // GIVEN
    const s = stack();
    // WHEN
    new AlarmTopic(s, 'Alarms', email === undefined ? {} : { email });
    // THEN
    Template.fromStack(s).resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test.each([['oncall'], ['on call@example.com'], ['oncall@example'], ['a@b@example.com']])('refuses %p as an email address', (email) => {
    const s = stack();
    expect(() => new AlarmTopic(s, 'Alarms', { email })).toThrow('does not look like an email address');
  });

  test('alarmAction sends an alarm to the topic', () => {
    // GIVEN
    const s = stack();
    const topic = new AlarmTopic(s, 'Alarms');
    const alarm = new cloudwatch.Alarm(s, 'Alarm', {
      metric: new cloudwatch.Metric({ namespace: 'Shop', metricName: 'Orders', period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    // WHEN
    alarm.addAlarmAction(topic.alarmAction);
    // THEN
    Template.fromStack(s).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }] });
  });

  test('passes cdk-nag AwsSolutions without acknowledgements', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false });
    new AlarmTopic(stack(app), 'Alarms', { email: 'oncall@example.com' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN
    expect(() => app.synth()).not.toThrow();
  });
});
