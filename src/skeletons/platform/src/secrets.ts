import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  type GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { AwsClient } from './aws';

/** Where {@link loadSecrets} reads from. */
export interface SecretsOptions {
  /** `env`: environment variables (local runs, platforms injecting secrets); `aws-secrets`: AWS Secrets Manager. */
  source: 'env' | 'aws-secrets';
  /** Environment to read with `source: 'env'`; `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Secrets Manager client; the real one by default. */
  client?: AwsClient;
  /** Prepended to each name: the variable name or the secret id (e.g. `shop/prod/`). */
  prefix?: string;
}

/** Thrown once with the names (never the values) of every missing secret. */
export class SecretsError extends Error {
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super(`Missing secrets: ${missing.join(', ')}`);
    this.name = 'SecretsError';
    this.missing = missing;
  }
}

/** Loads every secret in `names`; an empty value counts as missing. Values are returned, never logged. */
export async function loadSecrets<const N extends string>(
  names: readonly N[],
  options: SecretsOptions,
): Promise<Record<N, string>> {
  if (names.length === 0) return {} as Record<N, string>;
  const prefix = options.prefix ?? '';
  let read: (id: string) => Promise<string | undefined>;
  if (options.source === 'env') {
    const env = options.env ?? process.env;
    read = (id) => Promise.resolve(env[id]);
  } else {
    const client = options.client ?? new SecretsManagerClient({});
    read = async (id) => {
      try {
        const out = (await client.send(new GetSecretValueCommand({ SecretId: id }))) as GetSecretValueCommandOutput;
        return out.SecretString;
      } catch (err) {
        if (err instanceof ResourceNotFoundException) return undefined;
        throw err;
      }
    };
  }
  const values = await Promise.all(names.map((name) => read(prefix + name)));
  const result: Partial<Record<N, string>> = {};
  const missing: string[] = [];
  names.forEach((name, i) => {
    const value = values[i];
    if (value) result[name] = value;
    else missing.push(prefix + name);
  });
  if (missing.length > 0) throw new SecretsError(missing);
  return result as Record<N, string>;
}

/** Stand-in values for tests: `{ NAME: 'test-name' }` for each name (what generated tests pass as the secrets). */
export function testSecrets<const N extends string>(names: readonly N[]): Record<N, string> {
  return Object.fromEntries(names.map((name) => [name, `test-${name.toLowerCase()}`])) as Record<N, string>;
}
