/**
 * The secrets a service lists in `secrets:`, read once at start-up: from the environment (SECRETS_SOURCE=env, the
 * default: local runs, platforms injecting them) or from AWS Secrets Manager (SECRETS_SOURCE=aws-secrets, ids
 * prefixed with SECRETS_PREFIX, as the AWS target sets them). They are never configuration variables: on Lambda
 * their values are not in the environment. Container entries await them before serving; Lambda entries on the
 * first invocation of an instance (the platform's `startOnce`).
 */
import { secretNamesOf } from '../resolve/model';
import type { ConfigVar } from './common';
import type { ServiceContext } from './context';

export function secretNames(ctx: ServiceContext): readonly string[] {
  return secretNamesOf(ctx.service);
}

/** SECRETS_SOURCE and SECRETS_PREFIX: configuration of every service (most have no secrets, and read none). */
export function secretsConfig(): Record<string, ConfigVar> {
  return {
    SECRETS_SOURCE: { kind: 'string', default: 'env', description: 'env | aws-secrets: where the secrets are read at start-up' },
    SECRETS_PREFIX: { kind: 'string', default: '', description: 'Prefix of the secret ids (aws-secrets) or variable names (env), e.g. shop/user-service/' },
  };
}
