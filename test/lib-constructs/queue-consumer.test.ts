import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { QueueConsumer } from '../../lib-constructs/aws/queue-consumer';
import { QueueWithDlq } from '../../lib-constructs/aws/queue-with-dlq';

function fixture(timeoutSeconds: number) {
  const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
  const handler = new lambda.Function(s, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    timeout: Duration.seconds(timeoutSeconds),
  });
  return { s, handler };
}

describe('QueueConsumer', () => {
  test('an event source with partial batch failures; the function may read this queue and nothing else', () => {
    // GIVEN a 20 s function and a queue sized for it
    const { s, handler } = fixture(20);
    const queue = new QueueWithDlq(s, 'Orders', { consumerTimeout: Duration.seconds(20) });
    // WHEN
    new QueueConsumer(s, 'Consumer', { queue, handler, batchSize: 5, maxConcurrency: 4 });
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrdersQueue'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('OrdersQueue'), 'Arn'] },
          },
        ],
        Version: '2012-10-17',
      },
    });
  });

  test('a queue whose visibility is below 6 × the function timeout is refused', () => {
    const { s, handler } = fixture(60);
    const queue = new QueueWithDlq(s, 'Orders'); // 180 s < 360 s
    expect(() => new QueueConsumer(s, 'Consumer', { queue, handler })).toThrow('below 6 × the function timeout (360 s)');
  });

  test('maxConcurrency below 2 is refused (SQS event sources start at 2)', () => {
    const { s, handler } = fixture(10);
    const queue = new QueueWithDlq(s, 'Orders');
    expect(() => new QueueConsumer(s, 'Consumer', { queue, handler, maxConcurrency: 1 })).toThrow('from 2 to 1000');
  });
});
