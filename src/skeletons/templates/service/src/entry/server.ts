import { serve } from '@allframe/platform';
import {
  buildApp,
  buildGrpc, // @if grpc
} from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

/** Reads the configuration and the secrets (a missing one ends the process, named), then serves. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  // @if relay
  const relay = setInterval(() => {
    deps.relay.runOnce().catch((error: unknown) => deps.logger.error({ err: error }, 'outbox relay failed'));
  }, 1000);
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
