import { serve } from '@allframe/platform';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { StreamProcessor, WINDOW } from '../processor';
import { loadServiceSecrets } from '../secrets';
import { Windower } from '../windows';
import { startJetStreamInput } from './jetstream';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const processor = new StreamProcessor(deps, new Windower(WINDOW, config.ALLOWED_LATENESS_MS));
  const idle =
    config.IDLE_FLUSH_MS > 0
      ? setInterval(() => {
          processor.closeUntil(Date.now() - config.ALLOWED_LATENESS_MS).catch((err: unknown) => deps.logger.error({ err }, 'window flush failed'));
        }, config.IDLE_FLUSH_MS)
      : undefined;
  // On NATS JetStream (NATS_URL, the Fly.io target) the events come from the bus; POST /events takes them too.
  const jetStream = await startJetStreamInput(config, deps, processor);
  serve(buildApp(deps, processor), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: async () => {
      clearInterval(idle);
      await jetStream?.stop();
      await processor.flush();
      await deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
