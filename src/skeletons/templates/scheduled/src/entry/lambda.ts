import type { ScheduledEvent } from 'aws-lambda';
import { startOnce } from '@allframe/platform';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { JobRunner, isFailure, type RunResult } from '../runner';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => new JobRunner(createDependencies(config, await loadServiceSecrets(config)), { timeoutMs: config.JOB_TIMEOUT_MS }));

/** EventBridge scheduled rule ("__cron__", __timezone__): a failed run throws so that it is retried. */
export const handler = async (event: ScheduledEvent): Promise<RunResult> => {
  const runner = await started();
  const result = await runner.run(new Date(event.time));
  if (isFailure(result)) throw new Error(`run ${result.status}: ${result.error ?? ''}`);
  return result;
};
