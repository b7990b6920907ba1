import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import { CrdtClient, crdtFrame } from '../src/crdt-client';
import { CrdtDocumentStore, CrdtMessageError, handleCrdtMessage, isEmptyUpdate, parseCrdtFrame, readClientMessage, type CrdtEntry } from '../src/crdt';
import { MemoryRepository } from '../src/repository';
import { describeCrdtStoreContract } from './crdt-contract';

/**
 * A gateway in memory, as the websocket-gateway runs it: every frame is handled on its own (the document loaded from
 * the store each time, as on Lambda), replies go to the sender, broadcasts to the document's other connections.
 * Frames are queued, not delivered at once, so that clients can edit concurrently before anyone hears of it.
 */
class Hub {
  readonly repository = new MemoryRepository<CrdtEntry>();
  readonly clients = new Map<string, CrdtClient>();
  private readonly online = new Set<string>();
  private queue: { from: string; frame: string }[] = [];
  private readonly outbox: { to: string; frame: string }[] = [];

  constructor(private readonly snapshotEvery = 50) {}

  /** A new store per message: nothing survives between messages but the repository (a stateless instance). */
  store(): CrdtDocumentStore {
    return new CrdtDocumentStore(this.repository, { snapshotEvery: this.snapshotEvery });
  }

  client(id: string, document = 'doc-1'): CrdtClient {
    const client = new CrdtClient(document, new Y.Doc(), (frame) => {
      if (this.online.has(id)) this.queue.push({ from: id, frame });
    });
    this.clients.set(id, client);
    return client;
  }

  connect(id: string): void {
    this.online.add(id);
    this.clients.get(id)!.connected();
  }

  disconnect(id: string): void {
    this.online.delete(id);
    this.clients.get(id)!.disconnected();
  }

  /** Handles queued frames and delivers the answers until nothing moves. */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      if (this.queue.length === 0 && this.outbox.length === 0) return;
      const frames = this.queue;
      this.queue = [];
      for (const { from, frame } of frames) {
        const parsed = parseCrdtFrame(frame)!;
        const outcome = await handleCrdtMessage(this.store(), parsed.doc, parsed.message);
        for (const reply of outcome.replies) this.outbox.push({ to: from, frame: crdtFrame(parsed.doc, reply) });
        if (outcome.broadcast !== undefined) {
          for (const [id, c] of this.clients) if (id !== from && c.document === parsed.doc) this.outbox.push({ to: id, frame: crdtFrame(parsed.doc, outcome.broadcast) });
        }
      }
      for (const { to, frame } of this.outbox.splice(0)) if (this.online.has(to)) this.clients.get(to)!.receive(frame);
    }
    throw new Error('the hub did not settle');
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}

const text = (c: CrdtClient): string => c.doc.getText('body').toJSON();

