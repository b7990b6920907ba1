import { z } from '@hono/zod-openapi';
import { GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType, printSchema, type GraphQLNamedType } from 'graphql';
import { createApiApp } from '../src/api';
import { crudFields, eventSourcedFields, graphqlSchema, GraphqlTypes, mountGraphql, queryFields, readModelFields, resolve, servedGraphqlSchema, type CrudUseCases } from '../src/graphql';
import { HttpError } from '../src/http';
import { fakeLogger, Item, ItemInput, itemUseCases } from './fakes';

function graphqlApp(options: { graphiql?: boolean; useCases?: CrudUseCases<Item, ItemInput> } = {}) {
  const logger = fakeLogger();
  const useCases = options.useCases ?? itemUseCases();
  const app = createApiApp({ service: 'items', version: '1.0.0', logger, docs: false });
  const schema = graphqlSchema(crudFields(new GraphqlTypes(), { name: 'Item', plural: 'items', schema: Item, input: ItemInput, filters: ['name'], useCases }));
  mountGraphql(app, schema, { logger, graphiql: options.graphiql ?? false });
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await app.request('/graphql', { method: 'POST', body: JSON.stringify({ query, variables }), headers: { 'content-type': 'application/json' } });
    return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  };
  return { app, gql, logger, schema };
}

describe('GraphqlTypes', () => {
  const types = new GraphqlTypes();
  const Order = z.object({
    id: z.string(),
    count: z.number().int().min(0).max(1000),
    total: z.number(),
    big: z.number().int(),
    paid: z.boolean(),
    status: z.enum(['open', 'closed']),
    note: z.string().nullable(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int().min(1).max(99) })),
    tags: z.array(z.string()).optional(),
    attributes: z.record(z.string(), z.string()),
    extra: z.unknown(),
    either: z.union([z.string(), z.number()]),
    odd: z.object({ 'not-a-name': z.string() }),
  });
  const order = types.output(Order, 'Order') as GraphQLObjectType;
  const fieldType = (name: string) => order.getFields()[name]!.type.toString();

  it('spells what GraphQL can: scalars, Int for 32-bit integers, enums, lists and nested objects, non-null when required', () => {
    expect(Object.fromEntries(['id', 'count', 'total', 'big', 'paid', 'status', 'note', 'lines', 'tags'].map((f) => [f, fieldType(f)]))).toEqual({
      id: 'String!',
      count: 'Int!',
      total: 'Float!',
      big: 'Float!',
      paid: 'Boolean!',
      status: 'OrderStatus!',
      note: 'String',
      lines: '[OrderLinesItem!]!',
      tags: '[String!]',
    });
    expect((types.output(Order.shape.status, 'OrderStatus') as GraphQLNonNull<GraphQLEnumType>).toString()).toBe('OrderStatus');
    const line = ((order.getFields()['lines']!.type as GraphQLNonNull<GraphQLList<GraphQLNonNull<GraphQLObjectType>>>).ofType.ofType.ofType).getFields();
    expect(Object.fromEntries(Object.entries(line).map(([k, v]) => [k, v.type.toString()]))).toEqual({ sku: 'String!', quantity: 'Int!' });
  });

  it('falls back to the JSON scalar where GraphQL cannot spell the schema: records, unknown, unions, keys that are not names, open objects', () => {
    expect([fieldType('attributes'), fieldType('extra'), fieldType('either'), fieldType('odd')]).toEqual(['JSON!', 'JSON', 'JSON', 'JSON!']);
    expect(types.output(z.object({ id: z.string() }).catchall(z.unknown()), 'Open').toString()).toBe('JSON');
  });

  it('makes input types of the input shape, and each named type once', () => {
    const input = types.input(ItemInput, 'ItemInput');
    expect(types.input(ItemInput, 'ItemInput')).toBe(input);
    expect(types.output(Order, 'Order')).toBe(order);
    const fields = (input as unknown as { getFields(): Record<string, { type: GraphQLNamedType }> }).getFields();
    expect(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.type.toString()]))).toEqual({ name: 'String!', size: 'Int' });
  });
});

