import type { Connection, ConnectionRegistry, Sender } from '../ports';

/** In-memory registry for tests and single-instance runs. */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  private readonly connections = new Map<string, Connection>();

  add(connection: Connection): Promise<void> {
    this.connections.set(connection.id, connection);
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.connections.delete(id);
    return Promise.resolve();
  }

  join(id: string, document: string): Promise<void> {
    const connection = this.connections.get(id);
    if (connection !== undefined && !(connection.documents ?? []).includes(document)) this.connections.set(id, { ...connection, documents: [...(connection.documents ?? []), document] });
    return Promise.resolve();
  }

  list(): Promise<Connection[]> {
    return Promise.resolve([...this.connections.values()]);
  }
}

/** A sender for tests: records what it sends; connections in `gone` are reported gone (the container's is OpenSockets). */
export class MemorySender implements Sender {
  readonly sent: { connectionId: string; payload: string }[] = [];
  readonly gone = new Set<string>();

  send(connectionId: string, payload: string): Promise<'sent' | 'gone'> {
    if (this.gone.has(connectionId)) return Promise.resolve('gone');
    this.sent.push({ connectionId, payload });
    return Promise.resolve('sent');
  }
}
