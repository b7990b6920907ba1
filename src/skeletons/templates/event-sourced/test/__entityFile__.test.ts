import {
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository, // @if projections
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  serve, // @if grpc
  testSecrets,
} from '@allframe/platform';
import { DEFAULT_GRAPHQL_LIMITS } from '@allframe/platform/graphql'; // @if graphql
import { jsonClient } from '@allframe/platform/grpc'; // @if grpc
// @if grpc
import { Code } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
// @end
import { compileErrors, validate } from '@readme/openapi-parser';
import { ConcurrencyError, MemoryEventStore, type EventStore } from '../src/adapters/event-store';
import {
  buildApp,
  buildGrpc, // @if grpc
} from '../src/app';
import { __Projection__Projector, type ProjectionRow } from '../src/application/projections'; // @if projections
import type { Dependencies } from '../src/deps';
import type { __Entity__ } from '../src/domain/__entityFile__';
import { SECRET_NAMES } from '../src/secrets';

function setup(options: { snapshotEvery?: number; store?: EventStore } = {}) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const store = options.store ?? new MemoryEventStore();
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    store,
    projections: {
      __projection__: new MemoryRepository<ProjectionRow>(), // @each projections
    },
    snapshotEvery: options.snapshotEvery ?? 2,
    idempotency: undefined,
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    apiDocs: true,
    graphqlLimits: DEFAULT_GRAPHQL_LIMITS, // @if graphql
    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, store, deps };
}

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const command = (id: string, name: string) => `/__entitiesPath__/${id}/commands/${name}`;

