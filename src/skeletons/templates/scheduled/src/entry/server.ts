import { runsBackgroundWork, serve } from '@allframe/platform';
import { startCronScheduler } from '@allframe/platform/scheduler';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner } from '../runner';
import { loadServiceSecrets } from '../secrets';

/**
 * Reads the configuration and the secrets (a missing one ends the process, named), then serves POST /run, which
 * Cloud Scheduler calls. Where the platform's scheduler cannot express cron (Fly.io), SCHEDULE_CRON is set and this
 * process fires the job itself, in SCHEDULE_TIMEZONE, through the same runner; never a process that serves HTTP
 * only (`--role=http`).
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const runner = new JobRunner(deps, { timeoutMs: config.JOB_TIMEOUT_MS });
  const scheduler =
    config.SCHEDULE_CRON !== '' && runsBackgroundWork()
      ? startCronScheduler({ cron: config.SCHEDULE_CRON, timeZone: config.SCHEDULE_TIMEZONE, retryAttempts: config.SCHEDULE_RETRY_ATTEMPTS, run: (at) => runner.run(at), logger: deps.logger })
      : undefined;
  serve(buildApp(deps, runner), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: async () => {
      await scheduler?.stop();
      await deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
