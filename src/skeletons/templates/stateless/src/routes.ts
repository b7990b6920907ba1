import { createRoute } from '@hono/zod-openapi';
import { IdParamsSchema, jsonContent, pageQuerySchema, pageSchema, problemResponses } from '@allframe/platform';
import { __Entity__Filters, __Entity__InputSchema, __Entity__Schema } from './domain/__entityFile__'; // @each entities

/**
 * The routes of __service__, by name, with their schemas: src/app.ts serves them, the OpenAPI document describes
 * them, and the services that call this one get typed clients of them (typedClient in the platform). Change a
 * schema in the domain file and every caller's type-check follows.
 */
export const ROUTES = {
  // @each entities
  create__Entity__: createRoute({ method: 'post', path: '/__entitiesPath__', tags: ['__Entity__'], request: { body: { ...jsonContent(__Entity__InputSchema, 'The new __Entity__'), required: true } }, responses: { 201: jsonContent(__Entity__Schema, 'Created'), ...problemResponses(422) } }),
  list__Entities__: createRoute({ method: 'get', path: '/__entitiesPath__', tags: ['__Entity__'], request: { query: pageQuerySchema(__Entity__Filters) }, responses: { 200: jsonContent(pageSchema(__Entity__Schema, '__Entity__Page'), 'One page of __entities__'), ...problemResponses(400, 422) } }),
  get__Entity__: createRoute({ method: 'get', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(__Entity__Schema, 'The __Entity__'), ...problemResponses(404) } }),
  update__Entity__: createRoute({ method: 'put', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema, body: { ...jsonContent(__Entity__InputSchema, 'The __Entity__\'s new fields'), required: true } }, responses: { 200: jsonContent(__Entity__Schema, 'Updated'), ...problemResponses(404, 422) } }),
  delete__Entity__: createRoute({ method: 'delete', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 204: { description: 'Deleted' }, ...problemResponses(404) } }),
  // @end
};