describe('__entityFile__ commands', () => {
  test('every command appends its event, and the state is rebuilt from the events', async () => {
    // GIVEN a new __Entity__
    const { app, publisher } = setup();
    // WHEN every command runs once
    expect((await app.request(command('a1', '__command__'), post({ step: /*=step*/ 0 }))).status).toBe(200); // @each commands
    // THEN the state holds every event and __publishedNote__
    const res = await app.request('/__entitiesPath__/a1');
    expect(res.status).toBe(200);
    const state = (await res.json()) as __Entity__;
    expect(state.version).toBe(/*=commandCount*/ 2);
    expect(state.fields).toEqual({ step: /*=lastStep*/ 1 });
    // @slot published
    expect(publisher.published.map((e) => e.type)).toEqual(['__Event__']);
    // @end
  });

  test('snapshots every N events, and the state read from a snapshot equals the replayed one', async () => {
    // GIVEN a service snapshotting every 2 events
    const { app, store } = setup({ snapshotEvery: 2 });
    // WHEN three commands run
    for (const step of [1, 2, 3]) await app.request(command('s1', '__firstCommand__'), post({ step }));
    // THEN the snapshot is at version 2 and the state at version 3
    expect((await store.loadSnapshot<__Entity__>('s1'))?.version).toBe(2);
    const state = (await (await app.request('/__entitiesPath__/s1')).json()) as __Entity__;
    expect(state).toMatchObject({ version: 3, fields: { step: 3 }, lastEvent: '__firstEvent__' });
  });

  test('no snapshots with a frequency of 0', async () => {
    const { app, store } = setup({ snapshotEvery: 0 });
    for (const step of [1, 2]) await app.request(command('n1', '__firstCommand__'), post({ step }));
    expect(await store.loadSnapshot('n1')).toBeUndefined();
  });

  test('an unknown stream is a 404; an unknown command or input that is not an object a 422 problem naming it', async () => {
    const { app } = setup();
    expect((await app.request('/__entitiesPath__/missing')).status).toBe(404);
    expect(await (await app.request(command('x', 'no-such-command'), post({}))).json()).toMatchObject({ status: 422, errors: [{ parameter: 'command' }] });
    const notObject = await app.request(command('x', '__firstCommand__'), post([1]));
    expect([notObject.status, notObject.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect((await app.request(command('x', '__firstCommand__'), { ...post({}), body: 'not json' })).status).toBe(400);
  });

  test('serves its OpenAPI 3.1 document, valid, with every route, and the docs page', async () => {
    const { app } = setup();
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/__entitiesPath__/{id}/commands/{command}', '/__entitiesPath__/{id}']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/projections/__projectionFile__', '/projections/__projectionFile__/{id}'])); // @each projections
    expect((await app.request('/docs')).status).toBe(200);
  });

  // @if graphql
  test('the same over GraphQL at /graphql: a command over one protocol, the state over the other', async () => {
    const { app } = setup();
    type Reply = { data?: Record<string, unknown>; errors?: { extensions: Record<string, unknown> }[] };
    const gql = async (query: string) => (await (await app.request('/graphql', post({ query }))).json()) as Reply;
    // a command over GraphQL, the state over REST
    expect((await gql('mutation { __entity__Command(id: "g1", command: __firstCommandEnum__, input: { step: 1 }) { version fields } }')).data).toEqual({ __entity__Command: { version: 1, fields: { step: 1 } } });
    expect(((await (await app.request('/__entitiesPath__/g1')).json()) as __Entity__).version).toBe(1);
    // a command over REST, the state over GraphQL; an empty stream is null
    await app.request(command('g1', '__firstCommand__'), post({ step: 2 }));
    expect((await gql('{ __entity__(id: "g1") { version lastEvent } missing: __entity__(id: "none") { id } }')).data).toEqual({ __entity__: { version: 2, lastEvent: '__firstEvent__' }, missing: null });
    // an unknown command is refused by the schema, before anything runs
    expect((await gql('mutation { __entity__Command(id: "g1", command: NO_SUCH_COMMAND, input: {}) { version } }')).errors).toHaveLength(1);
    // @if projections
    // the read models, a page at a time and by id
    expect((await gql('{ __projection__ { items nextCursor } }')).data).toMatchObject({ __projection__: { items: [{ id: 'g1', version: 2 }], nextCursor: null } }); // @each projections
    expect((await gql('{ __projection__Row(id: "g1") }')).data).toMatchObject({ __projection__Row: { step: 2 } }); // @each projections
    // @end
  });

  // @end
  // @if grpc
  test('the same over gRPC, a real client on a real socket: a command over one protocol, the state over the other', async () => {
    // GIVEN the service on a port, gRPC beside HTTP
    const { deps } = setup();
    const grpc = buildGrpc(deps);
    const server = serve(buildApp(deps), { port: 0, logger: deps.logger, signals: [], wrapper: grpc });
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const client = jsonClient(grpc.api.serviceDesc('__Entity__Service'), createGrpcTransport({ baseUrl }));
    try {
      // WHEN a command runs over gRPC (HTTP/2)
      expect(await client['run__Entity__Command']!({ id: 'r1', command: '__firstCommand__', input: { step: 1 } })).toMatchObject({ id: 'r1', version: 1, fields: { step: 1 } });
      // THEN REST reads the state on the same port, and gRPC too
      expect(((await (await fetch(`${baseUrl}/__entitiesPath__/r1`)).json()) as __Entity__).version).toBe(1);
      expect(await client['get__Entity__']!({ id: 'r1' })).toMatchObject({ version: 1, lastEvent: '__firstEvent__' });
      // an unknown command is INVALID_ARGUMENT, before anything runs
      await expect(client['run__Entity__Command']!({ id: 'r1', command: 'no-such-command', input: {} })).rejects.toMatchObject({ code: Code.InvalidArgument });
      // @if projections
      // the read models, a page at a time and by id
      expect(await client['list__Projection__']!({})).toMatchObject({ items: [{ id: 'r1', version: 1 }] }); // @each projections
      expect(await client['get__Projection__Row']!({ id: 'r1' })).toMatchObject({ step: 1 }); // @each projections
      // @end
    } finally {
      await server.close();
    }
  });

  // @end
  test('a concurrent write is a 409, any other store failure a 500', async () => {
    // GIVEN stores whose appends fail
    const conflicting = new MemoryEventStore();
    conflicting.append = () => Promise.reject(new ConcurrencyError('c1', 0));
    const broken = new MemoryEventStore();
    broken.append = () => Promise.reject(new Error('down'));
    // THEN
    expect((await setup({ store: conflicting }).app.request(command('c1', '__firstCommand__'), post({}))).status).toBe(409);
    expect((await setup({ store: broken }).app.request(command('c1', '__firstCommand__'), post({}))).status).toBe(500);
  });
  // @if projections

  test('projections are fed by the stored events', async () => {
    // GIVEN two commands on one __Entity__
    const { app, deps } = setup();
    await app.request(command('p1', '__firstCommand__'), post({ step: 1 }));
    await app.request(command('p1', '__firstCommand__'), post({ step: 2 }));
    // THEN every projection has its row at version 2
    expect(((await (await app.request('/projections/__projectionFile__')).json()) as { items: ProjectionRow[] }).items.map((r) => [r.id, r.version])).toEqual([['p1', 2]]); // @each projections
    expect((await app.request('/projections/__projectionFile__/p1')).status).toBe(200);
    expect((await app.request('/projections/__projectionFile__/missing')).status).toBe(404);
    // AND replaying an event changes nothing
    const [first] = await deps.store.read('p1');
    await new __Projection__Projector(deps.projections.__projection__).project(first!);
    expect(await deps.projections.__projection__.get('p1')).toMatchObject({ version: 2, step: 2 });
  });
  // @end

  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
