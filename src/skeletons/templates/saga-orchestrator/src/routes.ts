import { createRoute, z } from '@hono/zod-openapi';
import { bodyAsJson, IdParamsSchema, jsonContent, problemResponses } from '@allframe/platform';
import { StepEventSchema } from './adapters/step-event';
import { __Saga__InputSchema, SagaStateSchema } from './application/saga';

const location = { location: { schema: { type: 'string' as const }, description: 'The saga: /sagas/{id}' } };

/**
 * The routes of __service__, by name, with their schemas: src/app.ts serves them, the OpenAPI document describes
 * them, and the services that call this one get typed clients of them (typedClient in the platform).
 */
export const ROUTES = {
  start__Saga__: createRoute({
    method: 'post',
    path: '/sagas',
    tags: ['__Saga__'],
    middleware: [bodyAsJson],
    request: { body: { ...jsonContent(__Saga__InputSchema, 'The input every step gets'), required: true } },
    responses: {
      201: { ...jsonContent(SagaStateSchema, 'Ran here, to completion or compensation'), headers: location },
      202: { ...jsonContent(SagaStateSchema, 'Running on Step Functions or Cloud Workflows'), headers: location },
      ...problemResponses(400, 422),
    },
  }),
  get__Saga__: createRoute({ method: 'get', path: '/sagas/{id}', tags: ['__Saga__'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(SagaStateSchema, 'The saga'), ...problemResponses(404) } }),
  /** Served only with the steps endpoint on (SAGA_WORKFLOW, SAGA_STEPS_ENDPOINT): for the workflow, not for clients. */
  runStep: createRoute({
    method: 'post',
    path: '/steps',
    tags: ['Steps'],
    middleware: [bodyAsJson],
    request: { body: { ...jsonContent(StepEventSchema, 'The step or compensation to run'), required: true } },
    responses: { 200: jsonContent(z.unknown().openapi({ description: "The step's result, null for none" }), "The step's result"), ...problemResponses(400, 422) },
  }),
};
