import { startOnce } from '@allframe/platform';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { StreamProcessor, WINDOW, type BatchOutcome } from '../processor';
import { parseRecords } from '../records';
import { loadServiceSecrets } from '../secrets';
import { Windower } from '../windows';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => {
  const deps = createDependencies(config, await loadServiceSecrets(config));
  // Open windows live in this instance's memory: run with reserved concurrency 1 (or one shard) for complete windows.
  const processor = new StreamProcessor(deps, new Windower(WINDOW, config.ALLOWED_LATENESS_MS));
  return (event: KinesisStreamEvent | SQSEvent): Promise<BatchOutcome> => processor.handle(parseRecords(event, deps.logger));
});

/** Kinesis or SQS event source mapping. */
export const handler = async (...args: Parameters<Awaited<ReturnType<typeof started>>>) => (await started())(...args);
