import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_DEPENDENCIES } from '../../src/skeletons/versions';
import { renderedFiles } from '../helpers';

// What the generated code needs to run as the AWS target deploys it: signed calls between services, IAM
// authentication to PostgreSQL (the saga on Step Functions is in saga-orchestrator.test.ts).
describe('generated code on AWS', () => {
  // GIVEN the reference architecture
  const { content } = renderedFiles(readFileSync(join(__dirname, '..', '..', 'examples', 'shop', 'architecture.yaml'), 'utf8'));

  test('the platform depends directly, pinned, on the SigV4 signer, its hash, the credential chain and the RDS signer', () => {
    const pkg = JSON.parse(content('packages/platform/package.json')) as { dependencies: Record<string, string> };
    for (const name of ['@smithy/signature-v4', '@aws-crypto/sha256-js', '@aws-sdk/credential-provider-node', '@aws-sdk/rds-signer'] as const) {
      expect(pkg.dependencies[name]).toBe(RUNTIME_DEPENDENCIES[name]);
      expect(pkg.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(content('packages/platform/src/index.ts')).toContain("export * from './signed-fetch';");
    expect(content('packages/platform/src/signed-fetch.ts')).toContain("service: options.service ?? 'execute-api',");
    expect(content('packages/platform/test/signed-fetch.test.ts')).toContain('expectedSignature(canonical)');
  });

  test('only the services that call others have OUTBOUND_AUTH', () => {
    for (const caller of ['order-service', 'web-bff']) expect(content(`services/${caller}/src/config.ts`)).toContain('OUTBOUND_AUTH: { kind: \'string\', default: "none"');
    for (const other of ['user-service', 'inventory-service', 'notification-service']) expect(content(`services/${other}/src/config.ts`)).not.toContain('OUTBOUND_AUTH');
  });

  test('every service with a store has PG_IAM_AUTH, off by default; the platform pool reads it', () => {
    for (const s of ['inventory-service', 'user-service', 'order-service', 'catalog-service', 'notification-service']) {
      expect(content(`services/${s}/src/config.ts`)).toContain('PG_IAM_AUTH: { kind: \'bool\', default: "false"');
    }
    const wiring = content('packages/platform/src/wiring.ts');
    expect(wiring).toContain('options: PostgresPoolOptions = postgresOptionsFrom(process.env)');
    const postgres = content('packages/platform/src/postgres.ts');
    expect(postgres).toContain("const { Signer } = await import('@aws-sdk/rds-signer');");
    expect(postgres).toContain('password: async () => (await (signer ??= Promise.resolve(create(target)))).getAuthToken(),');
    expect(postgres).toContain("if (options.iamProvider !== 'gcp') return true;");
  });
});
