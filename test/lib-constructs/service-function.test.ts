import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { LATEST_NODE_RUNTIME, ServiceFunction } from '../../lib-constructs/aws/service-function';

const code = lambda.Code.fromInline('exports.handler = async () => {};');

describe('ServiceFunction', () => {
  test('own role writing only to its own log group, tracing on, JSON logs, Graviton, no managed policy', () => {
    const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
    new ServiceFunction(s, 'Api', { code, handler: 'index.handler', memorySize: 256 });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: LATEST_NODE_RUNTIME.name,
      MemorySize: 256,
      Timeout: 10,
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('ApiLogs') } },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiLogs'), 'Arn'] } },
        ]),
      },
    });
    expect(t.findResources('Custom::LogRetention')).toEqual({});
  });

  test('passes cdk-nag AwsSolutions with a pinned (older) runtime, acknowledged with its reason', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = new Stack(app, 'Nag');
    new ServiceFunction(s, 'Api', { code, handler: 'index.handler', runtime: lambda.Runtime.NODEJS_22_X });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
