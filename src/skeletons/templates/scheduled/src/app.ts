import { createRoute, z } from '@hono/zod-openapi';
import { ProblemSchema, PROBLEM_JSON, createApiApp, jsonContent, problemResponses } from '@allframe/platform';
import type { Dependencies } from './deps';
import { isFailure, type JobRunner } from './runner';

/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** How a run ended (runner.ts's RunResult), as the document describes it. */
export const RunResultSchema = z
  .object({
    status: z.enum(['succeeded', 'failed', 'timed-out', 'skipped']),
    startedAt: z.string(),
    durationMs: z.number().int(),
    error: z.string().optional(),
  })
  .openapi('RunResult');

/**
 * Health and readiness, its OpenAPI document at /openapi.json (and docs at /docs when on), and `POST /run` for HTTP
 * triggers (Cloud Scheduler, allframe dev --trigger): 200, or 500 with the run when it failed, so that the trigger retries.
 */
export function buildApp(deps: Dependencies, runner: JobRunner) {
  const app = createApiApp({ service: '__service__', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  const failed = { content: { 'application/json': { schema: RunResultSchema }, [PROBLEM_JSON]: { schema: ProblemSchema } }, description: 'The run failed or timed out (the run), or an unexpected error (a problem)' };
  app.openapi(
    createRoute({ method: 'post', path: '/run', tags: ['Job'], responses: { 200: jsonContent(RunResultSchema, 'The run succeeded, or was skipped'), ...problemResponses(), 500: failed } }),
    async (c) => {
      const result = await runner.run();
      return isFailure(result) ? c.json(result, 500) : c.json(result, 200);
    },
  );
  return app;
}
