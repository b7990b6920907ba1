import {
  createHttpApp,
  HttpError,
  idempotency, // @if idempotency
} from '@allframe/platform';
import { parseStepEvent, type ParsedStep } from './adapters/step-event';
import { __Saga__Orchestrator, __saga__Steps } from './application/saga';
import type { Dependencies } from './deps';

const SOURCE = '__service__';

/**
 * The HTTP app: start a __Saga__ and read its state. A saga runs here to completion or compensation (201), or is
 * handed to Step Functions or Cloud Workflows when the dependencies have executions (202: it is running there). With
 * `stepsEndpoint` (SAGA_WORKFLOW, or SAGA_STEPS_ENDPOINT on Fargate), `POST /steps` runs one step or compensation for the
 * workflow or the state machine.
 */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const orchestrator = new __Saga__Orchestrator(__saga__Steps(deps.steps), deps.sagas, deps.events, deps.logger, { source: SOURCE, timeoutMs: deps.timeoutMs, executions: deps.executions });
  app.post('/sagas', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const saga = await orchestrator.start(body);
    return c.json(saga, deps.executions ? 202 : 201, { location: `/sagas/${saga.id}` });
  });
  app.get('/sagas/:id', async (c) => c.json(await orchestrator.get(c.req.param('id'))));
  if (deps.stepsEndpoint === true) {
    // Cloud Workflows or Step Functions runs each step and compensation here: the step event in, the step's result (JSON) out.
    app.post('/steps', async (c) => {
      const body: unknown = await c.req.json().catch(() => undefined);
      let parsed: ParsedStep;
      try {
        parsed = parseStepEvent(body);
      } catch (err) {
        throw new HttpError(400, err instanceof Error ? err.message : String(err));
      }
      const { event: e, run } = parsed;
      deps.logger.info({ sagaId: e.sagaId, step: e.step, action: e.action }, 'saga step');
      const result = await deps.steps[run]({ sagaId: e.sagaId, input: e.input, results: e.results, signal: AbortSignal.timeout(deps.timeoutMs) });
      return new Response(JSON.stringify(result ?? null), { headers: { 'content-type': 'application/json' } });
    });
  }
  return app;
}
