import { serve } from '@allframe/platform';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';
import { startJetStreamInvalidation } from './jetstream';

/**
 * Reads the configuration and the secrets (a missing one ends the process, named), then serves POST /events; on NATS
 * JetStream (NATS_URL, the Fly.io target) it takes the invalidation events from the bus as well.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const jetStream = await startJetStreamInvalidation(config, deps);
  serve(buildApp(deps), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: async () => {
      await jetStream?.stop();
      await deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
