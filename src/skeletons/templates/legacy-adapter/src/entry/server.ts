import { runsBackgroundWork, serve } from '@allframe/platform';
import { buildApp, buildSync } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

/** Reads the configuration and the secrets (a missing one ends the process, named), then polls the legacy system and serves. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const sync = buildSync(deps);
  // A process that serves HTTP only (`--role=http`: on Fly.io a worker process polls and relays) does neither.
  const background = runsBackgroundWork();
  let polling: Promise<void> | undefined;
  const poller = background
    ? setInterval(() => {
        polling ??= sync
          .poll()
          .then(
            (count) => deps.logger.info({ count }, 'polled the legacy system'),
            (error: unknown) => deps.logger.error({ err: error }, 'polling the legacy system failed'),
          )
          .finally(() => {
            polling = undefined;
          });
      }, config.POLLING_INTERVAL_SECONDS * 1000)
    : undefined;
  // @if relay
  const relay = background
    ? setInterval(() => {
        deps.relay.runOnce().catch((error: unknown) => deps.logger.error({ err: error }, 'outbox relay failed'));
      }, 1000)
    : undefined;
  // @end
  serve(buildApp(deps), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: () => {
      clearInterval(poller);
      clearInterval(relay); // @if relay
      return deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
