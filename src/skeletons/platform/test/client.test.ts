import { createRoute, z } from '@hono/zod-openapi';
import { createApiApp, IdParamsSchema, jsonContent, pageQuerySchema, pageSchema, problemResponses, toPageQuery } from '../src/api';
import { ContractError, isRetryableCall, ServiceCallError, typedClient, type CallInput, type CallOutput, type ClientRequestInit } from '../src/client';
import { HttpError } from '../src/http';
import { createPolicy } from '../src/resilience';
import { runWithTenant } from '../src/tenant';
import { fakeLogger } from './fakes';

const ItemInput = z.object({ name: z.string().min(1) }).openapi('ItemInput');
const Item = ItemInput.extend({ id: z.string() }).openapi('Item');

/** A callee's route definitions, as a generated service exports them from src/routes.ts. */
const ROUTES = {
  createItem: createRoute({ method: 'post', path: '/items', request: { body: { ...jsonContent(ItemInput, 'new'), required: true } }, responses: { 201: jsonContent(Item, 'Created'), ...problemResponses(422) } }),
  listItems: createRoute({ method: 'get', path: '/items', request: { query: pageQuerySchema(['name'] as const) }, responses: { 200: jsonContent(pageSchema(Item, 'ItemPage'), 'A page'), ...problemResponses(400, 422) } }),
  getItem: createRoute({ method: 'get', path: '/items/{id}', request: { params: IdParamsSchema }, responses: { 200: jsonContent(Item, 'The item'), ...problemResponses(404) } }),
  deleteItem: createRoute({ method: 'delete', path: '/items/{id}', request: { params: IdParamsSchema }, responses: { 204: { description: 'Deleted' }, ...problemResponses(404) } }),
};

// The types follow the callee's schemas (a wrong call would not compile: see test/skeletons/typed-clients.test.ts).
const input: CallInput<(typeof ROUTES)['getItem']> = { params: { id: 'a' } };
const output: CallOutput<(typeof ROUTES)['createItem']> = { id: 'a', name: 'x' };
const nothing: CallOutput<(typeof ROUTES)['deleteItem']> = undefined;

/** The callee: the routes served by an API app over a map; `broken` answers items without their name. */
function callee(broken = false) {
  const items = new Map<string, z.infer<typeof Item>>();
  const app = createApiApp({ service: 'items', version: '1.0.0', logger: fakeLogger(), docs: false });
  const seen: { method: string; url: string; headers: Record<string, string> }[] = [];
  app.openapi(ROUTES.createItem, (c) => {
    const item = { ...c.req.valid('json'), id: `i${items.size + 1}` };
    items.set(item.id, item);
    return c.json(broken ? ({ id: item.id } as never) : item, 201);
  });
  app.openapi(ROUTES.listItems, (c) => c.json({ items: [...items.values()].filter((i) => i.name === (toPageQuery(c.req.valid('query')).where?.['name'] ?? i.name)) }, 200));
  app.openapi(ROUTES.getItem, (c) => {
    const item = items.get(c.req.valid('param').id);
    if (!item) throw new HttpError(404, 'no such item');
    return c.json(item, 200);
  });
  app.openapi(ROUTES.deleteItem, (c) => (items.delete(c.req.valid('param').id), c.body(null, 204)));
  const fetchFn = async (url: string, init: ClientRequestInit) => {
    seen.push({ method: init.method, url, headers: init.headers });
    return app.request(url, init);
  };
  return { fetchFn, seen };
}

const policy = (attempts = 1) => createPolicy({ retry: { maxAttempts: attempts, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 }, circuitBreaker: { failureThreshold: 100, halfOpenAfterMs: 1000 }, bulkhead: { maxConcurrent: 10, maxQueue: 10 }, timeoutMs: 1000, isRetryable: isRetryableCall });

describe('typedClient', () => {
  it('calls each route by its name, with path parameters, query and body, and answers what the schema says', async () => {
    const { fetchFn, seen } = callee();
    const items = typedClient('items', 'http://items:8080/', ROUTES, { policy: policy(), fetch: fetchFn });
    const created = await items.createItem({ body: { name: 'first' } }, 'key-1');
    expect(created).toEqual({ id: 'i1', name: 'first' });
    expect(await items.getItem({ params: { id: created.id } })).toEqual(created);
    expect(await items.listItems({ query: { name: 'first', limit: 5 } })).toEqual({ items: [created] });
    expect(await items.deleteItem({ params: { id: 'i1' } })).toBeUndefined();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST http://items:8080/items', 'GET http://items:8080/items/i1', 'GET http://items:8080/items?name=first&limit=5', 'DELETE http://items:8080/items/i1']);
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'key-1' });
    expect([input, output, nothing]).toHaveLength(3);
  });

  it('carries the tenant of the work it calls for in the tenant header, and none outside a tenant\'s work', async () => {
    const { fetchFn, seen } = callee();
    const items = typedClient('items', 'http://items:8080', ROUTES, { policy: policy(), fetch: fetchFn, tenantHeader: 'X-Tenant-ID' });
    await runWithTenant('acme', () => items.listItems({ query: {} }));
    await items.listItems({ query: {} });
    const untold = typedClient('items', 'http://items:8080', ROUTES, { policy: policy(), fetch: fetchFn });
    await runWithTenant('acme', () => untold.listItems({ query: {} }));
    expect(seen.map((s) => s.headers['x-tenant-id'])).toEqual(['acme', undefined, undefined]);
  });

  it('turns an error status into a ServiceCallError with the problem, never retried when it is a 4xx', async () => {
    const { fetchFn, seen } = callee();
    const items = typedClient('items', 'http://items:8080', ROUTES, { policy: policy(3), fetch: fetchFn });
    const missing = await items.getItem({ params: { id: 'nope' } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ServiceCallError);
    expect(missing).toMatchObject({ service: 'items', status: 404, message: 'items answered 404: no such item' });
    const invalid = await items.createItem({ body: { name: '' } }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, problem: { errors: [{ pointer: '#/name' }] } });
    expect(seen).toHaveLength(2);
  });

  it('checks the answer against the callee schema: a broken contract is a ContractError naming the field', async () => {
    const { fetchFn } = callee(true);
    const items = typedClient('items', 'http://items:8080', ROUTES, { policy: policy(3), fetch: fetchFn });
    const err = await items.createItem({ body: { name: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect((err as ContractError).errors.map((e) => e.pointer)).toEqual(['#/name']);
    expect(isRetryableCall(err as Error)).toBe(false);
  });

  it('retries server errors and network failures of idempotent calls through the policy', async () => {
    let calls = 0;
    const flaky = (url: string, init: ClientRequestInit) => (++calls < 3 ? Promise.resolve(new Response('down', { status: 503 })) : callee().fetchFn(url, init));
    const items = typedClient('items', 'http://items:8080', ROUTES, { policy: policy(3), fetch: flaky });
    await expect(items.listItems({})).resolves.toEqual({ items: [] });
    expect(calls).toBe(3);
    const unparsable = typedClient('items', 'http://items:8080', ROUTES, { policy: policy(), fetch: () => Promise.resolve(new Response('<html>', { status: 500 })) });
    await expect(unparsable.getItem({ params: { id: 'x' } })).rejects.toMatchObject({ status: 500, problem: undefined });
  });
});
