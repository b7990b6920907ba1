import {
  MemoryObjectStore, // @if ownsBucket
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository,
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  serve, // @if grpc
  testSecrets,
  type Page,
} from '@allframe/platform';
import { DEFAULT_GRAPHQL_LIMITS } from '@allframe/platform/graphql'; // @if graphql
// @if grpc
import { jsonClient } from '@allframe/platform/grpc';
import { Code } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
// @end
import { compileErrors, validate } from '@readme/openapi-parser';
import {
  buildApp,
  buildGrpc, // @if grpc
} from '../src/app';
import { defaultClients } from '../src/clients'; // @if typedClients
import { loadConfig } from '../src/config'; // @if typedClients
import type { Dependencies } from '../src/deps';
import type { __Entity__ } from '../src/domain/__entityFile__'; // @each entities
import { SECRET_NAMES } from '../src/secrets';

function setup() {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    __entities__: new MemoryRepository<__Entity__>(), // @each entities
    idempotency: undefined,
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    objects: new MemoryObjectStore(), // @if ownsBucket
    buckets: {}, // @if readsBuckets
    apiDocs: true,
    graphqlLimits: DEFAULT_GRAPHQL_LIMITS, // @if graphql
    clients: defaultClients(loadConfig({}), () => Promise.reject(new Error('no calls in these tests'))), // @if typedClients
    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, deps };
}

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('__entitiesPath__', () => {
  test('create, read, list, update and delete', async () => {
    // GIVEN
    const { app, publisher } = setup();
    // WHEN
    const created = await app.request('/__entitiesPath__', json({ name: 'first' }));
    const item = (await created.json()) as __Entity__;
    // THEN
    expect(created.status).toBe(201);
    expect(item.name).toBe('first');
    expect((await app.request(`/__entitiesPath__/${item.id}`)).status).toBe(200);
    expect(((await (await app.request('/__entitiesPath__')).json()) as Page<__Entity__>).items.map((x) => x.id)).toEqual([item.id]);
    const updated = await app.request(`/__entitiesPath__/${item.id}`, { ...json({ name: 'second' }), method: 'PUT' });
    expect(((await updated.json()) as __Entity__).name).toBe('second');
    expect((await app.request(`/__entitiesPath__/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(`/__entitiesPath__/${item.id}`)).status).toBe(404);
    // @slot published
    expect(publisher.published.map((ev) => ev.type)).toEqual(['__Entity__Created']);
    // @end
  });

  test('the list comes a page at a time: every item once across pages, filtered by name', async () => {
    // GIVEN 25 items, every fifth one named "blue"
    const { app } = setup();
    for (let i = 0; i < 25; i++) await app.request('/__entitiesPath__', json({ name: i % 5 === 0 ? 'blue' : `item ${i}` }));
    // WHEN every page of 10 is read by its cursor
    const seen: string[] = [];
    let next: string | undefined = '/__entitiesPath__?limit=10';
    while (next !== undefined) {
      const page = (await (await app.request(next)).json()) as Page<__Entity__>;
      expect(page.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.items.map((x) => x.id));
      next = page.nextCursor === undefined ? undefined : `/__entitiesPath__?limit=10&cursor=${page.nextCursor}`;
    }
    // THEN each item came once; a filter returns the matching ones; a limit over the cap or an unknown parameter is a 422
    expect(new Set(seen).size).toBe(25);
    expect(seen).toHaveLength(25);
    expect(((await (await app.request('/__entitiesPath__?name=blue')).json()) as Page<__Entity__>).items).toHaveLength(5);
    expect((await app.request('/__entitiesPath__?limit=1000')).status).toBe(422);
    expect(await (await app.request('/__entitiesPath__?nmae=blue')).json()).toMatchObject({ status: 422, errors: [{ parameter: 'nmae' }] });
    expect((await app.request('/__entitiesPath__?cursor=not-ours')).status).toBe(400);
  });

  test('invalid input is a 422 problem naming the field, a body that is not JSON a 400, an unknown id a 404', async () => {
    const { app } = setup();
    const invalid = await app.request('/__entitiesPath__', json({ name: '' }));
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await invalid.json()).toMatchObject({ title: 'Unprocessable Content', status: 422, errors: [{ pointer: '#/name' }] });
    expect((await app.request('/__entitiesPath__', json([1]))).status).toBe(422);
    expect((await app.request('/__entitiesPath__', { ...json({}), body: '{not json' })).status).toBe(400);
    expect((await app.request('/__entitiesPath__/nope', { ...json({ name: 'x' }), method: 'PUT' })).status).toBe(404);
    expect((await app.request('/__entitiesPath__/nope', { method: 'DELETE' })).status).toBe(404);
  });

  test('serves its OpenAPI 3.1 document, valid, with every route, and the docs page', async () => {
    const { app } = setup();
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/__entitiesPath__', '/__entitiesPath__/{id}'])); // @each entities
    const docs = await app.request('/docs');
    expect([docs.status, await docs.text()]).toEqual([200, expect.stringContaining('/openapi.json')]);
  });
  // @if graphql

  test('the same use cases over GraphQL at /graphql: what one protocol writes, the other reads', async () => {
    const { app } = setup();
    type Reply = { data?: Record<string, __Entity__ | null>; errors?: { extensions: Record<string, unknown> }[] };
    const gql = async (query: string, variables: Record<string, unknown> = {}) => (await (await app.request('/graphql', json({ query, variables }))).json()) as Reply;
    // created over REST, read over GraphQL
    const rest = (await (await app.request('/__entitiesPath__', json({ name: 'over rest' }))).json()) as __Entity__;
    expect((await gql('query ($id: ID!) { __entity__(id: $id) { id name } }', { id: rest.id })).data).toEqual({ __entity__: { id: rest.id, name: 'over rest' } });
    // created over GraphQL, read over REST, listed over GraphQL
    const id = (await gql('mutation ($input: __Entity__Input!) { create__Entity__(input: $input) { id } }', { input: { name: 'over graphql' } })).data?.['create__Entity__']?.id ?? '';
    expect(((await (await app.request(`/__entitiesPath__/${id}`)).json()) as __Entity__).name).toBe('over graphql');
    expect((await gql('{ __entities__(filter: { name: "over graphql" }) { items { id } nextCursor } }')).data).toEqual({ __entities__: { items: [{ id }], nextCursor: null } });
    // invalid input names the field, as the route does; an unknown id is null
    expect((await gql('mutation { create__Entity__(input: { name: "" }) { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ pointer: '#/name' }] });
    expect((await gql('{ __entity__(id: "nope") { id } }')).data).toEqual({ __entity__: null });
    // GraphiQL, with the docs
    expect(await (await app.request('/graphql', { headers: { accept: 'text/html' } })).text()).toContain('GraphiQL');
  });
  // @end

  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
  // @if grpc

  test('the same use cases over gRPC, a real client on a real socket: what one protocol writes, the other reads', async () => {
    // GIVEN the service on a port, gRPC beside HTTP
    const { deps } = setup();
    const grpc = buildGrpc(deps);
    const server = serve(buildApp(deps), { port: 0, logger: deps.logger, signals: [], wrapper: grpc });
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const client = jsonClient(grpc.api.serviceDesc('__Entity__Service'), createGrpcTransport({ baseUrl }));
    try {
      // WHEN one is created over gRPC (HTTP/2)
      const created = (await client['create__Entity__']!({ name: 'over grpc' })) as unknown as __Entity__;
      // THEN REST reads it on the same port, and gRPC lists it
      expect(((await (await fetch(`${baseUrl}/__entitiesPath__/${created.id}`)).json()) as __Entity__).name).toBe('over grpc');
      expect(await client['list__Entities__']!({ filter: { name: 'over grpc' } })).toMatchObject({ items: [{ id: created.id }] });
      // invalid input names the field, as the route does; an unknown id is NOT_FOUND
      await expect(client['create__Entity__']!({ name: '' })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining('#/name') as unknown });
      await expect(client['get__Entity__']!({ id: 'nope' })).rejects.toMatchObject({ code: Code.NotFound });
    } finally {
      await server.close();
    }
  });
  // @end
});
