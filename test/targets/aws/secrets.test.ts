/**
 * Service secrets on AWS: a secret allframe manages starts with a generated value and rotates every
 * security.api_key_rotation_days days through the stack's one rotation function; a secret marked
 * `managed: external` has no rotation. The rotation function's code follows Secrets Manager's four steps.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ROTATION_HANDLER_SOURCE } from '../../../lib-constructs/aws/secret-rotation-function';
import { SECRETS_ARCHITECTURE, awsModelOf, buildApp } from './helpers';

describe('service secrets on AWS', () => {
  const { arch } = buildApp(awsModelOf(SECRETS_ARCHITECTURE));
  const signer = Template.fromStack(arch.services.get('signer')!);
  const mailer = Template.fromStack(arch.services.get('mailer')!);

  test('allframe-managed secrets start generated and rotate every api_key_rotation_days; external ones do not rotate', () => {
    // THEN the signer's two managed secrets rotate every 30 days through one function, the Stripe key never
    signer.resourceCountIs('AWS::SecretsManager::Secret', 3);
    signer.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    signer.allResourcesProperties('AWS::SecretsManager::RotationSchedule', {
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretRotationRotatorFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    for (const name of ['SIGNING_KEY', 'WEBHOOK_TOKEN']) {
      signer.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `vault-demo/signer/${name}`, GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } });
    }
    signer.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'vault-demo/signer/STRIPE_API_KEY', GenerateSecretString: {}, Description: Match.stringLikeRegexp('issued outside allframe') });
    // one rotation function per stack, runnable by Secrets Manager only
    const functions = Object.values(signer.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('rotates the secrets') } }));
    expect(functions).toHaveLength(1);
    signer.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'secretsmanager.amazonaws.com', Action: 'lambda:InvokeFunction' });
    // the containers' service: the external SMTP password has no rotation, the session key has
    mailer.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    mailer.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { SecretId: { Ref: Match.stringLikeRegexp('SESSIONKEY') } });
  });

  test('the rotation function may rotate exactly its secrets', () => {
    const policies = Object.values(signer.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:PutSecretValue']) })]) } } }));
    const statements = policies.flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const writes = statements.filter((st) => [st.Action].flat().includes('secretsmanager:PutSecretValue'));
    expect(writes.flatMap((st) => [st.Resource].flat()).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { Ref: expect.stringMatching(/^secretSIGNINGKEY/) },
      { Ref: expect.stringMatching(/^secretWEBHOOKTOKEN/) },
    ]);
  });
});

/** The inline handler run against a fake Secrets Manager (its four steps, as Secrets Manager calls them). */
describe('the rotation handler', () => {
  type Call = { command: string; input: Record<string, unknown> };
  function load(versions: Record<string, string[]>, pending: boolean): { handler: (event: object) => Promise<void>; calls: Call[] } {
    const calls: Call[] = [];
    const command = (name: string) =>
      class {
        readonly command = name;
        constructor(readonly input: Record<string, unknown>) {}
      };
    const sm = {
      DescribeSecretCommand: command('DescribeSecret'),
      GetSecretValueCommand: command('GetSecretValue'),
      GetRandomPasswordCommand: command('GetRandomPassword'),
      PutSecretValueCommand: command('PutSecretValue'),
      UpdateSecretVersionStageCommand: command('UpdateSecretVersionStage'),
      SecretsManagerClient: class {
        send(c: { command: string; input: Record<string, unknown> }): Promise<unknown> {
          calls.push({ command: c.command, input: c.input });
          if (c.command === 'DescribeSecret') return Promise.resolve({ RotationEnabled: true, VersionIdsToStages: versions });
          if (c.command === 'GetRandomPassword') return Promise.resolve({ RandomPassword: 'generated' });
          if (c.command === 'GetSecretValue' && !pending) return Promise.reject(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }));
          return Promise.resolve({});
        }
      },
    };
    const module = { exports: {} as { handler?: (event: object) => Promise<void> } };
    new Function('require', 'exports', 'module', ROTATION_HANDLER_SOURCE)((id: string) => (id === '@aws-sdk/client-secrets-manager' ? sm : undefined), module.exports, module);
    return { handler: module.exports.handler!, calls };
  }
  const event = (step: string) => ({ SecretId: 'arn:secret', ClientRequestToken: 'v2', Step: step });
  const VERSIONS = { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] };

  test('the handler source fits Lambda inline code (4 KiB)', () => {
    expect(Buffer.byteLength(ROTATION_HANDLER_SOURCE)).toBeLessThan(4096);
  });

  test('createSecret stores a generated value as AWSPENDING under the request token', async () => {
    const { handler, calls } = load(VERSIONS, false);
    await handler(event('createSecret'));
    expect(calls.map((c) => c.command)).toEqual(['DescribeSecret', 'GetSecretValue', 'GetRandomPassword', 'PutSecretValue']);
    expect(calls[2]!.input).toEqual({ PasswordLength: 48, ExcludePunctuation: true });
    expect(calls[3]!.input).toEqual({ SecretId: 'arn:secret', ClientRequestToken: 'v2', SecretString: 'generated', VersionStages: ['AWSPENDING'] });
  });

  test('createSecret retried after it stored the value stores nothing again', async () => {
    const { handler, calls } = load(VERSIONS, true);
    await handler(event('createSecret'));
    expect(calls.map((c) => c.command)).toEqual(['DescribeSecret', 'GetSecretValue']);
  });

  test('setSecret and testSecret have nothing to do; finishSecret moves AWSCURRENT to the new version', async () => {
    const { handler, calls } = load(VERSIONS, true);
    await handler(event('setSecret'));
    await handler(event('testSecret'));
    await handler(event('finishSecret'));
    expect(calls.map((c) => c.command)).toEqual(['DescribeSecret', 'DescribeSecret', 'DescribeSecret', 'UpdateSecretVersionStage']);
    expect(calls[3]!.input).toEqual({ SecretId: 'arn:secret', VersionStage: 'AWSCURRENT', MoveToVersionId: 'v2', RemoveFromVersionId: 'v1' });
  });

  test('a version already current is left alone; an unknown version or step fails', async () => {
    const done = load({ v2: ['AWSCURRENT'] }, true);
    await done.handler(event('finishSecret'));
    expect(done.calls.map((c) => c.command)).toEqual(['DescribeSecret']);
    await expect(load({ v1: ['AWSCURRENT'] }, true).handler(event('createSecret'))).rejects.toThrow('version v2 is not a version of arn:secret');
    await expect(load(VERSIONS, true).handler(event('bogusStep'))).rejects.toThrow('unknown rotation step bogusStep');
  });
});
