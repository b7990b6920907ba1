import { serve as nodeServe } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger';

/** Options for {@link serve}. */
export interface ServeOptions {
  /** Port to listen on; 0 picks a free one (see the returned `port`). */
  port: number;
  logger: Logger;
  /** Runs after the server stops accepting connections, before it finishes closing (flush, close pools). */
  onShutdown?: () => Promise<void>;
  /** Signals that trigger a graceful shutdown; SIGTERM and SIGINT by default. */
  signals?: readonly NodeJS.Signals[];
  /** Called with the exit code after a signal-triggered shutdown; `process.exit` by default. */
  exit?: (code: number) => void;
  /** Open connections still busy after this long are destroyed; 10 s by default. */
  drainTimeoutMs?: number;
}

/** A running server. */
export interface RunningServer {
  port: number;
  /** Stops accepting connections, awaits `onShutdown`, then waits for open connections to finish. Idempotent. */
  close(): Promise<void>;
}

/** Anything with a fetch handler, such as a Hono app. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * Serves `app` on Node with graceful shutdown on SIGTERM/SIGINT. The port is bound before this returns (so port 0
 * reports the chosen one); a server error such as a port in use is logged and exits with code 1.
 */
export function serve(app: FetchApp, options: ServeOptions): RunningServer {
  const { logger } = options;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? process.exit.bind(process);
  const server = nodeServe({ fetch: (request) => app.fetch(request), port: options.port }) as Server;
  server.on('error', (err) => {
    logger.error({ err }, 'server error');
    exit(1);
  });
  const address = server.address() as AddressInfo | null;
  const port = address?.port ?? options.port;
  logger.info({ port }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const s of signals) process.off(s, onSignal);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
      force.unref();
      try {
        await options.onShutdown?.();
        await closed;
      } finally {
        clearTimeout(force);
      }
      logger.info({ port }, 'server closed');
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    close().then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const s of signals) process.once(s, onSignal);
  return { port, close };
}
