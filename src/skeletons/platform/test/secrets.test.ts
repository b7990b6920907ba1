import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClient } from '../src/aws';
import { loadSecrets, SecretsError, testSecrets } from '../src/secrets';
import { fakeAws, inputOf } from './fakes';

// Compile-time check: the real client fits the port.
export const realClientFits: AwsClient = new SecretsManagerClient({});

const notFound = (): ResourceNotFoundException => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

describe('loadSecrets', () => {
  it('reads named secrets from the environment with a prefix', async () => {
    // GIVEN an environment with prefixed secrets
    const env = { APP_DB_PASSWORD: 'pw', APP_API_KEY: 'key' };
    // WHEN loaded
    const secrets = await loadSecrets(['DB_PASSWORD', 'API_KEY'], { source: 'env', env, prefix: 'APP_' });
    // THEN each is returned under its name
    const password: string = secrets.DB_PASSWORD;
    expect(password).toBe('pw');
    expect(secrets).toEqual({ DB_PASSWORD: 'pw', API_KEY: 'key' });
  });

  it('throws one SecretsError naming every missing secret, never a value', async () => {
    // GIVEN one present, one empty, one absent
    const env = { A: 'value-a', B: '' };
    // WHEN loaded
    const error = await loadSecrets(['A', 'B', 'C'], { source: 'env', env }).catch((e: unknown) => e);
    // THEN B and C are listed and A's value appears nowhere
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as SecretsError).missing).toEqual(['B', 'C']);
    expect((error as Error).message).toBe('Missing secrets: B, C');
  });

  it('reads process.env by default', async () => {
    process.env.PLATFORM_TEST_SECRET = 's3cret';
    await expect(loadSecrets(['PLATFORM_TEST_SECRET'], { source: 'env' })).resolves.toEqual({ PLATFORM_TEST_SECRET: 's3cret' });
    delete process.env.PLATFORM_TEST_SECRET;
  });

  it('reads AWS Secrets Manager with GetSecretValue, treating not-found as missing', async () => {
    // GIVEN a fake client knowing one secret
    const client = fakeAws((cmd) => {
      const id = inputOf(cmd).SecretId;
      if (id === 'shop/prod/db') return { SecretString: 'pw' };
      throw notFound();
    });
    // WHEN one known and one unknown secret are loaded
    const ok = await loadSecrets(['db'], { source: 'aws-secrets', client, prefix: 'shop/prod/' });
    const error = await loadSecrets(['db', 'stripe'], { source: 'aws-secrets', client, prefix: 'shop/prod/' }).catch((e: unknown) => e);
    // THEN the known one is returned and the unknown one reported by id
    expect(ok).toEqual({ db: 'pw' });
    expect(client.sent[0]).toBeInstanceOf(GetSecretValueCommand);
    expect(inputOf(client.sent[0])).toEqual({ SecretId: 'shop/prod/db' });
    expect((error as SecretsError).missing).toEqual(['shop/prod/stripe']);
  });

  it('propagates other AWS errors', async () => {
    // GIVEN a client denied access
    const client = fakeAws(() => {
      throw new Error('AccessDenied');
    });
    // WHEN / THEN
    await expect(loadSecrets(['db'], { source: 'aws-secrets', client })).rejects.toThrow('AccessDenied');
  });

  it('reads nothing, and builds no client, for no names', async () => {
    // GIVEN no names / WHEN / THEN
    await expect(loadSecrets([], { source: 'aws-secrets' })).resolves.toEqual({});
  });

  it('gives tests stand-in values named after the secrets', () => {
    expect(testSecrets(['STRIPE_API_KEY', 'DB'])).toEqual({ STRIPE_API_KEY: 'test-stripe_api_key', DB: 'test-db' });
    expect(testSecrets([])).toEqual({});
  });
});
