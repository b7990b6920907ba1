import { randomUUID } from 'node:crypto';
import { acceptWebSocket, refuseUpgrade, webSocketHandshakeError } from '@allframe/platform';
import type { Logger, UpgradeHandler } from '@allframe/platform';
import type { OpenSockets } from './adapters/open-sockets';
import type { Gateway } from './application/gateway';
import { AuthError } from './auth';

/** Options of {@link webSocketUpgrades}. */
export interface WebSocketServing {
  /** Upgrades beyond this many open (or opening) connections are refused with 503 (MAX_CONNECTIONS). */
  readonly maxConnections: number;
  readonly logger: Logger;
}

/** The path clients connect to, as to the stage URL of API Gateway. */
export const WEBSOCKET_PATH = '/';

/**
 * The container's WebSockets, routed to the gateway as API Gateway routes them (handler.ts): the upgrade request is
 * `$connect` (its headers and query authorised: 401 when refused; 503 when this instance holds `maxConnections`), a
 * text message is `$default`, the close is `$disconnect`. The connection's socket is added to `sockets`, the sender.
 */
export function webSocketUpgrades(gateway: Gateway, sockets: OpenSockets, options: WebSocketServing): UpgradeHandler {
  let opening = 0;
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, `WebSockets are served at ${WEBSOCKET_PATH}`);
    const problem = webSocketHandshakeError(req);
    if (problem) return refuseUpgrade(socket, problem.status, problem.reason);
    if (sockets.size + opening >= options.maxConnections) return refuseUpgrade(socket, 503, `this instance holds its maximum of ${options.maxConnections} connections: try again`);
    opening++;
    const connectionId = randomUUID();
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    gateway
      .connect({ connectionId, headers, query: Object.fromEntries(url.searchParams) })
      .then(
        () => {
          opening--;
          if (socket.destroyed) return gateway.disconnect(connectionId);
          return acceptWebSocket(req, socket, head).then((ws) => {
            sockets.add(connectionId, ws);
            ws.onMessage = (text) => {
              gateway.onMessage(connectionId, text).catch((err: unknown) => options.logger.error({ err, connectionId }, 'message failed'));
            };
            ws.onClose = () => {
              sockets.remove(connectionId);
              gateway.disconnect(connectionId).catch((err: unknown) => options.logger.error({ err, connectionId }, 'disconnect failed'));
            };
          });
        },
        (err: unknown) => {
          opening--;
          if (err instanceof AuthError) return refuseUpgrade(socket, 401, err.message);
          options.logger.error({ err, connectionId }, 'connect failed');
          return refuseUpgrade(socket, 500, 'connect failed');
        },
      )
      .catch((err: unknown) => {
        options.logger.error({ err, connectionId }, 'connection failed');
        socket.destroy();
      });
  };
}
