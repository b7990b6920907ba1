import {
  runsBackgroundWork, // @if relay
  serve,
} from '@allframe/platform';
import {
  buildApp,
  buildGrpc, // @if grpc
} from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

/**
 * Reads the configuration and the secrets (a missing one ends the process, named), then serves. // @if !relay
 * Reads the configuration and the secrets (a missing one ends the process, named), then serves; it relays the outbox // @if relay
 * every second, unless it serves HTTP only (`--role=http`: on Fly.io a worker process relays, and these stop when idle). // @if relay
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  // @if relay
  const relay = runsBackgroundWork()
    ? setInterval(() => {
        deps.relay.runOnce().catch((error: unknown) => deps.logger.error({ err: error }, 'outbox relay failed'));
      }, 1000)
    : undefined;
  // @end
  serve(buildApp(deps), {
    port: config.PORT,
    logger: deps.logger,
    wrapper: buildGrpc(deps), // @if grpc
    onShutdown: () => {
      clearInterval(relay); // @if relay
      return deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
