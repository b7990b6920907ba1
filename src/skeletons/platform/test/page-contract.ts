import type { Repository } from '../src/repository';

/** An item of the pagination contract: a name to filter on. */
export interface PagedItem {
  id: string;
  name: string;
  n: number;
}

/** 45 items, ids in no particular insertion order, every third one named "even". */
export function pagedItems(): PagedItem[] {
  return Array.from({ length: 45 }, (_, i) => ({ id: `item-${String((i * 17) % 45).padStart(2, '0')}`, name: i % 3 === 0 ? 'even' : 'odd', n: i }));
}

/** Every page of `repo` from the first, by their cursors, with `limit` and `where`. */
export async function walkPages(repo: Repository<PagedItem>, limit: number, where?: Record<string, string>): Promise<PagedItem[][]> {
  const pages: PagedItem[][] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.page({ limit, ...(cursor !== undefined ? { cursor } : {}), ...(where ? { where } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error('more than 100 pages: the cursor does not advance');
  } while (cursor !== undefined);
  return pages;
}

/**
 * The contract every adapter's `page` keeps, for jest: `fresh` gives an empty repository of PagedItem. Walking the
 * pages returns every item exactly once, pages hold at most `limit` items, and a filter returns exactly the matching
 * items, also across pages.
 */
export function describePageContract(name: string, fresh: () => Promise<Repository<PagedItem>>): void {
  describe(`${name}: pages`, () => {
    let repo: Repository<PagedItem>;
    const items = pagedItems();
    const ids = (xs: readonly PagedItem[]) => xs.map((x) => x.id).sort();

    beforeAll(async () => {
      repo = await fresh();
      for (const item of items) await repo.put(item);
    });

    it('an empty repository has one empty page', async () => {
      expect(await (await fresh()).page()).toEqual({ items: [] });
    });

    it.each([1, 7, 20, 45, 100])('walking pages of %i returns every item exactly once', async (limit) => {
      // WHEN every page is read by its cursor
      const pages = await walkPages(repo, limit);
      // THEN no page is over the limit, and together they hold each item once
      expect(pages.every((p) => p.length <= limit)).toBe(true);
      expect(ids(pages.flat())).toEqual(ids(items));
      expect(pages.flat()).toEqual(expect.arrayContaining(items));
    });

    it('the default page holds 20 items', async () => {
      const first = await repo.page();
      expect(first.items).toHaveLength(20);
      expect(first.nextCursor).toEqual(expect.any(String));
    });

    it.each([2, 6, 50])('a filter returns exactly the matching items, across pages of %i', async (limit) => {
      const pages = await walkPages(repo, limit, { name: 'even' });
      expect(pages.every((p) => p.length <= limit)).toBe(true);
      expect(ids(pages.flat())).toEqual(ids(items.filter((i) => i.name === 'even')));
      expect(ids((await walkPages(repo, limit, { name: 'none' })).flat())).toEqual([]);
    });

    it('a limit out of range, a cursor it did not hand out or a bad field is a 400', async () => {
      for (const query of [{ limit: 0 }, { limit: 101 }, { limit: 2.5 }, { cursor: 'nope' }, { where: { 'a b': 'x' } }]) {
        await expect(repo.page(query)).rejects.toMatchObject({ status: 400 });
      }
    });
  });
}
