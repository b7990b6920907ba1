import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_DEPENDENCIES } from '../../src/skeletons/versions';
import { renderedFiles } from '../helpers';

// What the generated code needs to run as the GCP target deploys it: Firestore storage (STORE=firestore,
// EVENT_STORE=firestore), ID tokens on calls between services (OUTBOUND_AUTH=google-id-token), Cloud SQL IAM login
// (PG_IAM_PROVIDER=gcp); the saga on Workflows is in saga-orchestrator.test.ts.
describe('generated code on Google Cloud', () => {
  // GIVEN the reference architecture
  const { files, content } = renderedFiles(readFileSync(join(__dirname, '..', '..', 'examples', 'shop', 'architecture.yaml'), 'utf8'));
  const stores = ['inventory-service', 'user-service', 'order-service', 'catalog-service', 'notification-service'];

  test('the platform depends directly, pinned, on Firestore and google-auth-library, in versions that run on Node 20', () => {
    const pkg = JSON.parse(content('packages/platform/package.json')) as { dependencies: Record<string, string> };
    for (const name of ['@google-cloud/firestore', 'google-auth-library'] as const) {
      expect(pkg.dependencies[name]).toBe(RUNTIME_DEPENDENCIES[name]);
      expect(pkg.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    }
    // firestore 9 and google-auth-library 11 need Node 22
    expect(Number(RUNTIME_DEPENDENCIES['@google-cloud/firestore'].split('.')[0])).toBeLessThan(9);
    expect(Number(RUNTIME_DEPENDENCIES['google-auth-library'].split('.')[0])).toBeLessThan(11);
    for (const name of ['firestore', 'id-token-fetch']) expect(content('packages/platform/src/index.ts')).toContain(`export * from './${name}';`);
  });

  test('every service with a store offers firestore, its database and project, loaded lazily behind a port', () => {
    for (const s of stores) {
      const config = content(`services/${s}/src/config.ts`);
      expect(config).toMatch(/STORE: \{ kind: 'string', default: "memory", description: "[^"]*memory \| dynamodb \| postgres \| firestore"/);
      expect(config).toContain('FIRESTORE_DATABASE: { kind: \'string\', default: "(default)"');
      expect(config).toContain('GOOGLE_CLOUD_PROJECT: { kind: \'string\', default: ""');
    }
    const firestore = content('packages/platform/src/firestore.ts');
    expect(firestore).toContain("const { Firestore } = await import('@google-cloud/firestore');");
    expect(firestore).toContain('export class MemoryFirestore implements FirestoreDb {');
    const wiring = content('packages/platform/src/wiring.ts');
    expect(wiring).toContain("const STORES = 'memory, dynamodb, postgres, firestore';");
    for (const adapter of ['FirestoreRepository.create<T>(table)', 'FirestoreOutbox.create(table)', 'FirestoreIdempotencyStore.create(table)']) {
      expect(wiring).toContain(`    case 'firestore':\n      return ${adapter};`);
    }
    // AND a unit of work writes the state change and its outbox entries in one batch
    expect(content('packages/platform/src/unit-of-work.ts')).toContain('if (repository instanceof FirestoreRepository && outbox instanceof FirestoreOutbox) {');
    expect(content('packages/platform/test/unit-of-work.test.ts')).toContain("test('Firestore: the document and its outbox documents are committed in ONE batch'");
  });

  test('the event-sourced service keeps its streams in Firestore with EVENT_STORE=firestore', () => {
    const es = [...files.keys()].find((p) => p.endsWith('/src/adapters/event-store.ts'))!;
    const dir = es.replace('/src/adapters/event-store.ts', '');
    expect(content(`${dir}/src/config.ts`)).toContain('description: "memory | dynamodb | postgres | firestore: where the event streams are kept');
    expect(content(es)).toContain('export class FirestoreEventStore implements EventStore {');
    expect(content(es)).toContain("    case 'firestore':\n      return FirestoreEventStore.create(table);");
    expect(content(`${dir}/test/event-store.test.ts`)).toContain("['firestore', () => new FirestoreEventStore(new MemoryFirestore(), 'events')],");
  });

  test('services calling others may send Google ID tokens; the allowed values are listed where they are read', () => {
    for (const caller of ['order-service', 'web-bff']) {
      expect(content(`services/${caller}/src/config.ts`)).toContain('description: "none | aws-iam | google-id-token | ed25519: how calls to other services are authenticated');
    }
    expect(content('packages/platform/src/signed-fetch.ts')).toContain("export const OUTBOUND_AUTH_KINDS = ['none', 'aws-iam', 'google-id-token', 'ed25519'] as const;");
    expect(content('packages/platform/src/signed-fetch.ts')).toContain('`OUTBOUND_AUTH must be one of ${OUTBOUND_AUTH_KINDS.join(\', \')}, got ${JSON.stringify(auth)}`');
    expect(content('packages/platform/src/id-token-fetch.ts')).toContain("const { GoogleAuth } = await import('google-auth-library');");
    expect(content('services/web-bff/README.md')).toContain('with `OUTBOUND_AUTH=google-id-token` they carry a Google ID token');
  });

  test('every service with a store can log in to Cloud SQL with IAM: PG_IAM_PROVIDER, aws by default', () => {
    for (const s of stores) {
      const config = content(`services/${s}/src/config.ts`);
      expect(config).toContain('PG_IAM_PROVIDER: { kind: \'string\', default: "aws"');
      expect(config).toContain('PG_SERVER_CA: { kind: \'string\', default: ""');
    }
    const postgres = content('packages/platform/src/postgres.ts');
    expect(postgres).toContain("export const CLOUD_SQL_LOGIN_SCOPE = 'https://www.googleapis.com/auth/sqlservice.login';");
    expect(postgres).toContain('const auth = new GoogleAuth({ scopes: [CLOUD_SQL_LOGIN_SCOPE] });');
    expect(postgres).toContain("const create = options.signer ?? (options.iamProvider === 'gcp' ? cloudSqlSigner : rdsSigner);");
  });
});
