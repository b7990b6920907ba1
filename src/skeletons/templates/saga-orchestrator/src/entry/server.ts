import { runsBackgroundWork, serve } from '@allframe/platform';
import { buildApp, buildOrchestrator } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

/**
 * Reads the configuration and the secrets (a missing one ends the process, named), then serves. When sagas run in
 * this process (no SAGA_STATE_MACHINE_ARN or SAGA_WORKFLOW), it resumes the sagas a stopped or crashed process left
 * `running` or `compensating`, at start-up and every half lease (SAGA_LEASE_SECONDS: every 30 s by default), so that
 * a crashed sibling's sagas are taken over too, unless it serves HTTP only (`--role=http`: on Fly.io the worker
 * process resumes them). // @if !outbox
 * process resumes them); it relays the outbox every second, unless it serves HTTP only. // @if outbox
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const orchestrator = buildOrchestrator(deps);
  const background = runsBackgroundWork();
  let resuming: Promise<void> | undefined;
  const resume = (): void => {
    resuming ??= orchestrator
      .resumeInterrupted()
      .then(
        ({ ids }) => {
          if (ids.length > 0) deps.logger.info({ sagas: ids }, 'resuming interrupted sagas');
        },
        (error: unknown) => deps.logger.error({ err: error }, 'looking for interrupted sagas failed'),
      )
      .finally(() => {
        resuming = undefined;
      });
  };
  const resumer = background && deps.executions === undefined ? setInterval(resume, Math.max(deps.leaseMs / 2, 1000)) : undefined;
  if (resumer) resume();
  // @if outbox
  const relay = background
    ? setInterval(() => {
        deps.relay.runOnce().catch((error: unknown) => deps.logger.error({ err: error }, 'outbox relay failed'));
      }, 1000)
    : undefined;
  // @end
  serve(buildApp(deps, orchestrator), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: () => {
      clearInterval(resumer);
      clearInterval(relay); // @if outbox
      return deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
