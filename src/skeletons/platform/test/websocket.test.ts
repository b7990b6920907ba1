import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createHttpApp } from '../src/http';
import { serve, type RunningServer } from '../src/server';
import { acceptWebSocket, refuseUpgrade, webSocketHandshakeError, type WebSocketConnection } from '../src/websocket';
import { fakeLogger } from './fakes';

/** A client frame: masked, `fin` by default. */
function clientFrame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const mask = options.mask === false ? undefined : randomBytes(4);
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0, length]) : Buffer.from([0, 126, length >> 8, length & 0xff]);
  header[0] = (options.fin === false ? 0 : 0x80) | opcode;
  if (!mask) return Buffer.concat([header, payload]);
  header[1] = header[1]! | 0x80;
  return Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

interface Frame {
  opcode: number;
  payload: Buffer;
}

/** A raw client: the handshake's answer, then the server's frames as they come. */
class RawClient {
  readonly frames: Frame[] = [];
  response = '';
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private handshaken = false;

  constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  async until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  }

  /** The close code of the server's close frame. */
  async closeCode(): Promise<number | undefined> {
    await this.until(() => this.frames.some((f) => f.opcode === 0x8));
    return this.frames.find((f) => f.opcode === 0x8)?.payload.readUInt16BE(0);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.handshaken) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.response = this.buffer.subarray(0, end + 4).toString('latin1');
      this.buffer = this.buffer.subarray(end + 4);
      this.handshaken = true;
      if (!this.response.startsWith('HTTP/1.1 101')) this.response += this.buffer.toString('utf8');
    }
    while (this.buffer.length >= 2) {
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) [length, offset] = [this.buffer.readUInt16BE(2), 4];
      else if (length === 127) [length, offset] = [Number(this.buffer.readBigUInt64BE(2)), 10];
      if (this.buffer.length < offset + length) return;
      this.frames.push({ opcode: this.buffer[0]! & 0x0f, payload: this.buffer.subarray(offset, offset + length) });
      this.buffer = this.buffer.subarray(offset + length);
    }
  }
}

