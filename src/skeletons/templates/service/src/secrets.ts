import { loadSecrets, type AwsClient } from '@allframe/platform';
import type { Config } from './config';

/** The secrets the service reads at start-up: names only, the values live in the environment or the secrets manager. */
// @slot names
export const SECRET_NAMES = ['SAMPLE_API_KEY'] as const;
// @end
export type Secrets = Readonly<Record<(typeof SECRET_NAMES)[number], string>>;

/**
 * Reads the secrets once, at start-up: from the environment (SECRETS_SOURCE=env, the default) or from AWS Secrets
 * Manager (SECRETS_SOURCE=aws-secrets), each name prefixed with SECRETS_PREFIX. Fails with the names of the missing
 * secrets, never a value. A service without secrets reads nothing.
 */
export function loadServiceSecrets(
  config: Pick<Config, 'SECRETS_SOURCE' | 'SECRETS_PREFIX'>,
  env: Record<string, string | undefined> = process.env,
  client?: AwsClient,
): Promise<Secrets> {
  const source = config.SECRETS_SOURCE;
  if (source !== 'env' && source !== 'aws-secrets') return Promise.reject(new Error(`SECRETS_SOURCE must be env or aws-secrets, not ${source}`));
  return loadSecrets(SECRET_NAMES, { source, env, prefix: config.SECRETS_PREFIX, client });
}
