/**
 * Pagination and compare-and-set on real backends, each a required referee in CI: a DynamoDB API (moto_server), a
 * PostgreSQL server (Debian's postgresql, test/postgres.ts) and Google's Firestore emulator (gcloud,
 * test/gcp/firestore-emulator.ts). The generated services' repositories (src/skeletons/platform) walk pages by cursor,
 * with and without a filter, and return every item exactly once; their `putIf` writes only at the expected value, one
 * writer of several racing; the CRDT documents' log (websocket.crdt) takes concurrent writers without a loss or a gap
 * and compacts into one snapshot; row-level tenant isolation (TenantScopedRepository) lets no tenant read, list, page
 * or change another's items. The in-memory, Firestore and fake-scan runs of the same contracts are the platform's own
 * tests (src/skeletons/platform/test/page.test.ts, repository.test.ts).
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createFirestore } from '../../src/skeletons/platform/src/firestore';
import { DynamoDbRepository, FirestoreRepository, PostgresRepository } from '../../src/skeletons/platform/src/repository';
import { describePageContract, type PagedItem } from '../../src/skeletons/platform/test/page-contract';
import { describePutIfContract, type RevisedItem } from '../../src/skeletons/platform/test/put-if-contract';
import { describeCrdtStoreContract } from '../../src/skeletons/platform/test/crdt-contract';
import { describeTenantIsolationContract, type TenantItem } from '../../src/skeletons/platform/test/tenant-isolation-contract';
import type { CrdtEntry } from '../../src/skeletons/platform/src/crdt';
import { startFirestoreEmulator, type FirestoreEmulator } from '../gcp/firestore-emulator';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_REGION, startMoto, type Moto } from '../aws/moto';
import { startPostgres, type Postgres } from '../postgres';
import { describeWithReferee } from '../referees';

describeWithReferee('moto_server', 'DynamoDB pages on moto', () => {
  let moto: Moto;
  let client: DynamoDBClient;
  let tables = 0;

  beforeAll(async () => {
    moto = await startMoto();
    client = new DynamoDBClient({ endpoint: moto.endpoint, region: MOTO_DEFAULT_REGION, credentials: MOTO_CREDENTIALS });
  }, 30_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  // A fresh table per repository: the partition key `pk`, as the targets create it.
  const freshTable = async <T extends { id: string }>() => {
    const name = `items-${++tables}`;
    await client.send(new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
    return new DynamoDbRepository<T>(DynamoDBDocumentClient.from(client), name);
  };
  describePageContract('DynamoDbRepository on moto', () => freshTable<PagedItem>());
  describePutIfContract('DynamoDbRepository on moto', () => freshTable<RevisedItem>());
  describeCrdtStoreContract('DynamoDbRepository on moto', () => freshTable<CrdtEntry>());
  describeTenantIsolationContract('DynamoDbRepository on moto', () => freshTable<TenantItem & { tenant: string }>());
});

describeWithReferee('pg_ctlcluster', 'PostgreSQL pages on a real server', () => {
  let pg: Postgres;
  let tables = 0;
  beforeAll(() => {
    pg = startPostgres();
  }, 60_000);
  afterAll(async () => pg?.stop());

  // A fresh table per repository, as the generated services create it.
  const freshTable = async <T extends { id: string }>() => {
    const repo = new PostgresRepository<T>(pg.pool, `items_${++tables}`);
    await repo.ensureTable();
    return repo;
  };
  describePageContract('PostgresRepository on PostgreSQL', () => freshTable<PagedItem>());
  describePutIfContract('PostgresRepository on PostgreSQL', () => freshTable<RevisedItem>());
  describeCrdtStoreContract('PostgresRepository on PostgreSQL', () => freshTable<CrdtEntry>());
  describeTenantIsolationContract('PostgresRepository on PostgreSQL', () => freshTable<TenantItem & { tenant: string }>());
});

describeWithReferee('gcloud', 'Firestore pages on the Firestore emulator', () => {
  let emulator: FirestoreEmulator;
  let collections = 0;
  const before = process.env.FIRESTORE_EMULATOR_HOST;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  }, 90_000);
  afterAll(async () => {
    if (before === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = before;
    await emulator?.stop();
  });

  // A fresh collection per repository, on one client of the emulator.
  const freshCollection = <T extends { id: string }>() => {
    const client = createFirestore({ projectId: 'allframe-test' });
    return Promise.resolve(new FirestoreRepository<T>(() => client, `items-${++collections}`));
  };
  describePageContract('FirestoreRepository on the emulator', () => freshCollection<PagedItem>());
  describePutIfContract('FirestoreRepository on the emulator', () => freshCollection<RevisedItem>());
  describeCrdtStoreContract('FirestoreRepository on the emulator', () => freshCollection<CrdtEntry>());
  describeTenantIsolationContract('FirestoreRepository on the emulator', () => freshCollection<TenantItem & { tenant: string }>());
});
