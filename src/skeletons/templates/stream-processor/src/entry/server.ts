import { serve } from '@allframe/platform';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { StreamProcessor, WINDOW } from '../processor';
import { loadServiceSecrets } from '../secrets';
import { Windower } from '../windows';

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
  serve(buildApp(deps, processor), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: async () => {
      clearInterval(idle);
      await processor.flush();
      await deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
