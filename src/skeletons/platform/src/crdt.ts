/**
 * CRDT documents (`websocket.crdt: { type: yjs }`): Yjs documents edited over a WebSocket gateway with the y-protocols
 * sync and awareness messages, kept in the service's own store as an update log plus snapshots.
 *
 * The server holds no document in memory between messages: each message loads the document (its snapshot and the log
 * entries after it), answers, appends what was new and compacts the log now and then. That is what API Gateway
 * WebSockets on Lambda need (any instance may take any message) and it costs a container nothing in correctness.
 *
 * Wire format: API Gateway WebSockets carry no binary frames, so a y-protocols message travels base64-encoded in a
 * text frame, `{"type":"yjs","doc":"<document id>","message":"<base64>"}`, both ways. One connection may edit several
 * documents: it joins a document with its first message for it.
 *
 * Storage: on any {@link Repository} (memory, DynamoDB, PostgreSQL, Firestore), so no new infrastructure: a head item
 * `doc:<id>` (the snapshot: every update merged, and `seq`, the first log entry it does not hold) and log entries
 * `doc:<id>#<seq>`, each written only if absent (a compare-and-set), so concurrent writers take distinct, gap-free
 * sequence numbers. Yjs updates commute and applying one twice changes nothing, which is why a reader may see a log
 * entry twice (in the snapshot and in the log while a compaction runs) without harm.
 */
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { fromBase64, toBase64 } from 'lib0/buffer';
import { YJS_MESSAGE_AWARENESS, YJS_MESSAGE_SYNC } from './crdt-client';
import type { Repository } from './repository';

/** A document id: letters, digits, `.`, `_` and `-`, 1 to 128 of them (it becomes part of store keys). */
export const DOCUMENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** An item of the document store: a document's head (its snapshot) or one entry of its update log. */
export interface CrdtEntry {
  readonly id: string;
  readonly doc: string;
  readonly kind: 'head' | 'update';
  /** head: the first log entry the snapshot does not hold; update: the entry's own sequence number. */
  readonly seq: number;
  /** The Yjs update (head: all updates merged), base64. */
  readonly data: string;
  readonly at: string;
}

/** A document as loaded: the Y.Doc, and which log entries it holds. */
export interface LoadedDocument {
  readonly doc: Y.Doc;
  /** The head's `seq`: the first log entry the snapshot does not hold (0 without a head). */
  readonly from: number;
  /** The next free log entry as far as this load saw: `from` + the entries read. */
  readonly next: number;
  /** Whether the document had a head (a snapshot) when loaded. */
  readonly head: boolean;
}

/** A message that is no y-protocols message this server takes (the connection should be told, not crash). */
export class CrdtMessageError extends Error {
  override readonly name = 'CrdtMessageError';
}

export interface CrdtStoreOptions {
  /** Compact the log into the snapshot once it holds this many entries; 50 by default. */
  readonly snapshotEvery?: number;
  /** Log entries read at once while loading; 8 by default. */
  readonly readAhead?: number;
  readonly now?: () => Date;
}

const headId = (doc: string): string => `doc:${doc}`;
const entryId = (doc: string, seq: number): string => `doc:${doc}#${seq}`;

/** Whether a Yjs update holds nothing: no structs and no deletions. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length === 0 && ds.clients.size === 0;
}

/** The update log and snapshots of Yjs documents over a repository. */
export class CrdtDocumentStore {
  private readonly snapshotEvery: number;
  private readonly readAhead: number;
  private readonly now: () => Date;

  constructor(
    private readonly repository: Repository<CrdtEntry>,
    options: CrdtStoreOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 50;
    this.readAhead = options.readAhead ?? 8;
    this.now = options.now ?? (() => new Date());
    if (!Number.isInteger(this.snapshotEvery) || this.snapshotEvery < 1) throw new RangeError(`snapshotEvery must be a positive integer, got ${this.snapshotEvery}`);
  }

