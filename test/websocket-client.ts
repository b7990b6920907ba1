/** A minimal WebSocket client for the tests (RFC 6455; Node 20 has no global WebSocket): text messages in and out, pings answered. */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Duplex } from 'node:stream';

export interface TestWebSocket {
  /** The text messages received so far. */
  readonly messages: string[];
  send(text: string): void;
  /** Ends the connection (a close frame, 1000). */
  close(): void;
}

/** A client frame: final, masked. */
function masked(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([length, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

function client(socket: Duplex, head: Buffer): TestWebSocket {
  const messages: string[] = [];
  let buffer = Buffer.alloc(0);
  const receive = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 2) {
      const short = buffer[1]! & 0x7f;
      const offset = short === 126 ? 4 : short === 127 ? 10 : 2;
      if (buffer.length < offset) return;
      const length = short === 126 ? buffer.readUInt16BE(2) : short === 127 ? Number(buffer.readBigUInt64BE(2)) : short;
      if (buffer.length < offset + length) return;
      const opcode = buffer[0]! & 0x0f;
      const payload = buffer.subarray(offset, offset + length);
      buffer = buffer.subarray(offset + length);
      if (opcode === 0x1) messages.push(payload.toString('utf8'));
      else if (opcode === 0x9) socket.write(masked(0xa, payload));
      else if (opcode === 0x8) socket.end();
    }
  };
  socket.on('data', receive);
  socket.on('error', () => undefined);
  if (head.length > 0) receive(head);
  return {
    messages,
    send: (text) => socket.write(masked(0x1, Buffer.from(text))),
    close: () => socket.end(masked(0x8, Buffer.from([0x03, 0xe8]))),
  };
}

/** Opens a WebSocket to `url` (http://…; its path and query as given); rejects with the status when the upgrade is refused. */
export function openWebSocket(url: string, headers: Record<string, string> = {}): Promise<TestWebSocket> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers } });
    req.on('upgrade', (_res, socket, head) => resolve(client(socket, head)));
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`the upgrade was refused: ${res.statusCode ?? 0}`));
    });
    req.on('error', reject);
    req.end();
  });
}
