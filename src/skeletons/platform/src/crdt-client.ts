/**
 * The client side of CRDT documents (see crdt.ts): a Yjs document and its awareness (presence) kept in sync with a
 * websocket-gateway over any text transport (a browser WebSocket, `ws`, a test's in-memory pipe). It speaks the
 * y-protocols sync and awareness messages, base64 in `{"type":"yjs","doc":…,"message":…}` text frames.
 *
 * Offline editing needs nothing special: edits made while disconnected stay in the Y.Doc; on `connected()` the client
 * sends its state vector (sync step 1), the server answers with what the client lacks and its own state vector, and
 * the client answers that with what the server lacks, its offline edits. Browser-safe: no Node API.
 */
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { fromBase64, toBase64 } from 'lib0/buffer';

/** y-websocket's message types: the first varUint of every message (the server, crdt.ts, reads the same). */
export const YJS_MESSAGE_SYNC = 0;
export const YJS_MESSAGE_AWARENESS = 1;

/** The text frame of a y-protocols message for `document`, both ways (the server parses it with parseCrdtFrame). */
export function crdtFrame(document: string, message: Uint8Array): string {
  return JSON.stringify({ type: 'yjs', doc: document, message: toBase64(message) });
}

/** One document's Yjs state and presence, synchronised over `send` while connected. */
export class CrdtClient {
  readonly awareness: awarenessProtocol.Awareness;
  private online = false;
  private isSynced = false;
  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || !this.online) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YJS_MESSAGE_SYNC);
    syncProtocol.writeUpdate(encoder, update);
    this.post(encoding.toUint8Array(encoder));
  };
  private readonly onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void => {
    if (origin !== 'local' || !this.online) return;
    this.postAwareness([...added, ...updated, ...removed]);
  };

  /**
   * @param document the document id (letters, digits, `.`, `_`, `-`)
   * @param doc the Yjs document edited locally
   * @param send sends a text frame to the gateway (called only while connected)
   */
  constructor(
    readonly document: string,
    readonly doc: Y.Doc,
    private readonly send: (frame: string) => void,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    doc.on('update', this.onUpdate);
    this.awareness.on('update', this.onAwareness);
  }

  /** Whether the server's state has been received since the last `connected()`. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** The transport is open: starts the sync (step 1) and announces this client's presence. */
  connected(): void {
    this.online = true;
    this.isSynced = false;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YJS_MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.post(encoding.toUint8Array(encoder));
    if (this.awareness.getLocalState() !== null) this.postAwareness([this.doc.clientID]);
  }

  /** The transport closed: edits from now on are kept locally and sent on the next `connected()`. */
  disconnected(): void {
    this.online = false;
    this.isSynced = false;
    // the others' presence is stale once we no longer hear them
    awarenessProtocol.removeAwarenessStates(this.awareness, [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID), this);
  }

  /** A text frame from the gateway; frames for other documents (or of other types) are ignored. Returns whether it was ours. */
  receive(frame: string): boolean {
    let parsed: { type?: unknown; doc?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(frame) as typeof parsed;
    } catch {
      return false;
    }
    if (parsed.type !== 'yjs' || parsed.doc !== this.document || typeof parsed.message !== 'string') return false;
    const decoder = decoding.createDecoder(fromBase64(parsed.message));
    const type = decoding.readVarUint(decoder);
    if (type === YJS_MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
      return true;
    }
    if (type !== YJS_MESSAGE_SYNC) return true;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YJS_MESSAGE_SYNC);
    const syncType = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
    if (syncType === syncProtocol.messageYjsSyncStep2) this.isSynced = true;
    // a step 1 from the server is answered with step 2: what the server lacks (edits made offline)
    if (encoding.length(encoder) > 1 && this.online) this.post(encoding.toUint8Array(encoder));
    return true;
  }

  /** Stops listening to the document (the Y.Doc stays usable). */
  destroy(): void {
    this.doc.off('update', this.onUpdate);
    this.awareness.off('update', this.onAwareness);
    this.awareness.destroy();
  }

  private postAwareness(clients: number[]): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YJS_MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    this.post(encoding.toUint8Array(encoder));
  }

  private post(message: Uint8Array): void {
    this.send(crdtFrame(this.document, message));
  }
}
