import { createRoute, z } from '@hono/zod-openapi';
import { compileErrors, validate } from '@readme/openapi-parser';
import { EventEnvelopeSchema, JsonObjectSchema, bodyAsJson, createApiApp, openApiDocument, pageQuerySchema, pageSchema, problemResponses, toPageQuery } from '../src/api';
import { fakeLogger } from './fakes';

const Item = z.object({ name: z.string().min(1), tags: z.array(z.string().max(3)).optional() }).strict().openapi('Item');

function itemsApp(docs = true) {
  const app = createApiApp({ service: 'items', version: '1.2.3', logger: fakeLogger(), docs });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/items',
      request: { body: { content: { 'application/json': { schema: Item } }, required: true } },
      responses: { 201: { content: { 'application/json': { schema: Item } }, description: 'Created' }, ...problemResponses(422) },
    }),
    (c) => c.json(c.req.valid('json'), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/items', request: { query: pageQuerySchema(['name']) }, responses: { 200: { content: { 'application/json': { schema: pageSchema(Item, 'ItemPage') } }, description: 'A page' }, ...problemResponses(400, 422) } }),
    (c) => c.json({ items: [], ...toPageQuery(c.req.valid('query')) } as never, 200),
  );
  return app;
}

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('createApiApp', () => {
  it('checks requests against the route schemas: a 422 problem naming each field', async () => {
    const app = itemsApp();
    expect((await app.request('/items', post({ name: 'a' }))).status).toBe(201);
    const bad = await app.request('/items', post({ name: '', tags: ['long one'], colour: 'red' }));
    expect([bad.status, bad.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    const problem = (await bad.json()) as { detail: string; errors: { pointer?: string }[] };
    expect(problem.detail).toBe("the request's body does not match its schema");
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual(['#/colour', '#/name', '#/tags/0']);
  });

  it('names query parameters by name, reads limit and filters, and refuses unknown ones', async () => {
    const app = itemsApp();
    expect(await (await app.request('/items?limit=5&name=a&cursor=c')).json()).toEqual({ items: [], limit: 5, cursor: 'c', where: { name: 'a' } });
    expect(await (await app.request('/items')).json()).toEqual({ items: [] });
    const bad = (await (await app.request('/items?limit=0&colour=red')).json()) as { errors: { parameter: string }[] };
    expect(bad.errors.map((e) => e.parameter).sort()).toEqual(['colour', 'limit']);
  });

  it('serves a valid OpenAPI 3.1 document of its routes, and the docs page only when on', async () => {
    const app = itemsApp();
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; info: unknown; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect([doc.openapi, doc.info]).toEqual(['3.1.0', { title: 'items', version: '1.2.3' }]);
    expect(Object.keys(doc.paths)).toEqual(['/items']);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(['Item', 'ItemPage', 'Problem']);
    expect(openApiDocument(app, { service: 'items', version: '1.2.3' })).toEqual(doc);
    expect((await app.request('/docs')).status).toBe(200);
    expect((await itemsApp(false).request('/docs')).status).toBe(404);
  });

  it('keeps the probes and problem details of every HTTP app', async () => {
    const app = itemsApp();
    expect((await app.request('/healthz')).status).toBe(200);
    expect(await (await app.request('/nope')).json()).toMatchObject({ status: 404 });
  });

  it('names the fields of the closest alternative when no alternative of a union matches', async () => {
    // GIVEN a route taking a wrapped envelope or an envelope
    const app = createApiApp({ service: 'events', version: '1', logger: fakeLogger(), docs: false });
    const Wrapped = z.object({ message: z.object({ data: z.string(), extra: JsonObjectSchema.optional() }) });
    app.openapi(
      createRoute({ method: 'post', path: '/events', request: { body: { content: { 'application/json': { schema: z.union([EventEnvelopeSchema, Wrapped]) } }, required: true } }, responses: { 204: { description: 'Taken' }, ...problemResponses(422) } }),
      (c) => c.body(null, 204),
    );
    // WHEN bodies miss a field of one or the other
    const fields = async (body: unknown) => ((await (await app.request('/events', post(body))).json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer);
    // THEN the problem names the fields of the alternative that came closest (the first of those as close)
    expect(await fields({ message: { extra: { any: 1 } } })).toEqual(['#/message/data']);
    expect(await fields({ id: 'e1', type: 'T', source: 's', data: null })).toEqual(['#/time']);
    expect((await app.request('/events', post({ id: 'e1', type: 'T', source: 's', time: 't', data: null }))).status).toBe(204);
    expect((await app.request('/events', { method: 'POST', body: '{}' })).status).toBe(415);
    // AND an alternative of another type than the value is never the closest one
    const many = createApiApp({ service: 'events', version: '1', logger: fakeLogger(), docs: false });
    many.openapi(
      createRoute({ method: 'post', path: '/events', request: { body: { content: { 'application/json': { schema: z.union([EventEnvelopeSchema, z.array(EventEnvelopeSchema)]) } }, required: true } }, responses: { 204: { description: 'Taken' }, ...problemResponses(422) } }),
      (c) => c.body(null, 204),
    );
    const problem = (await (await many.request('/events', post([{ id: 'e1' }]))).json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((e) => e.pointer)).toEqual(['#/0/type', '#/0/source', '#/0/time', '#/0/data']);
  });

  it('reads the body of a route that machines push to as JSON, whatever its content type', async () => {
    // GIVEN a push route with bodyAsJson
    const app = createApiApp({ service: 'events', version: '1', logger: fakeLogger(), docs: false });
    app.openapi(
      createRoute({ method: 'post', path: '/events', middleware: [bodyAsJson], request: { body: { content: { 'application/json': { schema: EventEnvelopeSchema } }, required: true } }, responses: { 200: { content: { 'application/json': { schema: EventEnvelopeSchema } }, description: 'The event' }, ...problemResponses(400, 422) } }),
      (c) => c.json(c.req.valid('json'), 200),
    );
    const event = { id: 'e1', type: 'T', source: 's', time: 't', data: { n: 1 } };
    // WHEN bodies come without a content type, as octets, or as JSON
    const send = (headers: Record<string, string>, body = JSON.stringify(event)) => app.request('/events', { method: 'POST', body, headers });
    // THEN each is read as JSON; one that is not JSON is still a 400
    expect(await (await send({})).json()).toEqual(event);
    expect(await (await send({ 'content-type': 'application/octet-stream' })).json()).toEqual(event);
    expect((await send({ 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect((await send({}, 'nope')).status).toBe(400);
  });
});
