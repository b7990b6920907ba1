import { serve as nodeServe } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
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

/** Serves `app` on Node with graceful shutdown on SIGTERM/SIGINT. Resolves once listening. */
export async function serve(app: Hono, options: ServeOptions): Promise<RunningServer> {
  const { logger } = options;
  const server = await new Promise<Server>((resolve) => {
    const s = nodeServe({ fetch: app.fetch, port: options.port }, () => resolve(s as Server)) as Server;
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'listening');

  let closing: Promise<void> | undefined;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const s of signals) process.off(s, onSignal);
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
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
    const exit = options.exit ?? ((code: number) => process.exit(code));
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
