import { EVENT_SCHEMAS } from '@allframe/events';
import { sqsHandler, startOnce } from '@allframe/platform';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { invalidationHandler } from '../handler';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => {
  const deps = createDependencies(config, await loadServiceSecrets(config));
  return sqsHandler(invalidationHandler(deps), { logger: deps.logger, schemas: EVENT_SCHEMAS });
});

/** Invalidation from an SQS queue subscribed to __subscribedTo__ (enable ReportBatchItemFailures). */
export const handler = async (...args: Parameters<Awaited<ReturnType<typeof started>>>) => (await started())(...args);
