import { serve } from '@allframe/platform';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner } from '../runner';
import { loadServiceSecrets } from '../secrets';

/** Reads the configuration and the secrets (a missing one ends the process, named), then serves POST /run. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  serve(buildApp(deps, new JobRunner(deps, { timeoutMs: config.JOB_TIMEOUT_MS })), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: () => deps.close(),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
