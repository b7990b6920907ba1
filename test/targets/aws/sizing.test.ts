/**
 * Non-default values reach the AWS templates: retries (3 and 9), timeouts, memory, CPU, concurrency, batch size,
 * visibility timeout and instance counts, asserted on the synthesized properties (SQS RedrivePolicy and
 * VisibilityTimeout, the event source mapping's BatchSize and ScalingConfig, Lambda Timeout and MemorySize, ECS
 * DesiredCount and the scalable target). Values the cloud cannot take are refused at validation, located.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { check, pos, where } from '../../helpers';
import { awsModelOf, buildApp } from './helpers';

const architecture = (retries: number) => `
architecture: { name: sizing }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: orders
    type: stateless
    memory_mb: 1024
    timeout_seconds: 25
    publishes: [OrderPlaced]
  - name: mailer
    type: consumer
    timeout_seconds: 40
    memory_mb: 768
    consumes: [{ event: OrderPlaced, from: orders }]
    consumer: { max_retries: ${retries}, concurrency: 4, batch_size: 7 }
  - name: worker
    type: consumer
    compute: fargate
    cpu: 512
    memory_mb: 2048
    timeout_seconds: 50
    min_instances: 1
    max_instances: 6
    consumes: [{ event: OrderPlaced, from: orders }]
    consumer: { max_retries: ${retries}, visibility_timeout_seconds: 400 }
  - name: api
    type: stateless
    compute: fargate
    cpu: 1024
    memory_mb: 3072
    min_instances: 2
    max_instances: 9
`;

describe.each([3, 9])('max_retries %i and other non-default sizes on AWS', (retries) => {
  // GIVEN the architecture, WHEN its stacks are built
  const { arch } = buildApp(awsModelOf(architecture(retries)));
  const t = (name: string) => Template.fromStack(arch.services.get(name)!);

  test('a Lambda consumer: maxReceiveCount, 6 × timeout visibility, batch size, maximum concurrency, timeout and memory', () => {
    const mailer = t('mailer');
    mailer.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: retries, deadLetterTargetArn: { 'Fn::GetAtt': [expectId(mailer, 'InboxDlq'), 'Arn'] } }, VisibilityTimeout: 240 });
    mailer.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 7, ScalingConfig: { MaximumConcurrency: 4 }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    mailer.hasResourceProperties('AWS::Lambda::Function', { Description: 'mailer (consumer): lambda', Timeout: 40, MemorySize: 768 });
  });

  test('a Fargate consumer: maxReceiveCount, the declared visibility timeout, task size and the scaling bounds', () => {
    const worker = t('worker');
    worker.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: retries, deadLetterTargetArn: { 'Fn::GetAtt': [expectId(worker, 'InboxDlq'), 'Arn'] } }, VisibilityTimeout: 400 });
    worker.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '2048' });
    worker.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1 });
    worker.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 6 });
  });

  test('a Lambda HTTP service: timeout and memory; a Fargate HTTP service: task size, desired count and scaling bounds', () => {
    t('orders').hasResourceProperties('AWS::Lambda::Function', { Description: 'orders (stateless): lambda', Timeout: 25, MemorySize: 1024 });
    const api = t('api');
    api.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '1024', Memory: '3072' });
    api.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
    api.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 9 });
  });
});

/** The logical id of the one queue whose id starts with `prefix`. */
function expectId(t: Template, prefix: string): string {
  const ids = Object.keys(t.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('sizes AWS cannot take are refused, located', () => {
  const head = 'architecture: { name: sizing }\ncloud: { primary: aws, aws: { region: eu-west-1 } }\nservices:\n  - name: orders\n    type: stateless\n    publishes: [OrderPlaced]\n';
  const consumer = (block: string) => `${head}  - name: mailer\n    type: consumer\n    consumes: [{ event: OrderPlaced }]\n    consumer: { ${block} }\n`;

  test('a Lambda consumer batch above 10 (it would need a batching window) is AF5002 at batch_size', () => {
    const text = consumer('batch_size: 25');
    expect(where(check(text, { target: 'aws' }).diagnostics)).toEqual([`AF5002@${pos(text, '25')}`]);
  });

  test('a Lambda consumer concurrency of 1 (the event source starts at 2) is AF5002 at concurrency', () => {
    const text = consumer('concurrency: 1');
    expect(where(check(text, { target: 'aws' }).diagnostics)).toEqual([`AF5002@${pos(text, '1 }', 2)}`]); // (the first "1 }" is the region's)
  });
});
