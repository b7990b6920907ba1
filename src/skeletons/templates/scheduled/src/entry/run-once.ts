// Runs the job once and exits: 0 when it succeeded (or was skipped), 1 otherwise. For cron-style platforms.
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner, isFailure } from '../runner';
import { loadServiceSecrets } from '../secrets';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  try {
    return isFailure(await new JobRunner(deps, { timeoutMs: config.JOB_TIMEOUT_MS }).run()) ? 1 : 0;
  } finally {
    await deps.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
