import type { EventEnvelope, Logger } from '@allframe/platform';
import { CrdtMessageError, crdtFrame, handleCrdtMessage, parseCrdtFrame } from '@allframe/platform'; // @if crdt
import type { CrdtDocumentStore } from '@allframe/platform'; // @if crdt
import type { Authorizer, ConnectRequest } from '../auth';
import type { Connection, ConnectionRegistry, Sender } from '../ports';

/** The events pushed to clients (subscriptions.events). */
export const SUBSCRIBED_EVENTS: ReadonlySet<string> = new Set<string>([
  '__event__', // @each events
]);

export interface GatewayPorts {
  readonly registry: ConnectionRegistry;
  readonly sender: Sender;
  readonly authorize: Authorizer;
  readonly logger: Logger;
  /** The CRDT documents (websocket.crdt): their update log and snapshots, read per message; without, no documents. */
  readonly documents?: CrdtDocumentStore; // @if crdt
}

/** What a broadcast did. */
export interface BroadcastResult {
  sent: number;
  removed: number;
  failed: number;
}

/** Use cases of the gateway: connect, disconnect, messages from clients, broadcasts. */
export class Gateway {
  constructor(
    private readonly ports: GatewayPorts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Authorises and registers a connection; rejects with AuthError when refused. */
  async connect(request: ConnectRequest): Promise<Connection> {
    const principal = await this.ports.authorize(request);
    const connection: Connection = { id: request.connectionId, connectedAt: this.now().toISOString(), principal: principal.subject };
    await this.ports.registry.add(connection);
    return connection;
  }

  disconnect(connectionId: string): Promise<void> {
    return this.ports.registry.remove(connectionId);
  }

  /**
   * A message from a client: answers `{"type":"ping"}` with a pong; add your own message types here.
   * A `{"type":"yjs"}` frame is a y-protocols message for one document (see {@link onDocumentMessage}). // @if crdt
   */
  async onMessage(connectionId: string, body: string): Promise<void> {
    if (body.trim() === '{"type":"ping"}') await this.ports.sender.send(connectionId, JSON.stringify({ type: 'pong' }));
    // @if crdt
    else await this.onDocumentMessage(connectionId, body);
    // @end
  }
  // @if crdt

  /**
   * A y-protocols message for a document, loaded from the store for this message alone: the connection joins the
   * document, the replies go back to it, and a new update (or presence) goes to every other connection on the
   * document. A malformed frame is answered with `{"type":"error"}`; the connection stays open.
   */
  async onDocumentMessage(connectionId: string, body: string): Promise<void> {
    const documents = this.ports.documents;
    if (documents === undefined) return;
    try {
      const frame = parseCrdtFrame(body);
      if (frame === undefined) return;
      await this.ports.registry.join(connectionId, frame.doc);
      const outcome = await handleCrdtMessage(documents, frame.doc, frame.message);
      for (const reply of outcome.replies) await this.ports.sender.send(connectionId, crdtFrame(frame.doc, reply));
      if (outcome.broadcast !== undefined) {
        const others = (await this.ports.registry.list()).filter((c) => c.id !== connectionId && (c.documents ?? []).includes(frame.doc));
        await this.sendTo(others, crdtFrame(frame.doc, outcome.broadcast));
      }
    } catch (err) {
      if (!(err instanceof CrdtMessageError)) throw err;
      await this.ports.sender.send(connectionId, JSON.stringify({ type: 'error', message: err.message }));
    }
  }
  // @end

  /** Sends `message` (as JSON) to every connection, removing the ones that are gone. */
  async broadcast(message: unknown): Promise<BroadcastResult> {
    return this.sendTo(await this.ports.registry.list(), JSON.stringify(message));
  }

  /** Sends `payload` to these connections, removing the ones that are gone. */
  private async sendTo(connections: readonly Connection[], payload: string): Promise<BroadcastResult> {
    const outcomes = await Promise.allSettled(connections.map((c) => this.ports.sender.send(c.id, payload)));
    const result: BroadcastResult = { sent: 0, removed: 0, failed: 0 };
    for (const [i, outcome] of outcomes.entries()) {
      const id = connections[i]!.id;
      if (outcome.status === 'rejected') {
        result.failed++;
        this.ports.logger.warn({ err: outcome.reason as unknown, connectionId: id }, 'send failed');
      } else if (outcome.value === 'gone') {
        await this.ports.registry.remove(id);
        result.removed++;
      } else {
        result.sent++;
      }
    }
    return result;
  }

  /** Keeps idle connections open: a heartbeat message to everyone. */
  heartbeat(): Promise<BroadcastResult> {
    return this.broadcast({ type: 'heartbeat', time: this.now().toISOString() });
  }

  /** A subscribed event is broadcast as `{ type, id, time, data }`; others are ignored (undefined). */
  async publish(event: EventEnvelope): Promise<BroadcastResult | undefined> {
    if (!SUBSCRIBED_EVENTS.has(event.type)) return undefined;
    return this.broadcast({ type: event.type, id: event.id, time: event.time, data: event.data });
  }
}
