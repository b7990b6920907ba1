/**
 * Row-level tenant isolation (`tenant.isolation: row-level`) over any {@link Repository} adapter (memory, DynamoDB,
 * PostgreSQL, Firestore): every key carries the tenant (`<tenant>:<id>`, so on DynamoDB and Firestore the tenant is
 * in the partition key and the document id), every stored item carries a `tenant` field, and every read checks it.
 *
 * The tenant is the one the current work runs for ({@link requireTenant}: a request's header or claim, an event's
 * `tenant`), never an argument, so no route can name another tenant's items: a get or delete of another tenant's id
 * reaches a different key, a page filters on the tenant, and a cursor holds the id without the tenant (it is scoped
 * again when it comes back, so one tenant's cursor cannot walk another's items). Work that runs for no tenant is a
 * TenantError, never an unscoped read.
 */
import { HttpError } from './http';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from './page';
import type { Repository } from './repository';
import { requireTenant } from './tenant';
import { TENANT_FIELD } from './tenant-context';

export { TENANT_FIELD };

/** The key of `id` for `tenant`. Tenant ids hold no `:`, so the first `:` ends the tenant. */
export function tenantKey(tenant: string, id: string): string {
  return `${tenant}:${id}`;
}

type Stored<T> = T & { readonly tenant: string };

/** A repository whose items are the current tenant's only; see the module comment. */
export class TenantScopedRepository<T extends { id: string }> implements Repository<T> {
  /** @param inner the adapter, storing items with tenant-scoped ids and a `tenant` field */
  constructor(
    private readonly inner: Repository<Stored<T>>,
    private readonly tenantOf: () => string = requireTenant,
  ) {}

  async get(id: string): Promise<T | undefined> {
    const tenant = this.tenantOf();
    return this.unscope(tenant, await this.inner.get(tenantKey(tenant, id)));
  }

  /** Up to `limit` of the tenant's items (a page of them: the adapters' `list` cannot filter). */
  async list(limit = 100): Promise<T[]> {
    const tenant = this.tenantOf();
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.inner.page({ limit: Math.min(limit - out.length, 100), where: { [TENANT_FIELD]: tenant }, ...(cursor !== undefined ? { cursor } : {}) });
      for (const item of page.items) out.push(this.unscope(tenant, item)!);
      cursor = page.nextCursor;
    } while (cursor !== undefined && out.length < limit);
    return out;
  }

  async page(query: PageQuery = {}): Promise<Page<T>> {
    const tenant = this.tenantOf();
    if (query.where !== undefined && TENANT_FIELD in query.where) throw new HttpError(400, `cannot filter on "${TENANT_FIELD}"`);
    const page = await this.inner.page({
      ...query,
      where: { ...query.where, [TENANT_FIELD]: tenant },
      ...(query.cursor !== undefined ? { cursor: encodeCursor(tenantKey(tenant, decodeCursor(query.cursor))) } : {}),
    });
    const items = page.items.map((item) => this.unscope(tenant, item)!);
    return page.nextCursor === undefined ? { items } : { items, nextCursor: encodeCursor(unscopedId(tenant, decodeCursor(page.nextCursor))) };
  }

  put(item: T): Promise<void> {
    return this.inner.put(this.scope(this.tenantOf(), item));
  }

  putIf<K extends keyof T & string>(item: T, field: K, expected: T[K] | undefined): Promise<boolean> {
    if (field === TENANT_FIELD) throw new HttpError(400, `cannot compare on "${TENANT_FIELD}"`);
    return this.inner.putIf(this.scope(this.tenantOf(), item), field, expected as Stored<T>[keyof Stored<T> & string] | undefined);
  }

  delete(id: string): Promise<void> {
    return this.inner.delete(tenantKey(this.tenantOf(), id));
  }

  /** The adapter underneath (a unit of work commits through its transaction). */
  get adapter(): Repository<Stored<T>> {
    return this.inner;
  }

  /** `item` as stored for the current tenant: its id scoped, its tenant set. */
  scopeItem(item: T): Stored<T> {
    return this.scope(this.tenantOf(), item);
  }

  /** The stored key of the current tenant's `id`. */
  scopeKey(id: string): string {
    return tenantKey(this.tenantOf(), id);
  }

  private scope(tenant: string, item: T): Stored<T> {
    return { ...item, id: tenantKey(tenant, item.id), [TENANT_FIELD]: tenant };
  }

  /** The item as its tenant knows it; undefined when there is none or it is not the tenant's (a stored item can only be if written around this class). */
  private unscope(tenant: string, item: Stored<T> | undefined): T | undefined {
    if (item === undefined || item.tenant !== tenant) return undefined;
    const rest: Record<string, unknown> = { ...item, id: unscopedId(tenant, item.id) };
    delete rest[TENANT_FIELD];
    return rest as T;
  }
}

function unscopedId(tenant: string, key: string): string {
  const prefix = `${tenant}:`;
  if (!key.startsWith(prefix)) throw new Error(`key ${JSON.stringify(key)} is not tenant ${tenant}'s`);
  return key.slice(prefix.length);
}

/**
 * `repository`, scoped to the current tenant when `multiTenant` (architecture.multi_tenant with row-level isolation),
 * else as it is: the generated services wire every repository through it.
 */
export function tenantScoped<T extends { id: string }>(repository: Repository<T>, multiTenant: boolean): Repository<T> {
  return multiTenant ? new TenantScopedRepository<T>(repository as unknown as Repository<Stored<T>>) : repository;
}

/** The adapter under a repository: the one a tenant-scoped repository wraps, else the repository itself. */
export function adapterOf<T extends { id: string }>(repository: Repository<T>): Repository<T> {
  if (!(repository instanceof TenantScopedRepository)) return repository;
  const adapter: unknown = (repository as TenantScopedRepository<T>).adapter;
  return adapter as Repository<T>;
}
