import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');
const withGraphql = readFileSync(join(root, 'fixtures', 'archetypes-gcp', 'stateless.yaml'), 'utf8');
const withoutGraphql = readFileSync(join(root, 'fixtures', 'archetypes', 'stateless.yaml'), 'utf8');

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

describe('GraphQL in a stateless service (protocols: [rest, graphql])', () => {
  const files = render(withGraphql);
  const content = (path: string) => {
    const f = files.get(path);
    if (!f) throw new Error(`${path} not rendered`);
    return f.content;
  };
  const dir = 'services/customer-api';

  test('every entity over GraphQL, on the application services of the routes, with the limits from configuration', () => {
    const app = content(`${dir}/src/app.ts`);
    expect(app).toContain("import { crudFields, graphqlSchema, GraphqlTypes, mountGraphql } from '@customer-platform/platform/graphql';");
    expect(app).toContain("crudFields(graphqlTypes, { name: 'Customer', plural: 'customers', schema: CustomerSchema, input: CustomerInputSchema, filters: CustomerFilters, useCases: customerService }),");
    expect(app).toContain("crudFields(graphqlTypes, { name: 'Address', plural: 'addresses', schema: AddressSchema, input: AddressInputSchema, filters: AddressFilters, useCases: addressService }),");
    expect(app).toContain('mountGraphql(app, graphql, { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });');
    expect(content(`${dir}/src/deps.ts`)).toContain('graphqlLimits: { maxDepth: config.GRAPHQL_MAX_DEPTH, maxCost: config.GRAPHQL_MAX_COST, maxAliases: config.GRAPHQL_MAX_ALIASES },');
    const config = content(`${dir}/src/config.ts`);
    for (const [name, value] of [['GRAPHQL_MAX_DEPTH', 8], ['GRAPHQL_MAX_COST', 5000], ['GRAPHQL_MAX_ALIASES', 15]] as const) expect(config).toContain(`${name}: { kind: 'int', default: "${value}"`);
  });

  test('schema.graphql committed and checked by a managed test; `npm run graphql` rewrites it', () => {
    expect(files.get(`${dir}/test/graphql.test.ts`)?.kind).toBe('managed');
    expect(content(`${dir}/test/graphql.test.ts`)).toContain("import { servedGraphqlSchema } from '@customer-platform/platform/graphql';");
    expect((JSON.parse(content('package.json')) as { scripts: Record<string, string> }).scripts['graphql']).toBe('UPDATE_GRAPHQL=1 jest --coverage=false test/graphql');
  });

  test('the owned test reads over one protocol what the other wrote, and checks invalid input names the field', () => {
    const test = content(`${dir}/test/customer.test.ts`);
    expect(test).toContain("test('the same use cases over GraphQL at /graphql: what one protocol writes, the other reads'");
    expect(test).toContain("mutation ($input: CustomerInput!) { createCustomer(input: $input) { id } }");
    expect(test).toContain("toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ pointer: '#/name' }] })");
  });

  test('the platform package exports GraphQL as a subpath, with its dependencies', () => {
    const pkg = JSON.parse(content('packages/platform/package.json')) as { exports: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.exports).toEqual({ '.': './src/index.ts', './graphql': './src/graphql.ts', './grpc': './src/grpc.ts', './scheduler': './src/scheduler.ts' });
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['graphql', 'graphql-yoga', '@escape.tech/graphql-armor-max-depth', '@escape.tech/graphql-armor-cost-limit', '@escape.tech/graphql-armor-max-aliases']));
    expect(content('packages/platform/src/index.ts')).not.toContain('graphql');
  });
});

describe('a stateless service without graphql', () => {
  const files = render(withoutGraphql);
  test('serves no GraphQL: no import of it, no limits, no schema file, no script', () => {
    const dir = 'services/customer-api';
    for (const f of ['src/app.ts', 'src/deps.ts', 'src/config.ts', 'test/customer.test.ts']) expect(files.get(`${dir}/${f}`)!.content).not.toMatch(/graphql/i);
    expect(files.has(`${dir}/test/graphql.test.ts`)).toBe(false);
    expect((JSON.parse(files.get('package.json')!.content) as { scripts: Record<string, string> }).scripts['graphql']).toBeUndefined();
  });
});