describe('CRDT documents (Yjs over the gateway, loaded per message)', () => {
  let hub: Hub;
  afterEach(() => hub.destroy());

  it('two clients editing the same document concurrently converge, and the store holds the same document', async () => {
    hub = new Hub();
    const a = hub.client('a');
    const b = hub.client('b');
    hub.connect('a');
    hub.connect('b');
    await hub.settle();
    expect(a.synced && b.synced).toBe(true);
    // both edit before either hears of the other's edit
    a.doc.getText('body').insert(0, 'Hello from A. ');
    b.doc.getText('body').insert(0, 'Hello from B. ');
    a.doc.getMap('meta').set('title', 'A');
    b.doc.getMap('meta').set('title', 'B');
    await hub.settle();
    expect(text(a)).toBe(text(b));
    expect(text(a)).toContain('Hello from A. ');
    expect(text(a)).toContain('Hello from B. ');
    expect(a.doc.getMap('meta').get('title')).toBe(b.doc.getMap('meta').get('title'));
    // a third client joining later gets the whole document from the store alone
    const c = hub.client('c');
    hub.connect('c');
    await hub.settle();
    expect(text(c)).toBe(text(a));
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await hub.store().snapshot('doc-1'));
    expect(stored.getText('body').toJSON()).toBe(text(a));
  });

  it('a client that edits offline and reconnects merges its edits both ways', async () => {
    hub = new Hub();
    const a = hub.client('a');
    const b = hub.client('b');
    hub.connect('a');
    hub.connect('b');
    a.doc.getText('body').insert(0, 'shared start.');
    await hub.settle();
    expect(text(b)).toBe('shared start.');

    hub.disconnect('b');
    b.doc.getText('body').insert(text(b).length, ' B offline.');
    b.doc.getText('body').delete(0, 7); // "shared " removed while offline
    a.doc.getText('body').insert(0, 'A online. ');
    await hub.settle();
    expect(text(a)).toBe('A online. shared start.');
    expect(text(b)).toBe('start. B offline.');

    hub.connect('b');
    await hub.settle();
    expect(text(a)).toBe(text(b));
    expect(text(a)).toBe('A online. start. B offline.');
  });

  it('passes presence (awareness) on to the document\'s others, never stores it, and keeps documents apart', async () => {
    hub = new Hub();
    const a = hub.client('a');
    const b = hub.client('b');
    const other = hub.client('x', 'doc-2');
    a.awareness.setLocalStateField('user', { name: 'Ada' });
    hub.connect('a');
    hub.connect('b');
    hub.connect('x');
    await hub.settle();
    expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada' } });
    expect(other.awareness.getStates().has(a.doc.clientID)).toBe(false);
    a.awareness.setLocalStateField('cursor', 3);
    await hub.settle();
    expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada' }, cursor: 3 });
    a.doc.getText('body').insert(0, 'only doc-1');
    await hub.settle();
    expect(text(other)).toBe('');
    expect((await hub.repository.list(1000)).every((e) => e.doc === 'doc-1')).toBe(true);
    b.disconnected();
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
  });

  it('compacts the log into a snapshot every snapshot_every updates, deleting what the snapshot holds', async () => {
    hub = new Hub(5);
    const a = hub.client('a');
    const b = hub.client('b');
    hub.connect('a');
    hub.connect('b');
    await hub.settle();
    for (let i = 0; i < 12; i++) {
      a.doc.getText('body').insert(text(a).length, `${i},`);
      await hub.settle();
    }
    const entries = await hub.repository.list(1000);
    const head = entries.find((e) => e.kind === 'head')!;
    expect(head.seq).toBe(10);
    expect(entries.filter((e) => e.kind === 'update').map((e) => e.seq).sort((x, y) => x - y)).toEqual([10, 11]);
    expect(text(b)).toBe('0,1,2,3,4,5,6,7,8,9,10,11,');
    const loaded = await hub.store().load('doc-1');
    expect(loaded).toMatchObject({ from: 10, next: 12, head: true });
    expect(loaded.doc.getText('body').toJSON()).toBe(text(a));
  });

  it('gives concurrent writers distinct sequence numbers, and of two compactions of the same head only one wins', async () => {
    const repository = new MemoryRepository<CrdtEntry>();
    const store = new CrdtDocumentStore(repository, { snapshotEvery: 1000 });
    const loaded = await store.load('doc-1');
    const edit = (s: string): Uint8Array => {
      const d = new Y.Doc();
      d.getText('t').insert(0, s);
      return Y.encodeStateAsUpdate(d);
    };
    const seqs = await Promise.all(['x', 'y', 'z'].map((s) => store.append('doc-1', edit(s), loaded)));
    expect([...seqs].sort()).toEqual([0, 1, 2]);
    const again = await store.load('doc-1');
    expect(again.next).toBe(3);
    expect(again.doc.getText('t').length).toBe(3);
    const [first, second] = await Promise.all([store.compact('doc-1', again, 3), store.compact('doc-1', again, 3)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect((await store.load('doc-1')).doc.getText('t').length).toBe(3);
  });

  it('stores only what the document lacks: a repeated update appends nothing and is passed on to no one', async () => {
    const store = new CrdtDocumentStore(new MemoryRepository<CrdtEntry>());
    const d = new Y.Doc();
    d.getText('t').insert(0, 'once');
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(d));
    const message = encoding.toUint8Array(encoder);
    const first = await handleCrdtMessage(store, 'doc-1', message);
    expect(first.appended).toBe(0);
    expect(first.broadcast).toBeDefined();
    const second = await handleCrdtMessage(store, 'doc-1', message);
    expect(second).toEqual({ replies: [] });
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(new Y.Doc()))).toBe(true);
  });

  it('refuses malformed messages, frames and document ids with a CrdtMessageError before touching the store', async () => {
    const repository = new MemoryRepository<CrdtEntry>();
    const get = jest.spyOn(repository, 'get');
    const store = new CrdtDocumentStore(repository);
    await expect(handleCrdtMessage(store, 'doc-1', new Uint8Array([7, 0]))).rejects.toThrow(/neither sync \(0\) nor awareness/);
    await expect(handleCrdtMessage(store, 'doc-1', new Uint8Array([0, 9, 1, 0]))).rejects.toThrow(/sync message type 9/);
    await expect(handleCrdtMessage(store, 'doc-1', new Uint8Array([0, 2, 5, 1]))).rejects.toThrow(CrdtMessageError);
    await expect(handleCrdtMessage(store, 'doc-1', new Uint8Array([]))).rejects.toThrow(CrdtMessageError);
    await expect(handleCrdtMessage(store, '../etc', new Uint8Array([0, 0, 0]))).rejects.toThrow(/document id/);
    expect(get).not.toHaveBeenCalled();
    expect(() => readClientMessage(new Uint8Array([1]))).toThrow(CrdtMessageError);
    expect(parseCrdtFrame('{"type":"ping"}')).toBeUndefined();
    expect(parseCrdtFrame('not json')).toBeUndefined();
    expect(() => parseCrdtFrame('{"type":"yjs","doc":1}')).toThrow(/string "doc"/);
    expect(() => parseCrdtFrame('{"type":"yjs","doc":"a/b","message":""}')).toThrow(/document id/);
    expect(parseCrdtFrame(crdtFrame('doc-1', new Uint8Array([1, 2, 3])))).toEqual({ doc: 'doc-1', message: new Uint8Array([1, 2, 3]) });
    expect(() => new CrdtDocumentStore(repository, { snapshotEvery: 0 })).toThrow(RangeError);
  });

  it('removes a document with its log', async () => {
    hub = new Hub(3);
    const a = hub.client('a');
    hub.connect('a');
    for (let i = 0; i < 5; i++) {
      a.doc.getText('body').insert(0, String(i));
      await hub.settle();
    }
    expect((await hub.repository.list(1000)).length).toBeGreaterThan(0);
    await hub.store().remove('doc-1');
    expect(await hub.repository.list(1000)).toEqual([]);
  });
});

describe('CRDT compaction under concurrent writers', () => {
  it('compacts from a fresh load when others appended between the load and the append', async () => {
    const repository = new MemoryRepository<CrdtEntry>();
    const store = new CrdtDocumentStore(repository, { snapshotEvery: 3 });
    const edit = (s: string): Uint8Array => {
      const d = new Y.Doc();
      d.getText('t').insert(0, s);
      return Y.encodeStateAsUpdate(d);
    };
    // three writers load the empty document at once; none of their entries lands where its load ended but the first
    const loaded = await store.load('doc-1');
    for (const s of ['a', 'b', 'c']) await store.append('doc-1', edit(s), loaded);
    const entries = await repository.list(100);
    expect(entries.find((e) => e.kind === 'head')).toMatchObject({ seq: 3 });
    expect(entries.filter((e) => e.kind === 'update')).toEqual([]);
    expect((await store.load('doc-1')).doc.getText('t').length).toBe(3);
  });
});

describeCrdtStoreContract('MemoryRepository', () => Promise.resolve(new MemoryRepository<CrdtEntry>()));
