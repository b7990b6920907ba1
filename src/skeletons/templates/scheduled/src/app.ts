import { createHttpApp } from '@allframe/platform';
import type { Dependencies } from './deps';
import { isFailure, type JobRunner } from './runner';

/** Health and readiness, and `POST /run` for HTTP triggers (Cloud Scheduler, Fly cron): 200, or 500 when the run failed. */
export function buildApp(deps: Dependencies, runner: JobRunner) {
  const app = createHttpApp({ service: '__service__', logger: deps.logger });
  app.post('/run', async (c) => {
    const result = await runner.run();
    return c.json(result, isFailure(result) ? 500 : 200);
  });
  return app;
}
