import { getRequestListener, serve as nodeServe } from '@hono/node-server';
import { createServer as createHttp1Server, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Logger } from './logger';
import type { UpgradeHandler } from './websocket';

/** A Node request handler, for HTTP/1.1 and HTTP/2 requests alike. */
export type NodeHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/** Something that answers some requests itself (a gRPC server) and hands the rest to the app's handler. */
export interface RequestWrapper {
  wrap(app: NodeHandler): NodeHandler;
}

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
  /**
   * Answers some requests before the app (the gRPC server). The port then speaks HTTP/1.1 and HTTP/2 without TLS
   * (h2c, with prior knowledge, as gRPC clients, load balancers and Cloud Run send it), told apart by the first bytes.
   */
  wrapper?: RequestWrapper;
  /**
   * Takes the HTTP/1.1 upgrade requests (WebSocket handshakes: see websocket.ts). Their sockets are the handler's from
   * then on: `onShutdown` closes them, as the server's close waits for them.
   * @default - upgrade requests are not served
   */
  upgrade?: UpgradeHandler;
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
  const server = options.wrapper ? listenBoth(options.wrapper.wrap(appHandler(app)), options.port, options.upgrade) : (nodeServe({ fetch: (request) => app.fetch(request), port: options.port }) as Server);
  if (options.upgrade && !options.wrapper) server.on('upgrade', options.upgrade);
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

/** The app as a Node request handler (HTTP/1.1 and HTTP/2). */
function appHandler(app: FetchApp): NodeHandler {
  const listener = getRequestListener((request) => app.fetch(request));
  return (req, res) => {
    void listener(req, res);
  };
}

/** What {@link listenBoth} returns: a listening server that closes its HTTP/1.1 and HTTP/2 connections alike. */
type DualServer = Pick<Server, 'on' | 'address' | 'close' | 'closeIdleConnections' | 'closeAllConnections'>;

/** The first bytes of an HTTP/2 connection (the client preface): `PRI * HTTP/2.0`. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0');

/**
 * One port for HTTP/1.1 and h2c: each connection goes to an HTTP/1.1 or an HTTP/2 server by its first bytes. The
 * HTTP/2 server reads through a stream over the socket (its native reader would skip the bytes already read).
 */
function listenBoth(handler: NodeHandler, port: number, upgrade: UpgradeHandler | undefined): DualServer {
  const http1 = createHttp1Server(handler);
  if (upgrade) http1.on('upgrade', upgrade);
  const http2 = createHttp2Server(handler);
  const sessions = new Set<Http2Session>();
  http2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  const net = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (!chunk.subarray(0, H2_PREFACE.length).equals(H2_PREFACE.subarray(0, Math.min(chunk.length, H2_PREFACE.length)))) {
        socket.unshift(chunk);
        http1.emit('connection', socket);
        socket.resume();
        return;
      }
      http2.emit('connection', streamOver(socket, chunk));
    });
  });
  net.listen(port);
  return {
    on: ((event: string, listener: (...args: unknown[]) => void) => {
      net.on(event, listener);
      return net;
    }) as unknown as Server['on'],
    address: () => net.address(),
    close: ((done?: (err?: Error) => void) => {
      net.close(done);
      for (const session of sessions) session.close();
      return net;
    }) as unknown as Server['close'],
    closeIdleConnections: () => http1.closeIdleConnections(),
    closeAllConnections: () => {
      http1.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A duplex stream over `socket` that first yields `head` (the bytes already read from it). */
function streamOver(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read: () => socket.resume(),
    write: (data: Buffer, encoding, done) => socket.write(data, encoding, done),
    final: (done) => socket.end(done),
    destroy: (err, done) => {
      socket.destroy(err ?? undefined);
      done(err);
    },
  });
  stream.push(head);
  socket.on('data', (data: Buffer) => {
    if (!stream.push(data)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('error', (err) => stream.destroy(err));
  socket.once('close', () => stream.destroy());
  socket.resume();
  return stream;
}
