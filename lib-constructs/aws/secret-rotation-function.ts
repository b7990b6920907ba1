import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { GENERATED_SECRET_LENGTH, ROTATION_FUNCTION_TIMEOUT } from '../core/secret-defaults';
import { ServiceFunction } from './service-function';

/**
 * The rotation function of secrets whose value allframe generates: Secrets Manager's four-step contract for a value
 * nothing else has to learn first. createSecret stores a new random value (GetRandomPassword, letters and digits) as
 * AWSPENDING; setSecret and testSecret have nothing to do (no database or vendor holds the value); finishSecret
 * moves AWSCURRENT to it. Readers pick the new value up when they next read it (services read at start-up).
 * Each step is idempotent, as Secrets Manager retries them. Plain CommonJS on the runtime's AWS SDK v3, inline (no
 * asset, under Lambda's 4 KiB limit for inline code).
 */
export const ROTATION_HANDLER_SOURCE = `const sm = require('@aws-sdk/client-secrets-manager');
const client = new sm.SecretsManagerClient({});
exports.handler = async (event) => {
  const { SecretId: id, ClientRequestToken: token, Step: step } = event;
  const secret = await client.send(new sm.DescribeSecretCommand({ SecretId: id }));
  if (!secret.RotationEnabled) throw new Error('rotation is not enabled on ' + id);
  const versions = secret.VersionIdsToStages || {};
  const stages = versions[token];
  if (!stages) throw new Error('version ' + token + ' is not a version of ' + id);
  if (stages.includes('AWSCURRENT')) return;
  if (!stages.includes('AWSPENDING')) throw new Error('version ' + token + ' of ' + id + ' is not pending');
  if (step === 'createSecret') {
    try {
      await client.send(new sm.GetSecretValueCommand({ SecretId: id, VersionId: token, VersionStage: 'AWSPENDING' }));
    } catch (error) {
      if (error.name !== 'ResourceNotFoundException') throw error;
      const { RandomPassword: value } = await client.send(new sm.GetRandomPasswordCommand({ PasswordLength: ${GENERATED_SECRET_LENGTH}, ExcludePunctuation: true }));
      await client.send(new sm.PutSecretValueCommand({ SecretId: id, ClientRequestToken: token, SecretString: value, VersionStages: ['AWSPENDING'] }));
    }
  } else if (step === 'finishSecret') {
    const current = Object.keys(versions).find((v) => versions[v].includes('AWSCURRENT'));
    await client.send(new sm.UpdateSecretVersionStageCommand({ SecretId: id, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }));
  } else if (step !== 'setSecret' && step !== 'testSecret') {
    throw new Error('unknown rotation step ' + step);
  }
};
`;

export interface SecretRotationFunctionProps {
  /**
   * What the function rotates, shown in the console.
   * @default - "Rotates the secrets allframe generates"
   */
  readonly description?: string;
}

/**
 * A `ServiceFunction` running `ROTATION_HANDLER_SOURCE`: pass its `function` as a `RotatingSecret`'s
 * `rotation.handler`. Adding the rotation schedule grants it the one secret (and GetRandomPassword, which takes no
 * resource); it is given nothing else.
 */
export class SecretRotationFunction extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: SecretRotationFunctionProps = {}) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Rotator', {
      code: Code.fromInline(ROTATION_HANDLER_SOURCE),
      handler: 'index.handler',
      timeout: ROTATION_FUNCTION_TIMEOUT,
      memorySize: 256,
      description: props.description ?? 'Rotates the secrets allframe generates',
    }).function;
  }
}
