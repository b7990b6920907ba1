import { serve } from '@allframe/platform';
import type { RunningServer, ServeOptions } from '@allframe/platform';
import { buildApp } from './app';
import type { Config } from './config';
import type { Dependencies } from './deps';
import { startJetStreamEvents } from './entry/jetstream';
import { webSocketUpgrades } from './websocket';

/**
 * The container (src/entry/server.ts; Fly.io, Cloud Run, `allframe dev`): the WebSocket connections themselves with
 * SENDER=memory (upgrades at / authorised as API Gateway's $connect, at most MAX_CONNECTIONS of them), probes,
 * POST /broadcast, the heartbeat every HEARTBEAT_INTERVAL_MS (a ping that drops the connections that did not answer
 * the last one, then the heartbeat message), and the subscribed events from NATS JetStream when NATS_URL is set (each
 * instance broadcasting every event to its connections). With SENDER=apigateway the connections are API Gateway's.
 */
export async function startContainer(config: Config, deps: Dependencies, options: Pick<ServeOptions, 'signals' | 'exit'> = {}): Promise<RunningServer> {
  const { gateway, logger, sockets } = deps;
  const heartbeat = setInterval(() => {
    const dead = sockets?.ping() ?? 0;
    if (dead > 0) logger.info({ dead }, 'dropped connections that did not answer the last ping');
    gateway.heartbeat().catch((err: unknown) => logger.error({ err }, 'heartbeat failed'));
  }, config.HEARTBEAT_INTERVAL_MS);
  const events = await startJetStreamEvents(config, deps);
  return serve(buildApp(deps), {
    ...options,
    port: config.PORT,
    logger,
    ...(sockets ? { upgrade: webSocketUpgrades(gateway, sockets, { maxConnections: config.MAX_CONNECTIONS, logger }) } : {}),
    onShutdown: async () => {
      clearInterval(heartbeat);
      sockets?.closeAll();
      await events?.stop();
      await deps.close();
    },
  });
}
