import { createRoute, z } from '@hono/zod-openapi';
import {
  IdParamsSchema,
  jsonContent,
  pageQuerySchema, // @if projections
  pageSchema, // @if projections
  problemResponses,
} from '@allframe/platform';
import { __ENTITY___COMMANDS, __Entity__CommandInputSchema, __Entity__Schema, type __Entity__Command } from './domain/__entityFile__';

const CommandParams = IdParamsSchema.extend({
  command: z.enum(Object.keys(__ENTITY___COMMANDS) as [__Entity__Command, ...__Entity__Command[]]).openapi({ param: { name: 'command', in: 'path' } }),
});
// @if projections

/** A row of a read model: the fields of the stream's events, and where the stream stood. */
export const ProjectionRowSchema = z
  .object({ id: z.string(), version: z.number().int(), lastEvent: z.string(), updatedAt: z.string() })
  .catchall(z.unknown())
  .openapi('ProjectionRow');
// @end

/**
 * The routes of __service__, by name, with their schemas: src/app.ts serves them, the OpenAPI document describes
 * them, and the services that call this one get typed clients of them (typedClient in the platform).
 */
export const ROUTES = {
  run__Entity__Command: createRoute({
    method: 'post',
    path: '/__entitiesPath__/{id}/commands/{command}',
    tags: ['__Entity__'],
    request: { params: CommandParams, body: { ...jsonContent(__Entity__CommandInputSchema, 'The command\'s input'), required: true } },
    responses: { 200: jsonContent(__Entity__Schema, 'The state after the command'), ...problemResponses(409, 422) },
  }),
  get__Entity__: createRoute({ method: 'get', path: '/__entitiesPath__/{id}', tags: ['__Entity__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(__Entity__Schema, 'The current state'), ...problemResponses(404) } }),
  // @each projections
  list__Projection__: createRoute({ method: 'get', path: '/projections/__projectionFile__', tags: ['__Projection__'], request: { query: pageQuerySchema([]) }, responses: { 200: jsonContent(pageSchema(ProjectionRowSchema, '__Projection__Page'), 'One page of the read model'), ...problemResponses(400, 422) } }),
  get__Projection__Row: createRoute({ method: 'get', path: '/projections/__projectionFile__/{id}', tags: ['__Projection__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(ProjectionRowSchema, 'One row of the read model'), ...problemResponses(404) } }),
  // @end
};