describe('websocket', () => {
  let server: RunningServer;
  const accepted: WebSocketConnection[] = [];
  const everyone: WebSocketConnection[] = [];
  const messages: string[] = [];
  const closes: number[] = [];
  beforeAll(() => {
    const logger = fakeLogger();
    server = serve(createHttpApp({ service: 's', logger }), {
      port: 0,
      logger,
      signals: [],
      upgrade: (req, socket, head) => {
        const problem = webSocketHandshakeError(req);
        if (problem) return refuseUpgrade(socket, problem.status, problem.reason);
        void acceptWebSocket(req, socket, head, { maxMessageBytes: 60_000, closeTimeoutMs: 50 }).then((ws) => {
          ws.onMessage = (text) => messages.push(text);
          ws.onClose = (code) => closes.push(code);
          accepted.push(ws);
          everyone.push(ws);
        });
        return undefined;
      },
    });
  });
  afterAll(() => {
    // (the server's close waits for the upgraded sockets, which are no longer the HTTP server's to drain)
    for (const ws of everyone) ws.terminate();
    return server.close();
  });
  beforeEach(() => {
    accepted.length = 0;
    messages.length = 0;
    closes.length = 0;
  });

  async function open(headers: Record<string, string> = {}): Promise<RawClient> {
    const key = randomBytes(16).toString('base64');
    const socket = connect(server.port, '127.0.0.1');
    const client = new RawClient(socket);
    const all = { host: 'localhost', upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': key, ...headers };
    socket.write(`GET / HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    await client.until(() => client.response !== '');
    if (client.response.startsWith('HTTP/1.1 101')) {
      const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      expect(client.response).toContain(`Sec-WebSocket-Accept: ${expected}\r\n`);
      await client.until(() => accepted.length > 0);
    }
    return client;
  }

  it('accepts a handshake; assembles fragmented text; sends short, 16-bit and 64-bit lengths; answers pings', async () => {
    // GIVEN an open connection
    const client = await open();
    const ws = accepted[0]!;
    // WHEN the client sends a message in three fragments, with a ping between them
    client.socket.write(clientFrame(0x1, Buffer.from('hel'), { fin: false }));
    client.socket.write(clientFrame(0x9, Buffer.from('p')));
    client.socket.write(clientFrame(0x0, Buffer.from('lo '), { fin: false }));
    client.socket.write(clientFrame(0x0, Buffer.from('wörld')));
    // THEN the server gets one message and answers the ping with its payload
    await client.until(() => messages.length > 0);
    expect(messages).toEqual(['hello wörld']);
    await client.until(() => client.frames.length > 0);
    expect(client.frames[0]).toEqual({ opcode: 0xa, payload: Buffer.from('p') });
    // AND sends messages of every length encoding
    for (const size of [5, 300, 70_000]) expect(ws.send('x'.repeat(size))).toBe(true);
    await client.until(() => client.frames.length === 4);
    expect(client.frames.slice(1).map((f) => [f.opcode, f.payload.length])).toEqual([
      [0x1, 5],
      [0x1, 300],
      [0x1, 70_000],
    ]);
    // AND a ping unanswered twice destroys the socket
    expect(ws.ping()).toBe(true);
    client.socket.write(clientFrame(0xa, Buffer.alloc(0)));
    // (the pong taken before the message that follows it)
    client.socket.write(clientFrame(0x1, Buffer.from('after the pong')));
    await client.until(() => messages.length === 2);
    expect(ws.ping()).toBe(true);
    expect(ws.ping()).toBe(false);
    await client.closed;
    expect(closes).toEqual([1006]);
    expect([ws.open, ws.send('late'), ws.ping()]).toEqual([false, false, false]);
  });

  it('closes: the client\'s close is answered; the server\'s waits for the client, then destroys the socket', async () => {
    const client = await open();
    client.socket.write(clientFrame(0x8, Buffer.from([0x0f, 0xa0])));
    expect(await client.closeCode()).toBe(4000);
    await client.closed;
    // the server's close event may come after the client's socket has ended
    await client.until(() => closes.length === 1);
    expect(closes).toEqual([4000]);
    const other = await open();
    accepted[1]!.close(1001, 'going away');
    accepted[1]!.close();
    expect(await other.closeCode()).toBe(1001);
    await other.closed;
    await other.until(() => closes.length === 2);
    // this client never answers the server's close frame: the socket is destroyed after the close timeout, without
    // the client's close code (1006)
    expect(closes).toEqual([4000, 1006]);
  });

  it.each([
    ['an unmasked frame', 1002, clientFrame(0x1, Buffer.from('x'), { mask: false })],
    ['a binary message', 1003, clientFrame(0x2, Buffer.from('x'))],
    ['a message that is not UTF-8', 1007, clientFrame(0x1, Buffer.from([0xff, 0xfe]))],
    ['a message too big', 1009, clientFrame(0x1, Buffer.alloc(60_001))],
    ['fragments too big together', 1009, Buffer.concat([clientFrame(0x1, Buffer.alloc(40_000), { fin: false }), clientFrame(0x0, Buffer.alloc(40_000))])],
    ['a new message inside a fragmented one', 1002, Buffer.concat([clientFrame(0x1, Buffer.from('a'), { fin: false }), clientFrame(0x1, Buffer.from('b'))])],
    ['a continuation without a message', 1002, clientFrame(0x0, Buffer.from('x'))],
    ['an unknown opcode', 1002, clientFrame(0x3, Buffer.from('x'))],
    ['a fragmented ping', 1002, clientFrame(0x9, Buffer.from('x'), { fin: false })],
    ['a reserved bit', 1002, Buffer.from([0xc1, 0x80, 0, 0, 0, 0])],
  ])('fails the connection on %s with %i', async (_what, code, frame) => {
    const client = await open();
    client.socket.write(frame);
    expect(await client.closeCode()).toBe(code);
    await client.closed;
    expect(messages).toEqual([]);
  });

  it('serves upgrades on a port that also speaks h2c (a wrapper)', async () => {
    // GIVEN a server with a wrapper, refusing every upgrade with 503
    const logger = fakeLogger();
    const wrapped = serve(createHttpApp({ service: 's', logger }), { port: 0, logger, signals: [], wrapper: { wrap: (app) => app }, upgrade: (_req, socket) => refuseUpgrade(socket, 503, 'full') });
    // WHEN an upgrade comes over HTTP/1.1, THEN the handler answers it
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ port: wrapped.port, host: '127.0.0.1', headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(503);
    await wrapped.close();
  });

  it('refuses what is no WebSocket handshake of version 13', async () => {
    expect((await open({ 'sec-websocket-version': '8' })).response).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n[\s\S]*Sec-WebSocket-Version 13 is required\n$/);
    expect((await open({ 'sec-websocket-key': 'short' })).response).toMatch(/^HTTP\/1\.1 400 .*a Sec-WebSocket-Key of 16 bytes is required\n$/s);
    const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
    expect(webSocketHandshakeError(req('POST', {}))?.status).toBe(405);
    expect(webSocketHandshakeError(req('GET', { upgrade: 'h2c' }))?.status).toBe(400);
  });
});
