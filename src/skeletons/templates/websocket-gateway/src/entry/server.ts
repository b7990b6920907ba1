// The container entry: the WebSocket connections themselves (SENDER=memory), probes, POST /broadcast, the heartbeat and
// the subscribed events from NATS JetStream when NATS_URL is set (src/container.ts).
import { loadConfig } from '../config';
import { startContainer } from '../container';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

/** Reads the configuration and the secrets (a missing one ends the process, named), then serves and beats. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  await startContainer(config, createDependencies(config, await loadServiceSecrets(config)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
