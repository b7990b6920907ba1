import { SecretsError } from '@allframe/platform'; // @if secrets
import {
  SECRET_NAMES, // @if secrets
  loadServiceSecrets,
} from '../src/secrets';

// @slot values
const VALUES = { SAMPLE_API_KEY: 'test-sample_api_key' };
// @end

// @if secrets
/** A Secrets Manager client answering `answer(id)`, recording the ids asked for. */
function fakeClient(answer: (id: string) => string | undefined) {
  const ids: string[] = [];
  const client = {
    send: (command: object) => {
      const id = (command as { input: { SecretId: string } }).input.SecretId;
      ids.push(id);
      return Promise.resolve({ SecretString: answer(id) });
    },
  };
  return { ids, client };
}
// @end

describe('secrets', () => {
  test('read from the environment by default', async () => {
    await expect(loadServiceSecrets({ SECRETS_SOURCE: 'env', SECRETS_PREFIX: '' }, { ...VALUES, OTHER: 'x' })).resolves.toEqual(VALUES);
  });

  // @if secrets
  test('read from AWS Secrets Manager, ids prefixed with SECRETS_PREFIX', async () => {
    // GIVEN the secrets in Secrets Manager under the service's prefix
    const { ids, client } = fakeClient((id) => `from-aws-${id}`);
    // WHEN read with SECRETS_SOURCE=aws-secrets
    const secrets = await loadServiceSecrets({ SECRETS_SOURCE: 'aws-secrets', SECRETS_PREFIX: 'shop/__service__/' }, undefined, client);
    // THEN each secret is its own id, nothing comes from the environment
    expect(ids).toEqual(SECRET_NAMES.map((name) => `shop/__service__/${name}`));
    expect(Object.keys(secrets)).toEqual([...SECRET_NAMES]);
    expect(Object.values(secrets).every((v) => v.startsWith('from-aws-shop/'))).toBe(true);
  });

  test('a missing secret is an error naming it, never a value', async () => {
    // GIVEN __lastSecret__ missing (any other secret set)
    // @slot others
    const env: Record<string, string> = {};
    // @end
    // WHEN read, from the environment or Secrets Manager
    const fromEnv = loadServiceSecrets({ SECRETS_SOURCE: 'env', SECRETS_PREFIX: '' }, env);
    const fromAws = loadServiceSecrets({ SECRETS_SOURCE: 'aws-secrets', SECRETS_PREFIX: 'p/' }, {}, fakeClient((id) => (id === 'p/__lastSecret__' ? undefined : 'value')).client);
    // THEN the error names the secret and holds no value
    const error = await fromEnv.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as SecretsError).missing).toEqual(['__lastSecret__']);
    expect((error as Error).message).toContain('__lastSecret__');
    for (const value of Object.values(env)) expect((error as Error).message).not.toContain(value);
    await expect(fromAws).rejects.toThrow('Missing secrets: p/__lastSecret__');
  });
  // @end

  test('an unknown SECRETS_SOURCE is refused', async () => {
    await expect(loadServiceSecrets({ SECRETS_SOURCE: 'vault', SECRETS_PREFIX: '' })).rejects.toThrow('SECRETS_SOURCE must be env or aws-secrets, not vault');
  });
});