  /** The document: its snapshot, then its log entries in order until the first missing one (read `readAhead` at a time). */
  async load(document: string): Promise<LoadedDocument> {
    assertDocumentId(document);
    const doc = new Y.Doc({ gc: true });
    const head = await this.repository.get(headId(document));
    const from = head?.seq ?? 0;
    if (head !== undefined) Y.applyUpdate(doc, fromBase64(head.data));
    let next = from;
    for (;;) {
      const batch = await Promise.all(Array.from({ length: this.readAhead }, (_, i) => this.repository.get(entryId(document, next + i))));
      const present = batch.findIndex((e) => e === undefined);
      const read = present === -1 ? batch : batch.slice(0, present);
      for (const entry of read) Y.applyUpdate(doc, fromBase64(entry!.data));
      next += read.length;
      if (present !== -1) return { doc, from, next, head: head !== undefined };
    }
  }

  /**
   * Appends `update` to the document's log at the first free sequence number from `loaded.next` on (a compare-and-set
   * per number, so two writers never take the same one) and returns it. Once the log has reached `snapshotEvery`
   * entries it is compacted into the snapshot: from `loaded.doc` with `update` applied when the entry landed right at
   * `loaded.next` (no one wrote in between, so that is the whole document), else from a fresh load.
   */
  async append(document: string, update: Uint8Array, loaded: LoadedDocument): Promise<number> {
    const at = this.now().toISOString();
    const data = toBase64(update);
    let seq = loaded.next;
    while (!(await this.repository.putIf({ id: entryId(document, seq), doc: document, kind: 'update', seq, data, at }, 'id', undefined))) seq++;
    if (seq + 1 - loaded.from >= this.snapshotEvery) {
      if (seq === loaded.next) {
        Y.applyUpdate(loaded.doc, update);
        await this.compact(document, loaded, seq + 1);
      } else {
        // others wrote in between: `loaded.doc` lacks their entries, so compact what a fresh load holds
        const fresh = await this.load(document);
        if (fresh.next - fresh.from >= this.snapshotEvery) await this.compact(document, fresh, fresh.next);
      }
    }
    return seq;
  }

  /**
   * Writes `loaded.doc` (which holds the log up to `upTo`, exclusive) as the snapshot if the head is still the one
   * loaded (of two compactions only one wins), then deletes the entries it holds; false when another compaction won.
   */
  async compact(document: string, loaded: LoadedDocument, upTo: number): Promise<boolean> {
    const head: CrdtEntry = { id: headId(document), doc: document, kind: 'head', seq: upTo, data: toBase64(Y.encodeStateAsUpdate(loaded.doc)), at: this.now().toISOString() };
    if (!(await this.repository.putIf(head, 'seq', loaded.head ? loaded.from : undefined))) return false;
    // Entries below the head are never read again: deleting them only reclaims space, so a failure here is harmless.
    await Promise.allSettled(Array.from({ length: upTo - loaded.from }, (_, i) => this.repository.delete(entryId(document, loaded.from + i))));
    return true;
  }

  /** Deletes the document: its head and every log entry it can reach. */
  async remove(document: string): Promise<void> {
    const { from, next } = await this.load(document);
    await Promise.all(Array.from({ length: next - from }, (_, i) => this.repository.delete(entryId(document, from + i))));
    await this.repository.delete(headId(document));
  }

  /** The document as one Yjs update (its whole state), e.g. for an export. */
  async snapshot(document: string): Promise<Uint8Array> {
    return Y.encodeStateAsUpdate((await this.load(document)).doc);
  }
}

/** Throws a CrdtMessageError for an id that is no {@link DOCUMENT_ID}. */
export function assertDocumentId(document: string): void {
  if (!DOCUMENT_ID.test(document)) throw new CrdtMessageError(`a document id is 1 to 128 letters, digits, '.', '_' or '-', got ${JSON.stringify(document.slice(0, 140))}`);
}

