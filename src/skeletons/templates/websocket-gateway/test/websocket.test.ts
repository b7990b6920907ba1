import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { testSecrets } from '@allframe/platform';
import type { RunningServer } from '@allframe/platform';
import { loadConfig } from '../src/config';
import { startContainer } from '../src/container';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

const env = {
  LOG_LEVEL: 'silent',
  PORT: '0',
  BROADCAST_TOKEN: 'secret',
  HEARTBEAT_INTERVAL_MS: '200',
  WEBSOCKET_API_KEY: 'test-key', // @if apiKey
};
// @if jwt

/** An unsigned JWT that ExpiryOnlyJwtVerifier accepts. */
function token(): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ exp: Math.floor(Date.now() / 1000) + 60, iss: loadConfig(env).JWT_ISSUER, sub: 'fan' })}.`;
}
// @end

/** Where and with which headers a client the __authMode__ authorizer accepts connects. */
function accepted(): { path: string; headers: Record<string, string> } {
  return { path: `/?token=${token()}`, headers: {} }; // @if jwt
  return { path: '/', headers: { 'x-api-key': 'test-key' } }; // @if apiKey
  return { path: '/', headers: {} }; // @if none
}

/** A minimal WebSocket client (RFC 6455): masked text frames out; the server's text, ping and close frames in. */
class TestClient {
  readonly messages: string[] = [];
  pings = 0;
  /** Answer the server's pings (a client that does not is dead to the server). */
  answerPings = true;
  closeCode: number | undefined;
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);

  constructor(private readonly socket: Duplex, head: Buffer) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    if (head.length > 0) this.receive(head);
  }

  send(text: string): void {
    this.socket.write(masked(0x1, Buffer.from(text)));
  }

  close(): Promise<void> {
    this.socket.write(masked(0x8, Buffer.from([0x03, 0xe8])));
    return this.closed;
  }

  /** The first message (parsed) of this `type`, waiting for it. */
  async next(type: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i++) {
      const found = this.messages.map((m) => JSON.parse(m) as Record<string, unknown>).find((m) => m.type === type);
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no ${type} message in ${JSON.stringify(this.messages)}`);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const length = this.buffer[1]! & 0x7f;
      const offset = length === 126 ? 4 : length === 127 ? 10 : 2;
      const size = length === 126 ? this.buffer.readUInt16BE(2) : length === 127 ? Number(this.buffer.readBigUInt64BE(2)) : length;
      if (this.buffer.length < offset + size) return;
      const opcode = this.buffer[0]! & 0x0f;
      const payload = this.buffer.subarray(offset, offset + size);
      this.buffer = this.buffer.subarray(offset + size);
      if (opcode === 0x1) this.messages.push(payload.toString('utf8'));
      if (opcode === 0x9) {
        this.pings++;
        if (this.answerPings) this.socket.write(masked(0xa, payload));
      }
      if (opcode === 0x8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.socket.end();
      }
    }
  }
}

/** A client frame: final, masked. */
function masked(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | body.length]), mask, body]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a WebSocket: the client, or the HTTP answer refusing the upgrade. */
function connect(port: number, path: string, headers: Record<string, string> = {}): Promise<TestClient | { status: number; body: string }> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request({ port, path, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key, ...headers } });
    req.on('upgrade', (res, socket, head) => {
      const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) reject(new Error('wrong Sec-WebSocket-Accept'));
      else resolve(new TestClient(socket, head));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function client(port: number): Promise<TestClient> {
  const { path, headers } = accepted();
  const opened = await connect(port, path, headers);
  if (!(opened instanceof TestClient)) throw new Error(`refused: ${opened.status} ${opened.body}`);
  return opened;
}

/** POST /broadcast: what it did. */
async function broadcast(port: number, message: object): Promise<{ sent: number; removed: number; failed: number }> {
  const res = await fetch(`http://localhost:${port}/broadcast`, { method: 'POST', headers: { authorization: 'Bearer secret', 'content-type': 'application/json' }, body: JSON.stringify(message) });
  return (await res.json()) as { sent: number; removed: number; failed: number };
}

/** Broadcasts until no connection is left (the server's side of a close is seen a little after the client's). */
async function connectionsLeft(port: number): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const { sent } = await broadcast(port, { type: 'probe' });
    if (sent === 0) return 0;
    await sleep(50);
  }
  return (await broadcast(port, { type: 'probe' })).sent;
}

