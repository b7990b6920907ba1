/**
 * WebSockets served by {@link serve} (its `upgrade` option), on the socket Node hands an `upgrade` listener: the
 * request checked here (so that a service can refuse one before it authorises it), the protocol of RFC 6455 by the
 * `ws` library. Text messages only (a binary one closes with 1003), no permessage-deflate and no subprotocols; enough
 * for a gateway that pushes JSON to its clients.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/** Takes an HTTP upgrade request and its socket (Node's `upgrade` event): accept it or refuse it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Options of {@link acceptWebSocket}. */
export interface WebSocketOptions {
  /** A larger message from the client closes the connection with 1009; 1 MiB by default. */
  maxMessageBytes?: number;
  /** How long a closing connection waits for the client's close frame before its socket is destroyed; 1 s by default. */
  closeTimeoutMs?: number;
}

/** Why an upgrade request is no WebSocket handshake this server accepts (status and reason), or undefined when it is one. */
export function webSocketHandshakeError(req: IncomingMessage): { status: number; reason: string } | undefined {
  if (req.method !== 'GET') return { status: 405, reason: 'a WebSocket handshake is a GET' };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return { status: 400, reason: 'only WebSocket upgrades are served' };
  if (req.headers['sec-websocket-version'] !== '13') return { status: 426, reason: 'Sec-WebSocket-Version 13 is required' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || Buffer.from(key, 'base64').length !== 16) return { status: 400, reason: 'a Sec-WebSocket-Key of 16 bytes is required' };
  return undefined;
}

/** Answers an upgrade request with an HTTP error (`reason` as its text body) and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  const version = status === 426 ? 'Sec-WebSocket-Version: 13\r\n' : '';
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${version}Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** One `ws` server per options, in noServer mode: it only completes handshakes handed to it. */
const servers = new Map<number, WebSocketServer>();

function serverFor(maxPayload: number): WebSocketServer {
  let server = servers.get(maxPayload);
  if (server === undefined) {
    // no permessage-deflate: a gateway's small JSON messages gain little, and it costs memory per connection
    server = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false });
    servers.set(maxPayload, server);
  }
  return server;
}

/**
 * Completes the handshake of `req` (check it with {@link webSocketHandshakeError} first) and returns the connection;
 * the protocol (framing, masking, fragments, control frames, the closing handshake) is the `ws` library's.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, options: WebSocketOptions = {}): Promise<WebSocketConnection> {
  return new Promise((resolve) => {
    serverFor(options.maxMessageBytes ?? 1 << 20).handleUpgrade(req, socket, head, (ws) => resolve(new WebSocketConnection(ws, options)));
  });
}

/**
 * An open WebSocket: `send` text, `ping` (false, and the socket destroyed, when the previous ping got no pong), `close`.
 * Set `onMessage` and `onClose` (called once, with the close code: 1006 when the socket ended without a close frame).
 * A binary message closes the connection with 1003 (text only); one above `maxMessageBytes` with 1009.
 */
export class WebSocketConnection {
  /** A text message from the client. */
  onMessage: (text: string) => void = () => undefined;
  /** The connection is closed (once). */
  onClose: (code: number) => void = () => undefined;

  private alive = true;
  private closed = false;
  private readonly closeTimeoutMs: number;

  constructor(
    private readonly ws: WebSocket,
    options: WebSocketOptions = {},
  ) {
    this.closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.close(1003, 'text messages only');
      this.onMessage(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8'));
      return undefined;
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    // a protocol error: ws closes the connection with the right code and emits close after it
    ws.on('error', () => undefined);
    ws.once('close', (code) => {
      if (this.closed) return;
      this.closed = true;
      this.onClose(code);
    });
  }

  /** Open: neither closing nor closed. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a text message; false when the connection is no longer open. */
  send(text: string): boolean {
    if (!this.open) return false;
    this.ws.send(text, { binary: false });
    return true;
  }

  /** Pings the client; a client that did not answer the previous ping is dead: its socket is destroyed, false. */
  ping(): boolean {
    if (!this.open) return false;
    if (!this.alive) {
      this.terminate();
      return false;
    }
    this.alive = false;
    this.ws.ping();
    return true;
  }

  /** Starts the closing handshake; the socket is destroyed if the client does not answer in time. */
  close(code = 1000, reason = ''): void {
    if (!this.open) return;
    this.ws.close(code, reason);
    setTimeout(() => this.terminate(), this.closeTimeoutMs).unref();
  }

  /** Destroys the socket without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}
