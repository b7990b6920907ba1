import type { Firestore } from '@google-cloud/firestore';
import {
  closeFirestores,
  commitWrites,
  createFirestore,
  firestoreErrorCode,
  firestoreId,
  firestoreOptionsFrom,
  MemoryFirestore,
  resolveFirestore,
  sharedFirestore,
  storedMillis,
  type FirestoreDb,
} from '../src/firestore';

// Compile-time check: the real client fits the port.
export const realFirestoreFits = (db: Firestore): FirestoreDb => db;

const settings: unknown[] = [];
const terminate = jest.fn(() => Promise.resolve());
let failNext = false;
jest.mock('@google-cloud/firestore', () => ({
  Firestore: class {
    terminate = terminate;
    constructor(s: unknown) {
      if (failNext) {
        failNext = false;
        throw new Error('no credentials');
      }
      settings.push(s);
    }
  },
}));

describe('MemoryFirestore', () => {
  it('sets, gets and deletes documents and subcollection documents, as copies', async () => {
    // GIVEN a document and one in a subcollection
    const db = new MemoryFirestore();
    const fields = { n: 1, tags: ['a'] };
    await db.collection('c').doc('a').set(fields);
    await db.collection('c').doc('a').collection('sub').doc('x').set({ m: 2 });
    fields.tags.push('mutated');
    // THEN each reads back as written, and the subcollection is not part of the collection
    const read = await db.collection('c').doc('a').get();
    expect([read.exists, read.data()]).toEqual([true, { n: 1, tags: ['a'] }]);
    expect((await db.collection('c').doc('a').collection('sub').doc('x').get()).data()).toEqual({ m: 2 });
    expect((await db.collection('c').get()).docs).toHaveLength(1);
    // AND a deleted or missing document does not exist
    await db.collection('c').doc('a').delete();
    const gone = await db.collection('c').doc('a').get();
    expect([gone.exists, gone.data()]).toEqual([false, undefined]);
  });

  it('filters on one field by type, orders leaving out documents without the field, and limits', async () => {
    // GIVEN documents with numbers, strings, a null and a missing field
    const db = new MemoryFirestore();
    const c = db.collection('c');
    await Promise.all([
      c.doc('d').set({ v: 3, s: 'b' }),
      c.doc('a').set({ v: 1, s: 'c' }),
      c.doc('c').set({ v: 2, s: null }),
      c.doc('b').set({ v: 'x', s: 7 }),
    ]);
    const ids = async (q: ReturnType<typeof c.limit>) => (await q.get()).docs.map((d) => d.data()?.v);
    // THEN
    expect(await ids(c.where('v', '==', 2))).toEqual([2]);
    expect(await ids(c.where('v', '<', 3))).toEqual([1, 2]);
    expect(await ids(c.where('v', '<=', 2).orderBy('v'))).toEqual([1, 2]);
    expect(await ids(c.where('v', '>=', 2).orderBy('v'))).toEqual([2, 3]);
    expect(await ids(c.where('s', '>', '').orderBy('s'))).toEqual([3, 1]);
    expect(await ids(c.orderBy('s'))).toEqual([2, 'x', 3, 1]);
    expect(await ids(c.limit(2))).toEqual([1, 'x']);
    expect(await ids(c.orderBy('v').limit(1))).toEqual([1]);
  });

  it('commits a batch atomically, merging or replacing', async () => {
    // GIVEN a document
    const db = new MemoryFirestore();
    await db.collection('c').doc('a').set({ keep: 1, change: 1 });
    // WHEN a batch merges into it, replaces another and deletes a third
    const batch = db.batch();
    batch.set(db.collection('c').doc('a'), { change: 2 }, { merge: true });
    batch.set(db.collection('c').doc('b'), { only: true });
    batch.delete(db.collection('c').doc('z'));
    expect(db.docs.size).toBe(1);
    await batch.commit();
    // THEN
    expect(Object.fromEntries(db.docs)).toEqual({ 'c/a': { keep: 1, change: 2 }, 'c/b': { only: true } });
  });

  it('runs a transaction again when a document it read changed, and gives up after 5 attempts', async () => {
    // GIVEN a counter written by someone else during the first attempt
    const db = new MemoryFirestore();
    const counter = db.collection('c').doc('n');
    await counter.set({ n: 0 });
    let attempts = 0;
    // WHEN a transaction increments it
    const result = await db.runTransaction(async (tx) => {
      const n = Number((await tx.get(counter)).data()?.n);
      if (++attempts === 1) await counter.set({ n: 10 });
      tx.set(counter, { n: n + 1 });
      return n + 1;
    });
    // THEN the second attempt saw the other write
    expect([attempts, result, (await counter.get()).data()]).toEqual([2, 11, { n: 11 }]);
    // AND endless contention aborts (gRPC status 10)
    const aborted = db.runTransaction(async (tx) => {
      await tx.get(counter);
      await counter.set({ n: 0 });
    });
    await expect(aborted).rejects.toMatchObject({ code: 10 });
  });

  it('fails a transaction creating an existing document (gRPC status 6), writing nothing', async () => {
    const db = new MemoryFirestore();
    await db.collection('c').doc('a').set({ v: 1 });
    const tx = db.runTransaction((t) => {
      t.create(db.collection('c').doc('b'), { v: 2 });
      t.create(db.collection('c').doc('a'), { v: 3 });
      return Promise.resolve();
    });
    await expect(tx).rejects.toMatchObject({ code: 6 });
    expect([...db.docs.keys()]).toEqual(['c/a']);
    await expect(db.terminate()).resolves.toBeUndefined();
  });

  it('refuses document and collection ids Firestore refuses, and documents of another client', () => {
    const db = new MemoryFirestore();
    for (const bad of ['', 'a/b', '.', '..', '__x__']) {
      expect(() => db.collection('c').doc(bad)).toThrow('invalid Firestore id');
      expect(() => db.collection(bad)).toThrow('invalid Firestore id');
      expect(() => db.collection('c').doc('d').collection(bad)).toThrow('invalid Firestore id');
    }
    const foreign = { id: 'x', get: jest.fn(), set: jest.fn(), delete: jest.fn(), collection: jest.fn() };
    expect(() => db.batch().delete(foreign)).toThrow('not a document of this MemoryFirestore');
  });
});

