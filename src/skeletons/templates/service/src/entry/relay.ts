import { startOnce } from '@allframe/platform';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);
const started = startOnce(async () => createDependencies(config, await loadServiceSecrets(config)));

/** Publishes what the outbox holds; run on a schedule or from the outbox table's stream. */
export const handler = async (): Promise<{ relayed: number }> => ({ relayed: await (await started()).relay.runOnce() });
