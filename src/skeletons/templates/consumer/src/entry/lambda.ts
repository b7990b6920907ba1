import { sqsHandler, startOnce } from '@allframe/platform';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { createDispatcher, processOptions } from '../dispatcher';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => {
  const deps = createDependencies(config, await loadServiceSecrets(config));
  return sqsHandler(createDispatcher(deps), processOptions(deps, config.IDEMPOTENCY_TTL_SECONDS));
});

/** SQS event source mapping (batch size __batchSize__); enable ReportBatchItemFailures so only failed messages return. */
export const handler = async (...args: Parameters<Awaited<ReturnType<typeof started>>>) => (await started())(...args);
