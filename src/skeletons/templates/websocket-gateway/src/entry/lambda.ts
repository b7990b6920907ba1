import { startOnce } from '@allframe/platform';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { handleWebSocketEvent } from '../handler';
import type { WebSocketEvent, WebSocketResult } from '../handler';
import { loadServiceSecrets } from '../secrets';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => createDependencies(config, await loadServiceSecrets(config)));

/** API Gateway WebSocket routes: $connect, $disconnect, $default. */
export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const deps = await started();
  return handleWebSocketEvent(deps.gateway, event);
};
