import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EventTopic } from '../../lib-constructs/aws/event-topic';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';

function stack(app = new App({ builtinCloudFormationValidation: false })): Stack {
  return new Stack(app, 'Test');
}

describe('EventTopic', () => {
  test('SNS: an encrypted, TLS-only topic; queues subscribe with raw delivery and a filter on the event type', () => {
    // GIVEN
    const s = stack();
    const topic = new EventTopic(s, 'Orders');
    const mailer = new QueueWithDlq(s, 'Mailer');
    // WHEN
    topic.subscribeQueue('Mailer', mailer.queue, ['OrderCreated', 'OrderCancelled']);
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) }) });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      FilterPolicy: { type: ['OrderCreated', 'OrderCancelled'] },
    });
    // the queue lets this topic (and only it) send
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('OrdersTopic') } } } })]),
      }),
    });
  });

  test('SNS: publishing is granted on this topic only', () => {
    const s = stack();
    const topic = new EventTopic(s, 'Orders');
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    topic.grantPublish(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('OrdersTopic') } }], Version: '2012-10-17' },
    });
  });

  test('EventBridge: a bus, a rule per subscription on the detail type, PutEvents granted on this bus only', () => {
    const s = stack();
    const topic = new EventTopic(s, 'Orders', { kind: 'eventbridge', name: 'shop-orders' });
    const mailer = new QueueWithDlq(s, 'Mailer');
    topic.subscribeQueue('Mailer', mailer.queue, ['OrderCreated']);
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    topic.grantPublish(role);
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Events::EventBus', { Name: 'shop-orders' });
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'detail-type': ['OrderCreated'] }, Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailerQueue'), 'Arn'] } })] });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrdersBus'), 'Arn'] } }], Version: '2012-10-17' },
    });
  });

  test('passes cdk-nag AwsSolutions with a subscribed queue, for both kinds', () => {
    for (const kind of ['sns', 'eventbridge'] as const) {
      const app = new App({ builtinCloudFormationValidation: false });
      const s = stack(app);
      const topic = new EventTopic(s, 'Orders', { kind });
      topic.subscribeQueue('Mailer', new QueueWithDlq(s, 'Mailer').queue, ['OrderCreated']);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).not.toThrow();
    }
  });
});
