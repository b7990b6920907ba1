import { startOnce } from '@allframe/platform';
import { buildSync } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);
const started = startOnce(async () => buildSync(createDependencies(config, await loadServiceSecrets(config))));

/** Polls the legacy system once: run it on a schedule, every POLLING_INTERVAL_SECONDS. */
export const handler = async (): Promise<{ synced: number }> => ({ synced: await (await started()).poll() });
