import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RotatingSecret } from '../../lib-constructs/aws/rotating-secret';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';

const code = lambda.Code.fromInline('exports.handler = async () => {};');
const fn = (s: Stack, id: string) => new ServiceFunction(s, id, { code, handler: 'index.handler' }).function;
const stack = (app = new App({ builtinCloudFormationValidation: false })) => new Stack(app, 'Test');
const base = { secretName: 'shop/prod/orders/STRIPE_API_KEY', description: 'STRIPE_API_KEY of orders, issued by Stripe' };

describe('RotatingSecret', () => {
  test('a named secret, retained, no rotation by default, no value in the template', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const secret = new RotatingSecret(s, 'Stripe', { ...base, rotationReminderDays: 90 });
    // THEN
    const t = Template.fromStack(s);
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: base.secretName, Description: base.description, GenerateSecretString: {}, SecretString: Match.absent() });
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    expect(secret.rotationReminderDays).toBe(90);
    expect(Object.keys(t.toJSON().Resources as object)).toHaveLength(1); // the reminder deploys nothing
  });

  test('grantRead names this secret only; with a key, decrypt goes through Secrets Manager only', () => {
    // GIVEN
    const s = stack();
    const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
    const role = new iam.Role(s, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    new RotatingSecret(s, 'Stripe', { ...base, encryptionKey: key }).grantRead(role);
    // THEN
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('StripeSecret') } }],
      },
    });
    // the key (in the same stack) lets the reader decrypt, through Secrets Manager only
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('Reader'), 'Arn'] } },
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('with a rotation: a schedule invoking the function every N days; the function may rotate this secret', () => {
    // GIVEN
    const s = stack();
    const rotator = fn(s, 'Rotator');
    // WHEN
    const secret = new RotatingSecret(s, 'Token', { ...base, rotation: { handler: rotator, every: Duration.days(7) } });
    // THEN
    const t = Template.fromStack(s);
    expect(secret.rotationSchedule).toBeDefined();
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('TokenSecret') },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('RotatorFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
    });
    t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
            Effect: 'Allow',
            Resource: { Ref: Match.stringLikeRegexp('TokenSecret') },
          },
        ]),
      },
    });
  });

  test('ecsSecret references this secret', () => {
    const s = stack();
    const secret = new RotatingSecret(s, 'Stripe', base);
    const ecsSecret = secret.ecsSecret();
    expect(s.resolve(ecsSecret.arn)).toEqual(s.resolve(secret.secret.secretArn));
    const role = new iam.Role(s, 'Execution', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    ecsSecret.grantRead(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Resource: { Ref: Match.stringLikeRegexp('StripeSecret') } })] },
    });
  });

  test('invalid names, rotation intervals and reminders are refused', () => {
    const s = stack();
    const handler = fn(s, 'Rotator');
    expect(() => new RotatingSecret(s, 'A', { ...base, secretName: 'has space' })).toThrow('secretName "has space"');
    expect(() => new RotatingSecret(s, 'B', { ...base, rotation: { handler, every: Duration.hours(1) } })).toThrow('4 hours to 1000 days');
    expect(() => new RotatingSecret(s, 'C', { ...base, rotation: { handler, every: Duration.days(30) }, rotationReminderDays: 30 })).toThrow('rotated by hand');
    expect(() => new RotatingSecret(s, 'D', { ...base, rotationReminderDays: 0 })).toThrow('1 to 1000');
  });

  test('passes cdk-nag AwsSolutions: SMG4 acknowledged for a third-party value, nothing needed with rotation', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const s = stack(app);
    const reader = fn(s, 'Api');
    new RotatingSecret(s, 'Stripe', base).grantRead(reader);
    new RotatingSecret(s, 'Token', { ...base, secretName: 'shop/prod/orders/TOKEN', rotation: { handler: fn(s, 'Rotator'), every: Duration.days(30) } }).grantRead(reader);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
