import { EVENT_SCHEMAS } from '@allframe/events';
import { sqsHandler, startOnce } from '@allframe/platform';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { eventHandler } from '../handler';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => {
  const deps = createDependencies(config, await loadServiceSecrets(config));
  return sqsHandler(eventHandler(deps.gateway), { logger: deps.logger, schemas: EVENT_SCHEMAS });
});

/** The SQS queue of __eventsList__: each event is broadcast (enable ReportBatchItemFailures). */
export const handler = async (...args: Parameters<Awaited<ReturnType<typeof started>>>) => (await started())(...args);
