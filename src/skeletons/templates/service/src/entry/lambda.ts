import { httpHandler, startOnce } from '@allframe/platform';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => httpHandler(buildApp(createDependencies(config, await loadServiceSecrets(config)))));

export const handler = async (...args: Parameters<Awaited<ReturnType<typeof started>>>) => (await started())(...args);
