/**
 * Object storage in the generated services (services[].storage): the owner's bucket in `deps.objects`, the buckets a
 * service reads in `deps.buckets`, read-only; the S3 client in the package on aws and fly, none on gcp; nothing at all
 * for a service without storage. (The rendered code is type-checked and its tests run by workspace-typecheck and
 * workspace-tests, on the storage architecture of ./workspaces.ts.)
 */
import { renderedFiles } from '../helpers';
import { storageArchitecture } from './workspaces';

const FLY = `architecture:
  name: event-archive
cloud:
  primary: fly
  fly: { org: acme, primary_region: ams }
services:
  - name: order-service
    type: stateless
    publishes: [OrderPlaced]
  - name: archive-service
    type: consumer
    consumes:
      - { event: OrderPlaced, from: order-service }
    consumer: { dlq: true }
    storage: {}
`;

const dependencies = (content: (path: string) => string, service: string): string[] =>
  Object.keys((JSON.parse(content(`services/${service}/package.json`)) as { dependencies: Record<string, string> }).dependencies);

describe('object storage in the generated services', () => {
  test('on aws, the owner archives what it consumes in its bucket, with the S3 client it hands the platform', () => {
    // GIVEN a consumer with a bucket, read by a stateless service with a bucket of its own
    const { content } = renderedFiles(storageArchitecture('aws'));
    // THEN the owner's dependencies hold its bucket, on the S3 client of its package
    const deps = content('services/archive-service/src/deps.ts');
    expect(deps).toContain("import { S3 } from '@aws-sdk/client-s3';");
    expect(deps).toContain('objects: createObjectStore(config, config.BUCKET_NAME, OBJECT_CLIENTS),');
    expect(deps).not.toContain('buckets:');
    expect(dependencies(content, 'archive-service')).toContain('@aws-sdk/client-s3');
    expect(content('services/archive-service/src/config.ts')).toMatch(/OBJECT_STORE: \{ kind: 'string', default: "memory".*\n.*BUCKET_NAME:/);
    // AND its handlers archive each event, idempotently by key
    expect(content('services/archive-service/src/application/handlers.ts')).toContain('return archiveEvent(deps.objects, event);');
    expect(content('services/archive-service/test/handlers.test.ts')).toContain("deps.objects.list({ prefix: 'events/OrderPlaced/' })");
  });

  test('a reader gets the owner\'s bucket read-only, by owner, from BUCKET_<OWNER>', () => {
    const { content } = renderedFiles(storageArchitecture('aws'));
    expect(content('services/audit-service/src/deps.ts')).toContain(
      "'archive-service': readOnlyObjectStore(createObjectStore(config, config.BUCKET_ARCHIVE_SERVICE, OBJECT_CLIENTS), 'archive-service'),",
    );
    expect(content('services/audit-service/src/config.ts')).toContain('BUCKET_ARCHIVE_SERVICE: {');
  });

  test('on gcp, no S3 client: the platform calls Cloud Storage itself', () => {
    const { content } = renderedFiles(storageArchitecture('gcp'));
    expect(content('services/archive-service/src/deps.ts')).not.toContain('@aws-sdk/client-s3');
    expect(content('services/archive-service/src/deps.ts')).toContain('const OBJECT_CLIENTS: ObjectStoreClients = {};');
    expect(dependencies(content, 'archive-service')).not.toContain('@aws-sdk/client-s3');
    expect(content('services/archive-service/src/config.ts')).toContain('STORAGE_EMULATOR_HOST: {');
  });

  test('on fly, the S3 client (Tigris)', () => {
    const { content } = renderedFiles(FLY);
    expect(dependencies(content, 'archive-service')).toContain('@aws-sdk/client-s3');
    expect(content('services/archive-service/src/config.ts')).toContain('AWS_ENDPOINT_URL_S3: {');
  });

  test('a service without storage has none of it', () => {
    const { content } = renderedFiles(storageArchitecture('aws'));
    expect(dependencies(content, 'order-service')).not.toContain('@aws-sdk/client-s3');
    expect(content('services/order-service/src/deps.ts')).not.toMatch(/ObjectStore|objects|buckets/);
    expect(content('services/order-service/src/config.ts')).not.toMatch(/OBJECT_STORE|BUCKET_/);
    expect(content('packages/platform/package.json')).not.toContain('client-s3');
  });
});