describe('Firestore helpers', () => {
  it('turns any non-empty key into a valid, readable, distinct document id', () => {
    expect(firestoreId('3f2a-11')).toBe('3f2a-11');
    expect(firestoreId('POST /orders k1')).toBe('POST%20%2Forders%20k1');
    expect(firestoreId('..')).toBe('%2E%2E');
    expect(firestoreId('__x__')).toBe('%5F%5Fx__');
    expect(firestoreId('a%2Fb')).not.toBe(firestoreId('a/b'));
    expect(() => firestoreId('')).toThrow('must not be empty');
  });

  it('reads stored times: dates, timestamps and numbers', () => {
    expect(storedMillis(new Date(5000))).toBe(5000);
    expect(storedMillis({ toMillis: () => 7000 })).toBe(7000);
    expect(storedMillis(9000)).toBe(9000);
    expect(storedMillis(null)).toBeNaN();
    expect(storedMillis('2026-01-01')).toBeNaN();
  });

  it('reads gRPC codes of errors', () => {
    expect(firestoreErrorCode(Object.assign(new Error('x'), { code: 6 }))).toBe(6);
    expect(firestoreErrorCode(new Error('x'))).toBeUndefined();
    expect(firestoreErrorCode(null)).toBeUndefined();
  });

  it('reads GOOGLE_CLOUD_PROJECT and FIRESTORE_DATABASE from the environment', () => {
    expect(firestoreOptionsFrom({})).toEqual({ databaseId: '(default)' });
    expect(firestoreOptionsFrom({ GOOGLE_CLOUD_PROJECT: 'p', FIRESTORE_DATABASE: 'orders' })).toEqual({ projectId: 'p', databaseId: 'orders' });
  });

  it('commits writes as one batch, refusing more than 500 and doing nothing for none', async () => {
    const db = new MemoryFirestore();
    await commitWrites(db, [{ collection: 'c', id: 'a', data: { v: 1 } }, { collection: 'c', id: 'b', data: { v: 2 } }]);
    await commitWrites(() => Promise.resolve(db), [{ collection: 'c', id: 'a' }]);
    await commitWrites(db, []);
    expect([...db.docs.keys()]).toEqual(['c/b']);
    const many = Array.from({ length: 501 }, (_, i) => ({ collection: 'c', id: `d${i}`, data: {} }));
    await expect(commitWrites(db, many)).rejects.toThrow('at most 500 writes');
  });
});

describe('the real client', () => {
  afterEach(() => closeFirestores());

  it('is loaded when first needed, with the given project and database, leaving undefined fields out', async () => {
    await createFirestore({ projectId: 'p', databaseId: 'd' });
    await createFirestore();
    expect(settings.slice(-2)).toEqual([{ projectId: 'p', databaseId: 'd', ignoreUndefinedProperties: true }, { ignoreUndefinedProperties: true }]);
  });

  it('is shared per project and database, and terminated on close', async () => {
    // GIVEN two sources for one database and one for another
    const count = settings.length;
    const a = sharedFirestore({ projectId: 'p', databaseId: 'x' });
    const b = sharedFirestore({ projectId: 'p', databaseId: 'x' });
    const other = sharedFirestore({ databaseId: 'y' });
    // WHEN each is resolved
    const [da, db, dother] = await Promise.all([resolveFirestore(a), resolveFirestore(b), resolveFirestore(other)]);
    // THEN two clients were made, and closing terminates both
    expect(da).toBe(db);
    expect(dother).not.toBe(da);
    expect(settings.length - count).toBe(2);
    terminate.mockClear();
    await closeFirestores();
    expect(terminate).toHaveBeenCalledTimes(2);
    // AND by default the environment decides
    expect(typeof sharedFirestore()).toBe('function');
  });

  it('is made again after a failed load', async () => {
    // GIVEN a client whose creation fails once
    failNext = true;
    const source = sharedFirestore({ databaseId: 'flaky' });
    // WHEN it is asked for twice
    await expect(source()).rejects.toThrow('no credentials');
    // THEN the second time a client is made
    await expect(source()).resolves.toBeDefined();
  });
});
