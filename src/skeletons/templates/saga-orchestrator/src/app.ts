import {
  createApiApp,
  HttpError,
  idempotency, // @if idempotency
} from '@allframe/platform';
import { parseStepEvent, type ParsedStep } from './adapters/step-event';
import { __Saga__Orchestrator, __saga__Steps } from './application/saga';
import type { Dependencies } from './deps';
import { ROUTES } from './routes';

const SOURCE = '__service__';
/** The API's version in its OpenAPI document: the architecture's. */
export const API_VERSION = '__apiVersion__';

/** The orchestrator of __Saga__ over the dependencies: one per process, shared by the app and the resumption (entry/server.ts). */
export function buildOrchestrator(deps: Dependencies): __Saga__Orchestrator {
  return new __Saga__Orchestrator(__saga__Steps(deps.steps), deps.sagas, deps.events, deps.logger, { source: SOURCE, timeoutMs: deps.timeoutMs, leaseMs: deps.leaseMs, executions: deps.executions });
}

/**
 * The HTTP app: start a __Saga__ and read its state, its OpenAPI document at /openapi.json and, when on, docs at /docs.
 * A saga runs here to completion or compensation (201), or is handed to Step Functions or Cloud Workflows when the
 * dependencies have executions (202: it is running there). With `stepsEndpoint` (SAGA_WORKFLOW, or
 * SAGA_STEPS_ENDPOINT on Fargate), `POST /steps` runs one step or compensation for the workflow or the state machine.
 */
export function buildApp(deps: Dependencies, orchestrator = buildOrchestrator(deps)) {
  const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  app.openapi(
    ROUTES.start__Saga__,
    async (c) => {
      const saga = await orchestrator.start(c.req.valid('json'));
      const headers = { location: `/sagas/${saga.id}` };
      return deps.executions ? c.json(saga, 202, headers) : c.json(saga, 201, headers);
    },
  );
  app.openapi(
    ROUTES.get__Saga__,
    async (c) => c.json(await orchestrator.get(c.req.valid('param').id), 200),
  );
  if (deps.stepsEndpoint === true) {
    // Cloud Workflows or Step Functions runs each step and compensation here: the step event in, the step's result (JSON) out.
    app.openapi(
      ROUTES.runStep,
      async (c) => {
        let parsed: ParsedStep;
        try {
          parsed = parseStepEvent(c.req.valid('json'));
        } catch (err) {
          throw new HttpError(400, err instanceof Error ? err.message : String(err));
        }
        const { event: e, run } = parsed;
        deps.logger.info({ sagaId: e.sagaId, step: e.step, action: e.action }, 'saga step');
        const result = await deps.steps[run]({ sagaId: e.sagaId, input: e.input, results: e.results, signal: AbortSignal.timeout(deps.timeoutMs) });
        return c.json(result ?? null, 200);
      },
    );
  }
  return app;
}
