import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');
const withGrpc = readFileSync(join(root, 'fixtures', 'archetypes-gcp', 'stateless.yaml'), 'utf8');
const withoutGrpc = readFileSync(join(root, 'fixtures', 'archetypes', 'stateless.yaml'), 'utf8');

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

describe('gRPC in a stateless service (protocols: [rest, graphql, grpc])', () => {
  const files = render(withGrpc);
  const content = (path: string) => {
    const f = files.get(path);
    if (!f) throw new Error(`${path} not rendered`);
    return f.content;
  };
  const dir = 'services/customer-api';

  test('every entity over gRPC, on the application services of the routes, in a package named after the service', () => {
    const app = content(`${dir}/src/app.ts`);
    expect(app).toContain("import { GrpcApi, type GrpcServer } from '@customer-platform/platform/grpc';");
    expect(app).toContain("export const GRPC_PACKAGE = 'customer_platform.customer_api.v1';");
    expect(app).toContain("export const GRPC_FILE = 'customer_platform/customer_api/v1/customer_api.proto';");
    expect(app).toContain("api.crud({ name: 'Customer', plural: 'customers', schema: CustomerSchema, input: CustomerInputSchema, filters: CustomerFilters, useCases: customerService });");
    expect(app).toContain("api.crud({ name: 'Address', plural: 'addresses', schema: AddressSchema, input: AddressInputSchema, filters: AddressFilters, useCases: addressService });");
    expect(app).toContain('return api.server({ logger: deps.logger, reflection: deps.apiDocs });');
  });

  test('the container entry serves gRPC beside the HTTP app, on the same port', () => {
    const entry = content(`${dir}/src/entry/server.ts`);
    expect(entry).toContain("import { buildApp, buildGrpc } from '../app';");
    expect(entry).toContain('    wrapper: buildGrpc(deps),\n');
    const pkg = JSON.parse(content(`${dir}/package.json`)) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['@connectrpc/connect', '@connectrpc/connect-node']));
  });

  test('the .proto file committed and checked by a managed test; `npm run proto` rewrites it', () => {
    expect(files.get(`${dir}/test/grpc.test.ts`)?.kind).toBe('managed');
    expect(content(`${dir}/test/grpc.test.ts`)).toContain("const FILE = join(__dirname, '..', 'proto', GRPC_FILE);");
    expect((JSON.parse(content('package.json')) as { scripts: Record<string, string> }).scripts['proto']).toBe('UPDATE_PROTO=1 jest --coverage=false test/grpc');
  });

  test('the owned test calls the service with a real gRPC client over a real socket, and reads back over REST', () => {
    const test = content(`${dir}/test/customer.test.ts`);
    expect(test).toContain("test('the same use cases over gRPC, a real client on a real socket: what one protocol writes, the other reads'");
    expect(test).toContain('const server = serve(buildApp(deps), { port: 0, logger: deps.logger, signals: [], wrapper: grpc });');
    expect(test).toContain("const client = jsonClient(grpc.api.serviceDesc('CustomerService'), createGrpcTransport({ baseUrl }));");
    expect(test).toContain("await expect(client['createCustomer']!({ name: '' })).rejects.toMatchObject({ code: Code.InvalidArgument");
  });
});

describe('a stateless service without grpc', () => {
  const files = render(withoutGrpc);
  test('serves no gRPC: no import of it, no proto test, no script, the plain server entry', () => {
    const dir = 'services/customer-api';
    for (const f of ['src/app.ts', 'src/entry/server.ts', 'test/customer.test.ts', 'package.json']) expect(files.get(`${dir}/${f}`)!.content).not.toMatch(/grpc|connectrpc/i);
    expect(files.has(`${dir}/test/grpc.test.ts`)).toBe(false);
    expect((JSON.parse(files.get('package.json')!.content) as { scripts: Record<string, string> }).scripts['proto']).toBeUndefined();
  });
});

describe('gRPC in an event-sourced service (protocols: [rest, grpc])', () => {
  const files = render(readFileSync(join(root, 'fixtures', 'archetypes-gcp', 'event-sourced.yaml'), 'utf8'));
  const dir = 'services/ledger-service';
  const content = (path: string) => files.get(`${dir}/${path}`)!.content;

  test('its state, commands and read models over gRPC, on the application service of the routes', () => {
    const app = content('src/app.ts');
    expect(app).toContain("export const GRPC_PACKAGE = 'banking_core.ledger_service.v1';");
    expect(app).toContain("{ name: 'Ledger', schema: LedgerSchema, input: LedgerCommandInputSchema, commands: Object.keys(LEDGER_COMMANDS), useCases: entityService(deps) },");
    expect(app).toContain("{ name: 'AccountBalance', get: (id) => deps.projections.accountBalance.get(id), page: (query) => deps.projections.accountBalance.page(query) },");
    expect(app).toContain("{ name: 'MonthlyStatement', get: (id) => deps.projections.monthlyStatement.get(id), page: (query) => deps.projections.monthlyStatement.page(query) },");
    expect(app).toContain('const ledgers = entityService(deps);');
    expect(files.get(`${dir}/test/grpc.test.ts`)?.kind).toBe('managed');
    const test = content('test/ledger.test.ts');
    expect(test).toContain("const client = jsonClient(grpc.api.serviceDesc('LedgerService'), createGrpcTransport({ baseUrl }));");
    expect(test).toContain("expect(await client['listAccountBalance']!({})).toMatchObject({ items: [{ id: 'r1', version: 1 }] });");
  });
});
