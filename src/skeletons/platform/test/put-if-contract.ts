import type { Repository } from '../src/repository';

/** An item of the compare-and-set contract: a revision to compare, a note telling the writers apart. */
export interface RevisedItem {
  id: string;
  revision: number;
  note?: string;
}

/**
 * The contract every adapter's `putIf` keeps, for jest: `fresh` gives an empty repository of RevisedItem. A create
 * happens only when the item is absent, a replace only at the expected value, and of writers racing at one value
 * exactly one writes.
 */
export function describePutIfContract(name: string, fresh: () => Promise<Repository<RevisedItem>>): void {
  describe(`${name}: putIf`, () => {
    it('creates only when there is no item, replaces only when the field holds the expected value', async () => {
      // GIVEN an empty repository
      const repo = await fresh();
      // WHEN an item is created, created again, and replaced at a stale and at the current revision
      const created = await repo.putIf({ id: 'a/1', revision: 1 }, 'revision', undefined);
      const again = await repo.putIf({ id: 'a/1', revision: 1, note: 'again' }, 'revision', undefined);
      const stale = await repo.putIf({ id: 'a/1', revision: 2, note: 'stale' }, 'revision', 0);
      const current = await repo.putIf({ id: 'a/1', revision: 2, note: 'current' }, 'revision', 1);
      // THEN only the first create and the current replace wrote
      expect([created, again, stale, current]).toEqual([true, false, false, true]);
      expect(await repo.get('a/1')).toEqual({ id: 'a/1', revision: 2, note: 'current' });
      // AND a replace of an absent item writes nothing
      expect(await repo.putIf({ id: 'none', revision: 2 }, 'revision', 1)).toBe(false);
      expect(await repo.get('none')).toBeUndefined();
    });

    it('of writers racing at one revision, exactly one writes', async () => {
      // GIVEN an item at revision 1
      const repo = await fresh();
      await repo.put({ id: 'r', revision: 1 });
      // WHEN four writers replace it at once, each expecting revision 1, and four create one item at once
      const replaced = await Promise.all([0, 1, 2, 3].map((i) => repo.putIf({ id: 'r', revision: 2, note: `w${i}` }, 'revision', 1)));
      const created = await Promise.all([0, 1, 2, 3].map((i) => repo.putIf({ id: 'c', revision: 1, note: `w${i}` }, 'revision', undefined)));
      // THEN one of each won, and the item is the winner's
      expect(replaced.filter(Boolean)).toHaveLength(1);
      expect(created.filter(Boolean)).toHaveLength(1);
      expect(await repo.get('r')).toEqual({ id: 'r', revision: 2, note: `w${replaced.indexOf(true)}` });
      expect(await repo.get('c')).toEqual({ id: 'c', revision: 1, note: `w${created.indexOf(true)}` });
    });
  });
}
