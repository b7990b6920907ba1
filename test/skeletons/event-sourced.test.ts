import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandFor } from '../../src/skeletons/archetypes/event-sourced';
import { renderText } from '../helpers';

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'event-sourced.yaml'), 'utf8');

describe('event-sourced skeleton', () => {
  // GIVEN the fixture: ledger-service publishes FundsDeposited and FundsWithdrawn, projects AccountBalance and
  // MonthlyStatement, snapshots every 50 events and sends its events through the outbox
  const files = render(fixture);
  const dir = 'services/ledger-service';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('commands named after the published events, on an aggregate named after the service', () => {
    expect(commandFor('FundsDeposited')).toBe('DepositFunds');
    expect(commandFor('FundsWithdrawn')).toBe('WithdrawFunds');
    expect(commandFor('ProductUpdated')).toBe('UpdateProduct');
    expect(commandFor('OrderShipped')).toBe('ShipOrder');
    expect(commandFor('Tick')).toBe('RecordTick');
    const domain = content('src/domain/ledger.ts');
    expect(files.get(`${dir}/src/domain/ledger.ts`)?.kind).toBe('owned');
    expect(domain).toContain("'deposit-funds': 'FundsDeposited',");
    expect(domain).toContain("'withdraw-funds': 'FundsWithdrawn',");
    expect(domain).toContain('export function decide(state: Ledger, command: LedgerCommand, input: LedgerCommandInput): LedgerEvent[]');
  });

  test('a managed event store port with in-memory and DynamoDB adapters, optimistic concurrency by expected version', () => {
    const store = content('src/adapters/event-store.ts');
    expect(files.get(`${dir}/src/adapters/event-store.ts`)?.kind).toBe('managed');
    expect(store).toContain('export interface EventStore');
    expect(store).toContain('export class MemoryEventStore implements EventStore');
    expect(store).toContain('export class DynamoDbEventStore implements EventStore');
    expect(store).toContain("ConditionExpression: 'attribute_not_exists(pk)'");
    expect(store).toContain('throw new ConcurrencyError(streamId, expectedVersion)');
    expect(store).toContain('createDocumentClient()');
    expect(content('test/event-store.test.ts')).toContain('class FakeTable implements AwsClient');
  });

  test('a PostgreSQL adapter on the shared pool (EVENT_STORE=postgres, DATABASE_URL): the primary key (stream_id, version) refuses a lost race', () => {
    const store = content('src/adapters/event-store.ts');
    expect(store).toContain('export class PostgresEventStore implements EventStore');
    expect(store).toContain('primary key (stream_id, version)');
    expect(store).toContain("    case 'postgres':\n      return PostgresEventStore.create(table, databaseUrl);");
    expect(store).toContain('withSetup(sharedPool(databaseUrl), (p) => new PostgresEventStore(p, table).ensureTable())');
    expect(content('src/deps.ts')).toContain('store: createEventStore(config.EVENT_STORE, `${config.TABLE_PREFIX}-events`, config.DATABASE_URL),');
    expect(content('src/config.ts')).toContain('EVENT_STORE: { kind: \'string\', default: "memory", description: "memory | dynamodb | postgres | firestore: where the event streams are kept');
    // AND the adapters' test runs the stores' contract on PostgreSQL in memory, and on a real server given TEST_DATABASE_URL
    const test = content('test/event-store.test.ts');
    expect(test).toContain("['postgres', () => new PostgresEventStore(new FakeSql(), 'events')],");
    expect(test).toContain("const databaseUrl = process.env.TEST_DATABASE_URL ?? '';");
    expect(content('test/deps.test.ts')).toContain("expect(deps.store).toBeInstanceOf(PostgresEventStore);");
  });

  test('state from snapshot + events, snapshots every snapshot_frequency events, one projector per projection', () => {
    expect(content('src/config.ts')).toContain("SNAPSHOT_FREQUENCY: { kind: 'int', default: \"50\"");
    const service = content('src/application/ledger-service.ts');
    expect(service).toContain('const snapshot = await this.store.loadSnapshot<Ledger>(id);');
    expect(service).toContain('await this.store.read(id, snapshot?.version ?? 0)');
    expect(service).toContain('await this.store.saveSnapshot(');
    expect(service).toContain('throw new HttpError(409, err.message)');
    const projections = content('src/application/projections.ts');
    expect(projections).toContain('export class AccountBalanceProjector extends RowPerStreamProjector');
    expect(projections).toContain('export class MonthlyStatementProjector extends RowPerStreamProjector');
  });

  test('HTTP: commands, the rebuilt state and the projections; events through the outbox', () => {
    const routes = content('src/routes.ts');
    expect(routes).toContain("runLedgerCommand: createRoute({\n    method: 'post',\n    path: '/ledgers/{id}/commands/{command}'");
    expect(routes).toContain("getLedger: createRoute({ method: 'get', path: '/ledgers/{id}'");
    expect(routes).toContain("listAccountBalance: createRoute({ method: 'get', path: '/projections/account-balance'");
    expect(routes).toContain("getMonthlyStatementRow: createRoute({ method: 'get', path: '/projections/monthly-statement/{id}'");
    const app = content('src/app.ts');
    for (const r of ['runLedgerCommand', 'getLedger', 'listAccountBalance', 'getAccountBalanceRow', 'listMonthlyStatement', 'getMonthlyStatementRow']) expect(app).toContain(`ROUTES.${r},`);
    const deps = content('src/deps.ts');
    expect(deps).toContain('createMessaging(config, { outbox: true, idempotency: false, schemas: EVENT_SCHEMAS })');
    expect(deps).toContain('events: messaging.events');
    expect(deps).toContain('relay: messaging.relay');
    expect(files.has(`${dir}/src/entry/relay.ts`)).toBe(true);
  });

  test('GraphQL (protocols [rest, graphql]): the state and a command mutation on the same service, the read models, its limits', () => {
    const app = content('src/app.ts');
    expect(app).toContain("eventSourcedFields(graphqlTypes, { name: 'Ledger', schema: LedgerSchema, input: LedgerCommandInputSchema, commands: Object.keys(LEDGER_COMMANDS), useCases: ledgers }),");
    expect(app).toContain("{ field: 'accountBalance', name: 'AccountBalance', schema: ProjectionRowSchema, get: (id) => deps.projections.accountBalance.get(id), page: (query) => deps.projections.accountBalance.page(query) },");
    expect(app).toContain('mountGraphql(app, graphql, { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });');
    expect(content('src/config.ts')).toContain('GRAPHQL_MAX_DEPTH: { kind: \'int\', default: "8"');
    expect(files.get(`${dir}/test/graphql.test.ts`)?.kind).toBe('managed');
    const test = content('test/ledger.test.ts');
    expect(test).toContain('mutation { ledgerCommand(id: "g1", command: DEPOSIT_FUNDS, input: { step: 1 }) { version fields } }');
    expect(test).toContain("expect((await gql('{ monthlyStatementRow(id: \"g1\") }')).data)");
    const rest = render(fixture.replace('protocols: [rest, graphql]', 'protocols: [rest]'));
    for (const f of ['src/app.ts', 'src/deps.ts', 'src/config.ts', 'test/ledger.test.ts']) expect(rest.get(`${dir}/${f}`)!.content).not.toMatch(/graphql/i);
  });

  test('snapshot_frequency 0 never snapshots; no outbox without messaging.pattern outbox', () => {
    const other = render(fixture.replace('snapshot_frequency: 50', 'snapshot_frequency: 0').replace('messaging: { pattern: outbox }', ''));
    expect(other.get(`${dir}/src/config.ts`)?.content).toContain('SNAPSHOT_FREQUENCY: { kind: \'int\', default: "0"');
    expect(other.get(`${dir}/src/deps.ts`)?.content).toContain('createMessaging(config, { outbox: false, idempotency: false, schemas: EVENT_SCHEMAS })');
    expect(other.get(`${dir}/src/deps.ts`)?.content).not.toContain('relay:');
    expect(other.has(`${dir}/src/entry/relay.ts`)).toBe(false);
  });

  test('without projections or published events: no read models, nothing published, one command on the aggregate', () => {
    const other = render(fixture.replace('projections: [AccountBalance, MonthlyStatement], ', '').replace('publishes: [FundsDeposited, FundsWithdrawn]', ''));
    const get = (p: string) => other.get(`${dir}/${p}`)?.content ?? '';
    expect(get('src/deps.ts')).toContain('readonly projections: Record<string, never>;');
    expect(get('src/deps.ts')).not.toContain('createRepository');
    expect(get('src/app.ts')).not.toContain('/projections/');
    expect(get('src/application/projections.ts')).not.toContain('RowPerStreamProjector');
    expect(get('src/application/ledger-service.ts')).toContain('void this.events; // nothing is published');
    expect(get('src/application/ledger-service.ts')).not.toContain('newEvent');
    expect(get('src/domain/ledger.ts')).toContain("'change-ledger': 'LedgerChanged',");
    expect(get('test/ledger.test.ts')).toContain('expect(publisher.published.map((e) => e.type)).toEqual([]);');
    expect(get('test/ledger.test.ts')).not.toContain('projections are fed');
  });
});
