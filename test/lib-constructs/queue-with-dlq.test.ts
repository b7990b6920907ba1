import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';

function stack(): Stack {
  return new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
}

describe('QueueWithDlq', () => {
  test('an encrypted (SSE-SQS), TLS-only queue redriving to a 14-day DLQ after maxReceiveCount deliveries', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new QueueWithDlq(s, 'Orders', { maxReceiveCount: 3, consumerTimeout: Duration.seconds(20) });
    // THEN
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 345600,
      VisibilityTimeout: 120,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrdersDlq'), 'Arn'] }, maxReceiveCount: 3 },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600, RedrivePolicy: Match.absent() });
    const policies = t.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const p of Object.values(policies)) {
      expect(JSON.stringify(p)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('an alarm on the first message in the DLQ, notifying the alarm topic', () => {
    const s = stack();
    const topic = new sns.Topic(s, 'Alarms', { enforceSSL: true });
    new QueueWithDlq(s, 'Orders', { alarmTopic: topic });
    Template.fromStack(s).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
  });

  test('a customer-managed key encrypts both queues', () => {
    // GIVEN
    const s = stack();
    const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
    // WHEN
    new QueueWithDlq(s, 'Q', { encryptionMasterKey: key });
    // THEN
    const keyId = s.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const queues = Object.values(Template.fromStack(s).findResources('AWS::SQS::Queue')) as { Properties: Record<string, unknown> }[];
    expect(queues.map((q) => [q.Properties.KmsMasterKeyId, q.Properties.SqsManagedSseEnabled])).toEqual([
      [{ 'Fn::GetAtt': [keyId, 'Arn'] }, undefined],
      [{ 'Fn::GetAtt': [keyId, 'Arn'] }, undefined],
    ]);
  });

  test('defaults: 5 deliveries, 180 s visibility (6 × 30 s)', () => {
    const s = stack();
    new QueueWithDlq(s, 'Q');
    Template.fromStack(s).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 180, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
  });

  test('a deliberate maxReceiveCount of 0, or a visibility beyond SQS limits, is refused', () => {
    expect(() => new QueueWithDlq(stack(), 'Q', { maxReceiveCount: 0 })).toThrow('1 to 1000');
    expect(() => new QueueWithDlq(stack(), 'Q', { consumerTimeout: Duration.hours(3) })).toThrow('at most 43200');
  });

  test('passes cdk-nag AwsSolutions with no acknowledgement', () => {
    // GIVEN a stack with only the construct, checked by AwsSolutions
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Nag');
    new QueueWithDlq(s, 'Orders');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN synthesis (which runs the checks, failing on errors and warnings) succeeds
    expect(() => app.synth()).not.toThrow();
  });
});
