import type { WebSocketConnection } from '@allframe/platform';
import type { Sender } from '../ports';

/**
 * The WebSockets this process serves, by connection id (the container entry, SENDER=memory): messages are written to
 * them; a connection without an open socket here is gone (and so removed from the registry by a broadcast).
 */
export class OpenSockets implements Sender {
  private readonly sockets = new Map<string, WebSocketConnection>();

  /** How many sockets are held. */
  get size(): number {
    return this.sockets.size;
  }

  add(connectionId: string, socket: WebSocketConnection): void {
    this.sockets.set(connectionId, socket);
  }

  remove(connectionId: string): void {
    this.sockets.delete(connectionId);
  }

  send(connectionId: string, payload: string): Promise<'sent' | 'gone'> {
    return Promise.resolve(this.sockets.get(connectionId)?.send(payload) === true ? 'sent' : 'gone');
  }

  /** Pings every socket; one that did not answer the previous ping is dead and destroyed (its close unregisters it). How many were. */
  ping(): number {
    let dead = 0;
    for (const socket of this.sockets.values()) if (!socket.ping()) dead++;
    return dead;
  }

  /** Closes every socket (1001: the instance is going away), at shutdown. */
  closeAll(): void {
    for (const socket of this.sockets.values()) socket.close(1001, 'going away');
  }
}
