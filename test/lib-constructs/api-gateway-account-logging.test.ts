import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiGatewayAccountLogging } from '../../lib-constructs/aws/api-gateway-account-logging';

describe('ApiGatewayAccountLogging', () => {
  test('sets the account CloudWatch role from an inline-policy role, both retained', () => {
    // GIVEN / WHEN
    const s = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
    new ApiGatewayAccountLogging(s, 'Logging');
    // THEN
    const t = Template.fromStack(s);
    t.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain', Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('LoggingRole'), 'Arn'] } } });
    t.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: { ManagedPolicyArns: Match.absent(), AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] }) },
    });
  });

  test('passes cdk-nag AwsSolutions with its one reasoned acknowledgement', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    new ApiGatewayAccountLogging(new Stack(app, 'Nag'), 'Logging');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
