/** A registered client connection. */
export interface Connection {
  readonly id: string;
  readonly connectedAt: string;
  /** Who connected (the token's subject, `api-key` or `anonymous`). */
  readonly principal: string;
  /** The documents it edits (websocket.crdt): it joins one with its first message for it. */
  readonly documents?: readonly string[];
}

/** Port: where connections are registered. */
export interface ConnectionRegistry {
  add(connection: Connection): Promise<void>;
  remove(id: string): Promise<void>;
  /** Records that the connection edits `document` (a no-op for a connection that is not registered). */
  join(id: string, document: string): Promise<void>;
  list(): Promise<Connection[]>;
}

/** Port: sends a message to one connection; 'gone' when the client has disconnected. */
export interface Sender {
  send(connectionId: string, payload: string): Promise<'sent' | 'gone'>;
}

/** Who a token identifies. */
export interface Principal {
  readonly subject: string;
}

/** Port: checks a client's token; rejects when it is not acceptable. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}
