import { HttpError } from '../src/http';
import { InvalidObjectKeyError, readOnlyObjectStore, ReadOnlyObjectStoreError, type ObjectInfo, type ObjectStore } from '../src/object-store';

/** Every page of `store` under `prefix`, from the first, by their cursors. */
export async function walkObjectPages(store: ObjectStore, limit: number, prefix?: string): Promise<ObjectInfo[][]> {
  const pages: ObjectInfo[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit, ...(prefix !== undefined ? { prefix } : {}), ...(cursor !== undefined ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error('more than 100 pages: the cursor does not advance');
  } while (cursor !== undefined);
  return pages;
}

/** Keys in their expected list order (UTF-8 byte order: `z` < `é` < `～` < `😀`, unlike a JS string sort). */
const LISTED = [...Array.from({ length: 23 }, (_, i) => `logs/2024/${String(i).padStart(2, '0')}.txt`), 'logs/z', 'logs/é', 'logs/～', 'logs/😀'];
const OTHERS = ['log', 'logs', 'other/a.txt', 'zz/1'];

const BAD_KEYS: readonly [string, string][] = [
  ['empty', ''],
  ['absolute', '/etc/passwd'],
  ['a .. segment', 'a/../b'],
  ['only ..', '..'],
  ['a . segment', './a'],
  ['a control character', 'a\nb'],
  ['over 1024 bytes', 'é'.repeat(513)],
];

/**
 * The contract every ObjectStore keeps, for jest: `fresh` gives an empty bucket. Bytes and content types round-trip,
 * a missing key is undefined, lists come by prefix in key order with pages of at most `limit` and each key once,
 * delete is idempotent, keys are checked alike, and the read-only view refuses writes.
 */
export function describeObjectStoreContract(name: string, fresh: () => Promise<ObjectStore>): void {
  describe(`${name}: object store contract`, () => {
    let store: ObjectStore;
    beforeAll(async () => {
      store = await fresh();
      for (const key of [...LISTED, ...OTHERS].reverse()) await store.put(key, `body of ${key}`);
    });

    it('round-trips bytes and their content type', async () => {
      // GIVEN every byte value, under a key with a space and non-ASCII characters
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('files/ünïcode name.bin', bytes, { contentType: 'image/png' });
      // WHEN read back THEN the same bytes and type
      const got = await store.get('files/ünïcode name.bin');
      expect(got?.contentType).toBe('image/png');
      expect(Buffer.from(got!.body).equals(Buffer.from(bytes))).toBe(true);
    });

    it('types a string body as UTF-8 text and bytes as octet-stream unless told', async () => {
      await store.put('text/a', 'héllo');
      await store.put('text/b', Uint8Array.from([1, 2]));
      const a = await store.get('text/a');
      expect({ text: Buffer.from(a!.body).toString('utf8'), type: a!.contentType }).toEqual({ text: 'héllo', type: 'text/plain; charset=utf-8' });
      expect((await store.get('text/b'))?.contentType).toBe('application/octet-stream');
    });

    it('replaces an object on a second put', async () => {
      await store.put('replace/me', 'one', { contentType: 'text/plain' });
      await store.put('replace/me', '{"n":2}', { contentType: 'application/json' });
      const got = await store.get('replace/me');
      expect({ text: Buffer.from(got!.body).toString('utf8'), type: got!.contentType }).toEqual({ text: '{"n":2}', type: 'application/json' });
    });

    it('has nothing under a missing key', async () => {
      expect(await store.get('missing/key.json')).toBeUndefined();
      expect(await store.get('logs/2024')).toBeUndefined();
    });

    it.each([1, 4, 7, 27, 100])('lists a prefix in key order, pages of %i, every key once', async (limit) => {
      const pages = await walkObjectPages(store, limit, 'logs/');
      expect(pages.every((p) => p.length <= limit)).toBe(true);
      expect(pages.flat().map((o) => o.key)).toEqual(LISTED);
    });

    it('gives each listed object its size, 20 a page by default, and one empty page for an unused prefix', async () => {
      const first = await store.list({ prefix: 'logs/' });
      expect(first.items).toHaveLength(20);
      expect(first.items[0]).toEqual({ key: LISTED[0], size: Buffer.byteLength(`body of ${LISTED[0]!}`) });
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(await store.list({ prefix: 'nothing/' })).toEqual({ items: [] });
    });

    it('lists every key without a prefix', async () => {
      const keys = (await walkObjectPages(store, 100)).flat().map((o) => o.key);
      expect(keys).toEqual(expect.arrayContaining([...LISTED, ...OTHERS]));
      expect(keys.indexOf('log')).toBeLessThan(keys.indexOf('logs'));
    });

    it('deletes idempotently', async () => {
      // GIVEN an object
      await store.put('delete/me', 'x');
      // WHEN deleted twice, and a key that never existed too
      await store.delete('delete/me');
      await expect(store.delete('delete/me')).resolves.toBeUndefined();
      await expect(store.delete('delete/never')).resolves.toBeUndefined();
      // THEN it is gone, from get and list
      expect(await store.get('delete/me')).toBeUndefined();
      expect(await store.list({ prefix: 'delete/' })).toEqual({ items: [] });
    });

    it.each(BAD_KEYS)('refuses a key that is %s, on every operation', async (_why, key) => {
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    });

    it('refuses a limit out of range and a cursor it did not hand out, as 400s', async () => {
      await expect(store.list({ limit: 0 })).rejects.toMatchObject({ status: 400 });
      await expect(store.list({ limit: 101 })).rejects.toBeInstanceOf(HttpError);
      await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400 });
    });

    it('read-only: gets and lists, refuses put and delete', async () => {
      const reader = readOnlyObjectStore(store, 'archive-service');
      expect(Buffer.from((await reader.get('logs/z'))!.body).toString('utf8')).toBe('body of logs/z');
      expect((await reader.list({ prefix: 'logs/', limit: 2 })).items.map((o) => o.key)).toEqual(LISTED.slice(0, 2));
      await expect(reader.put('logs/z', 'overwritten')).rejects.toBeInstanceOf(ReadOnlyObjectStoreError);
      await expect(reader.delete('logs/z')).rejects.toThrow('the bucket of archive-service is read-only here');
      expect(Buffer.from((await store.get('logs/z'))!.body).toString('utf8')).toBe('body of logs/z');
    });
  });
}