describe('crudFields and mountGraphql', () => {
  it('serves the queries and mutations of an entity, on the same use cases as the REST routes', async () => {
    const { gql, schema } = graphqlApp();
    expect(printSchema(schema)).toContain('createItem(input: ItemInput!): Item!');
    const created = await gql('mutation ($input: ItemInput!) { createItem(input: $input) { id name size } }', { input: { name: '  first ', size: 3 } });
    expect(created.body).toEqual({ data: { createItem: { id: 'item-001', name: 'first', size: 3 } } });
    expect((await gql('{ item(id: "item-001") { name } }')).body).toEqual({ data: { item: { name: 'first' } } });
    expect((await gql('mutation { updateItem(id: "item-001", input: { name: "renamed" }) { name size } }')).body).toEqual({ data: { updateItem: { name: 'renamed', size: null } } });
    expect((await gql('mutation { deleteItem(id: "item-001") }')).body).toEqual({ data: { deleteItem: true } });
    expect((await gql('{ item(id: "item-001") { name } }')).body).toEqual({ data: { item: null } });
  });

  it('refuses input that does not match the zod schema, naming the field', async () => {
    const { gql } = graphqlApp();
    const { status, body } = await gql('mutation { createItem(input: { name: " ", size: 500 }) { id } }');
    expect(status).toBe(200);
    expect(body.errors?.[0]).toMatchObject({ message: 'the argument input does not match its schema', extensions: { code: 'BAD_USER_INPUT' } });
    expect((body.errors?.[0]?.extensions?.['errors'] as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual(['#/name', '#/size']);
  });

  it('answers an unknown id of a mutation with NOT_FOUND, and hides unexpected errors (logging them)', async () => {
    const useCases = itemUseCases();
    const { gql, logger } = graphqlApp({ useCases: { ...useCases, page: () => Promise.reject(new Error('database password is hunter2')) } });
    const missing = await gql('mutation { deleteItem(id: "nope") }');
    expect(missing.body.errors?.[0]).toMatchObject({ message: 'Item nope not found', extensions: { code: 'NOT_FOUND' } });
    const broken = await gql('{ items { items { id } } }');
    expect(JSON.stringify(broken.body)).not.toContain('hunter2');
    expect(broken.body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(logger.error).toHaveBeenCalled();
  });

  it('pages with limit and cursor: every item exactly once across pages, filters by equality', async () => {
    const { gql } = graphqlApp();
    for (let i = 0; i < 7; i++) await gql('mutation ($n: String!) { createItem(input: { name: $n }) { id } }', { n: i % 2 === 0 ? 'even' : 'odd' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await gql('query ($cursor: String) { items(limit: 3, cursor: $cursor) { items { id } nextCursor } }', { cursor })).body.data?.['items'] as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(['item-001', 'item-002', 'item-003', 'item-004', 'item-005', 'item-006', 'item-007']);
    const odd = (await gql('{ items(filter: { name: "odd" }) { items { id } } }')).body.data?.['items'] as { items: { id: string }[] };
    expect(odd.items.map((i) => i.id)).toEqual(['item-002', 'item-004', 'item-006']);
    const bad = await gql('{ items(limit: 1000) { items { id } } }');
    expect(bad.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', errors: [{ parameter: 'limit' }] } });
  });

  it('refuses operations deeper, costlier or with more aliases than the limits, before they run', async () => {
    const { app, gql } = graphqlApp();
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: item(id: "x") { id }`).join(' ');
    expect((await gql(`{ ${aliases} }`)).body.errors?.[0]?.message).toMatch(/aliases/i);
    const strict = createApiApp({ service: 'items', version: '1.0.0', logger: fakeLogger(), docs: false });
    mountGraphql(strict, graphqlSchema(crudFields(new GraphqlTypes(), { name: 'Item', plural: 'items', schema: Item, input: ItemInput, filters: [], useCases: itemUseCases() })), { logger: fakeLogger(), graphiql: false, limits: { maxCost: 10, maxDepth: 2 } });
    const send = async (query: string) => ((await (await strict.request('/graphql', { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json' } })).json()) as { errors?: { message: string }[] }).errors?.[0]?.message;
    expect(await send('{ items { items { id } } }')).toMatch(/depth/i);
    expect(await send('{ a: item(id: "1") { id name size } b: item(id: "2") { id name size } c: item(id: "3") { id name size } }')).toMatch(/cost/i);
    expect(await send('{ item(id: "1") { id } }')).toBeUndefined();
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('reads the served schema by introspection, within the limits, as a client sees it', async () => {
    const { app, schema } = graphqlApp();
    expect(await servedGraphqlSchema(app)).toBe(`${printSchema(schema)}\n`);
    await expect(servedGraphqlSchema(createApiApp({ service: 'none', version: '1.0.0', logger: fakeLogger(), docs: false }))).rejects.toThrow('introspection failed');
  });

  it('serves plain queries typed by their schemas; a schema of queries alone has no mutations', async () => {
    const types = new GraphqlTypes();
    const Stats = z.object({ count: z.number().int().min(0).max(10_000), byName: z.record(z.string(), z.number()) });
    const stats = queryFields(types, { stats: { schema: Stats, name: 'Stats', description: 'How many items', resolve: () => Promise.resolve({ count: 2, byName: { a: 2 } }) } });
    const app = createApiApp({ service: 'stats', version: '1.0.0', logger: fakeLogger(), docs: false });
    const schema = graphqlSchema(stats);
    mountGraphql(app, schema, { logger: fakeLogger(), graphiql: false });
    expect(printSchema(schema)).toContain('"""How many items"""\n  stats: Stats!');
    expect(schema.getMutationType()).toBeUndefined();
    const res = await app.request('/graphql', { method: 'POST', body: JSON.stringify({ query: '{ stats { count byName } }' }), headers: { 'content-type': 'application/json' } });
    expect(await res.json()).toEqual({ data: { stats: { count: 2, byName: { a: 2 } } } });
  });

  it('serves GraphiQL to a browser only when it is on', async () => {
    const browser = { headers: { accept: 'text/html' } };
    const on = await graphqlApp({ graphiql: true }).app.request('/graphql', browser);
    expect([on.status, on.headers.get('content-type')]).toEqual([200, 'text/html']);
    expect(await on.text()).toContain('GraphiQL');
    const off = await graphqlApp().app.request('/graphql', browser);
    expect(await off.text()).not.toContain('GraphiQL');
  });

  it('maps statuses to codes, and leaves server errors to the server', async () => {
    await expect(resolve(() => Promise.reject(new HttpError(409, 'conflict')))).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(resolve(() => Promise.reject(new HttpError(418, 'teapot')))).rejects.toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    await expect(resolve(() => Promise.reject(new HttpError(503, 'down')))).rejects.toBeInstanceOf(HttpError);
  });

  it('serves an event-sourced entity: its state, and its commands as an enum, the input checked by its schema', async () => {
    const streams = new Map<string, { version: number; fields: Record<string, unknown> }>();
    const Input = z.object({ price: z.number().min(0) });
    const State = z.object({ id: z.string(), version: z.number().int().min(0).max(1_000_000), fields: z.record(z.string(), z.unknown()) });
    const fields = eventSourcedFields(new GraphqlTypes(), {
      name: 'Product',
      schema: State,
      input: Input,
      commands: ['update-price', 'delete-product'],
      useCases: {
        get: (id) => {
          const s = streams.get(id);
          return s ? Promise.resolve({ id, ...s }) : Promise.reject(new HttpError(404, 'Product not found'));
        },
        execute: (id, command, input) => {
          const s = { version: (streams.get(id)?.version ?? 0) + 1, fields: { ...streams.get(id)?.fields, ...input, last: command } };
          streams.set(id, s);
          return Promise.resolve({ id, ...s });
        },
      },
    });
    const rows = [{ id: 'p1', version: 1, lastEvent: 'PriceUpdated', price: 3 }];
    const model = readModelFields(new GraphqlTypes(), [{ field: 'priceList', name: 'PriceList', schema: z.object({ id: z.string() }).catchall(z.unknown()), get: (id) => Promise.resolve(rows.find((r) => r.id === id)), page: () => Promise.resolve({ items: rows }) }]);
    const app = createApiApp({ service: 'catalog', version: '1.0.0', logger: fakeLogger(), docs: false });
    const schema = graphqlSchema(fields, model);
    mountGraphql(app, schema, { logger: fakeLogger(), graphiql: false });
    const gql = async (query: string) => (await (await app.request('/graphql', { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json' } })).json()) as { data?: unknown; errors?: { extensions: unknown }[] };
    expect(printSchema(schema)).toContain('productCommand(id: ID!, command: ProductCommand!, input: ProductCommandInput!): Product!');
    expect(await gql('mutation { productCommand(id: "p1", command: UPDATE_PRICE, input: { price: 3 }) { version fields } }')).toEqual({ data: { productCommand: { version: 1, fields: { price: 3, last: 'update-price' } } } });
    expect(await gql('{ product(id: "p1") { id version } missing: product(id: "p2") { id } }')).toEqual({ data: { product: { id: 'p1', version: 1 }, missing: null } });
    expect((await gql('mutation { productCommand(id: "p1", command: DELETE_PRODUCT, input: { price: -1 }) { version } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ pointer: '#/price' }] });
    expect(await gql('{ priceList { items nextCursor } priceListRow(id: "p1") none: priceListRow(id: "x") }')).toEqual({ data: { priceList: { items: rows, nextCursor: null }, priceListRow: rows[0], none: null } });
  });
});
