// The container entry: probes, POST /broadcast, the heartbeat, and the subscribed events from NATS JetStream when
// NATS_URL is set (each instance broadcasting every event to its connections).
// WebSocket upgrades are not handled here: on a container they would be served by the platform's server (`serve`),
// which the skeleton leaves out; the connections this instance broadcasts to are those in the registry (API Gateway
// connections with SENDER=apigateway).
import { serve } from '@allframe/platform';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';
import { startJetStreamEvents } from './jetstream';

/** Reads the configuration and the secrets (a missing one ends the process, named), then serves and beats. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const heartbeat = setInterval(() => {
    deps.gateway.heartbeat().catch((err: unknown) => deps.logger.error({ err }, 'heartbeat failed'));
  }, config.HEARTBEAT_INTERVAL_MS);
  const events = await startJetStreamEvents(config, deps);
  serve(buildApp(deps), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: async () => {
      clearInterval(heartbeat);
      await events?.stop();
      await deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
