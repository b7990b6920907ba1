import type { Repository } from '../src/repository';
import { runWithTenant } from '../src/tenant';
import { TenantScopedRepository } from '../src/tenant-repository';

/** An item of the isolation contract. */
export interface TenantItem {
  id: string;
  name: string;
  revision?: number;
}

const A = 'tenant-a';
const B = 'tenant-b';

/**
 * The contract of row-level tenant isolation on an adapter, for jest: `fresh` gives an empty repository, shared by
 * both tenants (one table, one collection). Tenant B can neither read, list, page nor change tenant A's items,
 * whichever id, filter or cursor it names; without a tenant nothing is read or written.
 */
export function describeTenantIsolationContract(name: string, fresh: () => Promise<Repository<TenantItem & { tenant: string }>>): void {
  describe(`${name}: row-level tenant isolation`, () => {
    let inner: Repository<TenantItem & { tenant: string }>;
    let repo: TenantScopedRepository<TenantItem>;
    const asA = <R>(work: () => Promise<R>) => runWithTenant(A, work);
    const asB = <R>(work: () => Promise<R>) => runWithTenant(B, work);

    beforeEach(async () => {
      inner = await fresh();
      repo = new TenantScopedRepository<TenantItem>(inner);
      // GIVEN tenant A's items, and one of tenant B's with the same id as one of A's
      await asA(async () => {
        for (let i = 0; i < 5; i++) await repo.put({ id: `doc-${i}`, name: `a-${i}`, revision: 1 });
      });
      await asB(() => repo.put({ id: 'doc-0', name: 'b-0', revision: 1 }));
    });

    it('reads: B gets its own item under a shared id and nothing of A\'s, A gets its own', async () => {
      expect(await asB(() => repo.get('doc-0'))).toEqual({ id: 'doc-0', name: 'b-0', revision: 1 });
      expect(await asB(() => repo.get('doc-1'))).toBeUndefined();
      expect(await asA(() => repo.get('doc-0'))).toEqual({ id: 'doc-0', name: 'a-0', revision: 1 });
      // the stored keys and items carry the tenant (read in A's work: on PostgreSQL, row-level security shows a
      // statement its own tenant's rows only)
      expect(await asA(() => inner.get('tenant-a:doc-1'))).toMatchObject({ tenant: A, name: 'a-1' });
    });

    it('lists and pages: B sees its items only, whatever it filters on, and A\'s cursors do not walk A\'s items for B', async () => {
      expect(await asB(() => repo.list())).toEqual([{ id: 'doc-0', name: 'b-0', revision: 1 }]);
      expect((await asB(() => repo.page({ where: { name: 'a-1' } }))).items).toEqual([]);
      await expect(asB(() => repo.page({ where: { tenant: A } }))).rejects.toMatchObject({ status: 400 });
      // A walks its pages two at a time, by cursor: every item once, ids as A knows them
      const ids: string[] = [];
      let cursor: string | undefined;
      let first: string | undefined;
      do {
        const page = await asA(() => repo.page({ limit: 2, ...(cursor !== undefined ? { cursor } : {}) }));
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        first ??= cursor;
      } while (cursor !== undefined);
      expect([...ids].sort()).toEqual(['doc-0', 'doc-1', 'doc-2', 'doc-3', 'doc-4']);
      expect((await asA(() => repo.list(3))).length).toBe(3);
      // B handed A's cursor still sees only its own items
      const stolen = await asB(() => repo.page({ limit: 2, cursor: first! }));
      expect(stolen.items.every((i) => i.name.startsWith('b-'))).toBe(true);
    });

    it('writes: B\'s put, putIf and delete of A\'s ids change B\'s own items only', async () => {
      await asB(() => repo.put({ id: 'doc-1', name: 'b-1' }));
      expect(await asB(() => repo.putIf({ id: 'doc-2', name: 'b-2', revision: 2 }, 'revision', 1))).toBe(false);
      expect(await asB(() => repo.putIf({ id: 'doc-3', name: 'b-3', revision: 1 }, 'revision', undefined))).toBe(true);
      await asB(() => repo.delete('doc-4'));
      await asB(() => repo.delete('doc-0'));
      expect(await asA(() => repo.list())).toEqual(expect.arrayContaining([0, 1, 2, 3, 4].map((i) => ({ id: `doc-${i}`, name: `a-${i}`, revision: 1 }))));
      expect((await asB(() => repo.list())).map((i) => i.name).sort()).toEqual(['b-1', 'b-3']);
      // A's own compare-and-set still works
      expect(await asA(() => repo.putIf({ id: 'doc-2', name: 'a-2 v2', revision: 2 }, 'revision', 1))).toBe(true);
    });

    it('refuses work for no tenant', async () => {
      await expect(repo.get('doc-0')).rejects.toMatchObject({ status: 400 });
      expect(() => repo.put({ id: 'x', name: 'x' })).toThrow(/no tenant/);
    });
  });
}
