import * as Y from 'yjs';
import { CrdtDocumentStore, type CrdtEntry } from '../src/crdt';
import type { Repository } from '../src/repository';

/** An update inserting `text` at the start of the document's text `t`, from a client of its own. */
function edit(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/**
 * The contract the CRDT documents keep on every repository adapter, for jest: `fresh` gives an empty repository.
 * Instances that share nothing but the store (Lambdas, containers) append concurrently without losing or doubling an
 * update, compact the log into one snapshot, and load the same document.
 */
export function describeCrdtStoreContract(name: string, fresh: () => Promise<Repository<CrdtEntry>>): void {
  describe(`${name}: CRDT documents`, () => {
    it('concurrent writers from one load take distinct, gap-free log entries; every instance loads every update', async () => {
      // GIVEN three instances over one store, each having loaded the empty document
      const repository = await fresh();
      const instances = [0, 1, 2].map(() => new CrdtDocumentStore(repository, { snapshotEvery: 1000 }));
      const loads = await Promise.all(instances.map((s) => s.load('doc-1')));
      // WHEN each appends two updates at once
      const seqs = await Promise.all(instances.flatMap((s, i) => [s.append('doc-1', edit(`a${i}`), loads[i]!), s.append('doc-1', edit(`b${i}`), loads[i]!)]));
      // THEN the entries are 0..5, and any instance loads all six updates
      expect([...seqs].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
      const loaded = await new CrdtDocumentStore(repository).load('doc-1');
      expect(loaded).toMatchObject({ from: 0, next: 6, head: false });
      expect(loaded.doc.getText('t').length).toBe(12);
    });

    it('compacts the log into the snapshot, once, and loads the same document from the snapshot and the rest of the log', async () => {
      const repository = await fresh();
      const store = new CrdtDocumentStore(repository, { snapshotEvery: 4 });
      for (const word of ['one', 'two', 'three', 'four', 'five']) await store.append('doc-2', edit(word), await store.load('doc-2'));
      const loaded = await store.load('doc-2');
      expect(loaded).toMatchObject({ from: 4, next: 5, head: true });
      expect(loaded.doc.getText('t').length).toBe('onetwothreefourfive'.length);
      // a second compaction of the same head loses: the head stays where the first one put it
      const stale = { ...loaded, from: 0, head: false };
      expect(await store.compact('doc-2', stale, 5)).toBe(false);
      expect((await repository.get('doc:doc-2'))?.seq).toBe(4);
      await store.remove('doc-2');
      expect(await repository.get('doc:doc-2')).toBeUndefined();
      expect((await store.load('doc-2')).next).toBe(0);
    });
  });
}
