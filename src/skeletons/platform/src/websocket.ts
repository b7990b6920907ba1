/**
 * WebSockets served by {@link serve} (its `upgrade` option): the handshake and the frames of RFC 6455 over the socket
 * Node hands an `upgrade` listener, with no dependency. Text messages only (a binary one closes with 1003), no
 * extensions (no permessage-deflate) and no subprotocols; enough for a gateway that pushes JSON to its clients.
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Takes an HTTP upgrade request and its socket (Node's `upgrade` event): accept it or refuse it. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Options of {@link acceptWebSocket}. */
export interface WebSocketOptions {
  /** A larger message from the client closes the connection with 1009; 1 MiB by default. */
  maxMessageBytes?: number;
  /** How long a closing connection waits for the client's close frame before its socket is destroyed; 1 s by default. */
  closeTimeoutMs?: number;
}

/** The key of the handshake's answer (RFC 6455 §1.3). */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

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

/** Completes the handshake of `req` (check it with {@link webSocketHandshakeError} first) and returns the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, options: WebSocketOptions = {}): WebSocketConnection {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key'] ?? ''}${ACCEPT_GUID}`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  return new WebSocketConnection(socket, head, options);
}

/** One frame as sent by the server: final, unmasked. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) header = Buffer.from([0x80 | opcode, length]);
  else if (length < 0x10000) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(length, 2);
    header[1] = 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(length), 2);
    header[1] = 127;
  }
  header[0] = 0x80 | opcode;
  return Buffer.concat([header, payload]);
}

function closePayload(code: number, reason: string): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/**
 * An open WebSocket: `send` text, `ping` (false, and the socket destroyed, when the previous ping got no pong), `close`.
 * Set `onMessage` and `onClose` (called once, with the close code: 1006 when the socket ended without a close frame).
 */
export class WebSocketConnection {
  /** A text message from the client. */
  onMessage: (text: string) => void = () => undefined;
  /** The connection is closed (once). */
  onClose: (code: number) => void = () => undefined;

  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmented = false;
  private alive = true;
  private closing = false;
  private closed = false;
  private closeCode = 1006;
  private readonly maxMessageBytes: number;
  private readonly closeTimeoutMs: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly socket: Duplex,
    head: Buffer,
    options: WebSocketOptions = {},
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? 1 << 20;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.finish());
    if (head.length > 0) this.receive(head);
  }

  /** Open: neither closing nor closed. */
  get open(): boolean {
    return !this.closing && !this.closed;
  }

  /** Sends a text message; false when the connection is no longer open. */
  send(text: string): boolean {
    if (!this.open) return false;
    this.socket.write(frame(OP.text, Buffer.from(text, 'utf8')));
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
    this.socket.write(frame(OP.ping, Buffer.alloc(0)));
    return true;
  }

  /** Starts the closing handshake; the socket is destroyed if the client does not answer in time. */
  close(code = 1000, reason = ''): void {
    if (!this.open) return;
    this.closing = true;
    this.closeCode = code;
    this.socket.write(frame(OP.close, closePayload(code, reason)));
    setTimeout(() => this.terminate(), this.closeTimeoutMs).unref();
  }

  /** Destroys the socket without a closing handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this.closeCode);
  }

  /** Fails the connection (RFC 6455 §7.1.7): a close frame with `code`, then the socket ends. */
  private fail(code: number, reason: string): void {
    this.buffer = Buffer.alloc(0);
    if (this.open) {
      this.closing = true;
      this.closeCode = code;
      this.socket.write(frame(OP.close, closePayload(code, reason)));
    }
    this.socket.end();
    setTimeout(() => this.terminate(), this.closeTimeoutMs).unref();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2 && !this.closed) {
      const [b0 = 0, b1 = 0] = this.buffer;
      if ((b0 & 0x70) !== 0) return this.fail(1002, 'no extension was negotiated');
      if ((b1 & 0x80) === 0) return this.fail(1002, 'client frames must be masked');
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        const long = this.buffer.readBigUInt64BE(2);
        if (long > BigInt(this.maxMessageBytes)) return this.fail(1009, 'message too big');
        length = Number(long);
        offset = 10;
      }
      if (length > this.maxMessageBytes) return this.fail(1009, 'message too big');
      if (this.buffer.length < offset + 4 + length) return;
      const mask = this.buffer.subarray(offset, offset + 4);
      const payload = Buffer.from(this.buffer.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
      this.buffer = this.buffer.subarray(offset + 4 + length);
      this.frameReceived((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
  }

  private frameReceived(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= OP.close && (!fin || payload.length > 125)) return this.fail(1002, 'invalid control frame');
    switch (opcode) {
      case OP.close:
        if (!this.closing) {
          this.closing = true;
          this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          this.socket.write(frame(OP.close, payload.subarray(0, 2)));
        }
        this.socket.end();
        return;
      case OP.ping:
        if (this.open) this.socket.write(frame(OP.pong, payload));
        return;
      case OP.pong:
        this.alive = true;
        return;
      case OP.text:
      case OP.binary:
        if (this.fragmented) return this.fail(1002, 'a new message inside a fragmented one');
        if (opcode === OP.binary) return this.fail(1003, 'only text messages are accepted');
        return fin ? this.deliver([payload]) : this.startFragments(payload);
      case OP.continuation:
        if (!this.fragmented) return this.fail(1002, 'a continuation without a message');
        this.fragments.push(payload);
        if (this.fragments.reduce((n, f) => n + f.length, 0) > this.maxMessageBytes) return this.fail(1009, 'message too big');
        if (fin) {
          this.fragmented = false;
          this.deliver(this.fragments.splice(0));
        }
        return;
      default:
        return this.fail(1002, `unknown opcode ${opcode}`);
    }
  }

  private startFragments(payload: Buffer): void {
    this.fragmented = true;
    this.fragments = [payload];
  }

  private deliver(parts: Buffer[]): void {
    let text: string;
    try {
      text = this.decoder.decode(Buffer.concat(parts));
    } catch {
      return this.fail(1007, 'a text message must be UTF-8');
    }
    if (this.open) this.onMessage(text);
  }
}