/** What the server does with a client's message: answer the client, and pass a message on to the document's others. */
export interface CrdtOutcome {
  /** y-protocols messages for the sender, in order. */
  readonly replies: readonly Uint8Array[];
  /** A y-protocols message for every other connection on the document (a new update, or awareness), if any. */
  readonly broadcast?: Uint8Array;
  /** The log entry the message's update was appended at, if it brought anything new. */
  readonly appended?: number;
}

/** A parsed client message. */
type ClientMessage =
  | { readonly kind: 'awareness'; readonly message: Uint8Array }
  | { readonly kind: 'step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'update'; readonly update: Uint8Array };

/** Reads a client's y-protocols message; a CrdtMessageError when it is none this server takes. */
export function readClientMessage(message: Uint8Array): ClientMessage {
  try {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === YJS_MESSAGE_AWARENESS) {
      decoding.readVarUint8Array(decoder); // well-formed: one awareness update
      return { kind: 'awareness', message };
    }
    if (type !== YJS_MESSAGE_SYNC) throw new CrdtMessageError(`message type ${type} is neither sync (0) nor awareness (1)`);
    const syncType = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      Y.decodeStateVector(payload);
      return { kind: 'step1', stateVector: payload };
    }
    if (syncType !== syncProtocol.messageYjsSyncStep2 && syncType !== syncProtocol.messageYjsUpdate) throw new CrdtMessageError(`sync message type ${syncType} is unknown`);
    Y.decodeUpdate(payload);
    return { kind: 'update', update: payload };
  } catch (err) {
    if (err instanceof CrdtMessageError) throw err;
    // lib0 throws plain errors on a truncated message, Yjs on an update or state vector it cannot decode
    throw new CrdtMessageError(`not a y-protocols message: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YJS_MESSAGE_SYNC);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/**
 * One y-protocols message from a client of `document`:
 * - sync step 1 (the client's state vector): answered with step 2 (what the client lacks) and the server's own step 1,
 *   so that the client sends back what the server lacks (an offline client's edits);
 * - sync step 2 or an update: what it brings that the store lacks is appended to the log and passed on to the others;
 * - awareness (presence: cursors, names): passed on to the others, never stored.
 * A malformed message is a CrdtMessageError, before the store is read; the store's own failures are passed on.
 */
export async function handleCrdtMessage(store: CrdtDocumentStore, document: string, message: Uint8Array): Promise<CrdtOutcome> {
  assertDocumentId(document);
  const read = readClientMessage(message);
  if (read.kind === 'awareness') return { replies: [], broadcast: read.message };
  const loaded = await store.load(document);
  if (read.kind === 'step1') {
    const missing = Y.encodeStateAsUpdate(loaded.doc, read.stateVector);
    return {
      replies: [
        syncMessage((e) => {
          encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
          encoding.writeVarUint8Array(e, missing);
        }),
        syncMessage((e) => syncProtocol.writeSyncStep1(e, loaded.doc)),
      ],
    };
  }
  // Only what the stored document lacks is stored and passed on (deletions always are: a state vector does not count them).
  const news = Y.diffUpdate(read.update, Y.encodeStateVector(loaded.doc));
  if (isEmptyUpdate(news)) return { replies: [] };
  const appended = await store.append(document, news, loaded);
  return { replies: [], broadcast: syncMessage((e) => syncProtocol.writeUpdate(e, news)), appended };
}

/** The document and y-protocols message of a text frame `{"type":"yjs","doc":…,"message":…}`; undefined when it is another type. */
export function parseCrdtFrame(text: string): { doc: string; message: Uint8Array } | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null || (frame as { type?: unknown }).type !== 'yjs') return undefined;
  const { doc, message } = frame as { doc?: unknown; message?: unknown };
  if (typeof doc !== 'string' || typeof message !== 'string') throw new CrdtMessageError('a yjs frame has a string "doc" and a base64 "message"');
  assertDocumentId(doc);
  return { doc, message: fromBase64(message) };
}