describe('the container serves the WebSocket connections itself (SENDER=memory)', () => {
  let server: RunningServer | undefined;
  const start = async (extra: Record<string, string> = {}) => {
    const config = loadConfig({ ...env, ...extra });
    server = await startContainer(config, createDependencies(config, testSecrets(SECRET_NAMES)), { signals: [] });
    return server.port;
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('a client connects, gets POST /broadcast and the heartbeat, is answered, and is unregistered when it closes', async () => {
    // GIVEN a client connected to the container
    const port = await start();
    const ws = await client(port);
    // WHEN a message is broadcast over HTTP
    const result = await broadcast(port, { type: 'greeting', text: 'hello' });
    // THEN it reached the client
    expect(result).toEqual({ sent: 1, removed: 0, failed: 0 });
    expect(await ws.next('greeting')).toEqual({ type: 'greeting', text: 'hello' });
    // AND the heartbeat pings it and sends it the heartbeat message
    expect(await ws.next('heartbeat')).toMatchObject({ type: 'heartbeat', time: expect.any(String) as unknown });
    expect(ws.pings).toBeGreaterThan(0);
    // AND its messages go to the gateway
    ws.send('{"type":"ping"}');
    expect(await ws.next('pong')).toEqual({ type: 'pong' });
    // WHEN it closes, THEN it is no longer registered
    await ws.close();
    expect(ws.closeCode).toBe(1000);
    expect(await connectionsLeft(port)).toBe(0);
  });

  test('a client that does not answer the pings is dropped by the heartbeat', async () => {
    const port = await start();
    const ws = await client(port);
    ws.answerPings = false;
    await ws.closed;
    expect(await connectionsLeft(port)).toBe(0);
  });

  test('upgrades beyond MAX_CONNECTIONS are refused with 503, and accepted again when one closes', async () => {
    const port = await start({ MAX_CONNECTIONS: '1' });
    const first = await client(port);
    const { path, headers } = accepted();
    expect(await connect(port, path, headers)).toMatchObject({ status: 503, body: expect.stringContaining('maximum of 1 connections') as unknown });
    await first.close();
    await connectionsLeft(port);
    const again = await client(port);
    expect(await broadcast(port, { type: 'x' })).toMatchObject({ sent: 1 });
    await again.close();
  });

  test('the authorization is that of $connect (401 when refused); other paths and plain requests are refused', async () => {
    const port = await start();
    expect(await connect(port, '/')).toMatchObject({ status: 401 }); // @if !none
    expect(await connect(port, '/?token=nope')).toMatchObject({ status: 401 }); // @if jwt
    expect(await connect(port, '/', { 'x-api-key': 'wrong' })).toMatchObject({ status: 401 }); // @if apiKey
    expect(await connect(port, '/elsewhere')).toMatchObject({ status: 404 });
    expect(await connect(port, '/', { 'sec-websocket-version': '8' })).toMatchObject({ status: 426 });
    expect(await connectionsLeft(port)).toBe(0);
  });

  test('at shutdown the connections are closed with 1001 (going away)', async () => {
    await start();
    const ws = await client(server!.port);
    await server!.close();
    server = undefined;
    await ws.closed;
    expect(ws.closeCode).toBe(1001);
  });

  test('with SENDER=apigateway the connections are API Gateway\'s: the container holds no sockets', () => {
    const config = loadConfig({ ...env, SENDER: 'apigateway', WEBSOCKET_ENDPOINT: 'https://example.com/prod' });
    expect(createDependencies(config, testSecrets(SECRET_NAMES)).sockets).toBeUndefined();
    expect(createDependencies(loadConfig(env), testSecrets(SECRET_NAMES)).sockets).toBeDefined();
  });
});
