import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { jsonContent, pageQuerySchema, pageSchema, problemResponses } from './api';
import { HttpError } from './http';
import { checkObjectKey, type ObjectStore } from './object-store';

/** The path parameter naming a bucket: the service that owns it. */
const BucketParamsSchema = z.object({ bucket: z.string().min(1).openapi({ param: { name: 'bucket', in: 'path' }, description: 'The service whose bucket it is' }) });

/** The page query every list route takes (limit, cursor), with the prefix the objects' keys start with. */
const ObjectListQuerySchema = pageQuerySchema([]).extend({
  prefix: z.string().optional().openapi({ param: { name: 'prefix', in: 'query' }, description: 'Only objects whose key starts with this' }),
});

const ObjectKeyQuerySchema = z.object({ key: z.string().min(1).openapi({ param: { name: 'key', in: 'query' }, description: "The object's key, e.g. events/WindowSummarized/2026/12/07/<id>.json" }) }).strict();

/** An object in a list page: its key and size. */
export const ObjectInfoSchema = z.object({ key: z.string(), size: z.number().int().openapi({ description: 'Size in bytes' }) }).openapi('ObjectInfo');

/**
 * The read routes over the buckets a service may read (its own, `storage`, and those of `storage.readers` lists it
 * in): a page of objects by prefix, and one object with its content type. Keys go in the query, not the path, because
 * they hold `/`. Nothing here writes: a service changes its own bucket through `deps.objects` in its own code.
 */
export const OBJECT_ROUTES = {
  listObjects: createRoute({
    method: 'get',
    path: '/buckets/{bucket}/objects',
    tags: ['Objects'],
    summary: 'List the objects of a bucket, in key order',
    request: { params: BucketParamsSchema, query: ObjectListQuerySchema },
    responses: { 200: jsonContent(pageSchema(ObjectInfoSchema, 'ObjectPage'), 'One page of objects'), ...problemResponses(400, 404, 422) },
  }),
  getObject: createRoute({
    method: 'get',
    path: '/buckets/{bucket}/object',
    tags: ['Objects'],
    summary: 'Read one object',
    request: { params: BucketParamsSchema, query: ObjectKeyQuerySchema },
    responses: {
      200: { description: 'The object, with the content type it was written with', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
      ...problemResponses(400, 404, 422),
    },
  }),
};

/**
 * Serves {@link OBJECT_ROUTES} on `app` over `buckets` (by owner: the service's own bucket under its own name, each
 * bucket it reads under its owner's). A bucket not among them is a 404, as is a key with no object; a key no store
 * accepts is a 400.
 */
export function mountObjectRoutes<E extends Env>(app: OpenAPIHono<E>, buckets: Readonly<Record<string, ObjectStore>>): void {
  const bucketOf = (name: string): ObjectStore => {
    const store = Object.prototype.hasOwnProperty.call(buckets, name) ? buckets[name] : undefined;
    if (store === undefined) throw new HttpError(404, `no bucket of ${JSON.stringify(name)} is readable here (readable: ${Object.keys(buckets).join(', ')})`);
    return store;
  };
  app.openapi(OBJECT_ROUTES.listObjects, async (c) => {
    const { prefix, limit, cursor } = c.req.valid('query');
    const page = await bucketOf(c.req.valid('param').bucket).list({ ...(prefix !== undefined ? { prefix } : {}), ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) });
    return c.json({ items: page.items.map((o) => ({ key: o.key, size: o.size })), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) }, 200);
  });
  app.openapi(OBJECT_ROUTES.getObject, async (c) => {
    const store = bucketOf(c.req.valid('param').bucket);
    const key = checkObjectKey(c.req.valid('query').key);
    const object = await store.get(key);
    if (object === undefined) throw new HttpError(404, `no object ${JSON.stringify(key)}`);
    return c.body(new Uint8Array(object.body), 200, { 'content-type': object.contentType });
  });
}
