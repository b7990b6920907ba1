import { MemoryRepository } from '../src/repository';
import { runWithTenant } from '../src/tenant';
import { adapterOf, TenantScopedRepository, tenantKey, tenantScoped } from '../src/tenant-repository';
import { createRepository } from '../src/wiring';
import { describeTenantIsolationContract, type TenantItem } from './tenant-isolation-contract';

describeTenantIsolationContract('MemoryRepository', () => Promise.resolve(new MemoryRepository<TenantItem & { tenant: string }>()));

describe('TenantScopedRepository', () => {
  it('keys an item by its tenant and id, and refuses to compare on the tenant field', async () => {
    expect(tenantKey('acme', 'o-1')).toBe('acme:o-1');
    const repo = new TenantScopedRepository<{ id: string; tenant?: string }>(new MemoryRepository());
    await expect(runWithTenant('acme', async () => repo.putIf({ id: 'x' }, 'tenant', undefined))).rejects.toMatchObject({ status: 400 });
  });

  it('wraps a repository only for a multi-tenant service; adapterOf finds the adapter under either', () => {
    const memory = new MemoryRepository<TenantItem>();
    expect(tenantScoped(memory, false)).toBe(memory);
    const scoped = tenantScoped(memory, true);
    expect(scoped).toBeInstanceOf(TenantScopedRepository);
    expect([adapterOf(scoped), adapterOf(memory)]).toEqual([memory, memory]);
    // createRepository scopes the adapter it makes for tenants' items only
    expect(createRepository<TenantItem>('memory', 'items', '', { tenants: 'row-level' })).toBeInstanceOf(TenantScopedRepository);
    // a schema per tenant is PostgreSQL's only (in memory, the tests' store, the tenant is in every key)
    expect(createRepository<TenantItem>('memory', 'items', '', { tenants: 'schema' })).toBeInstanceOf(TenantScopedRepository);
    expect(() => createRepository<TenantItem>('dynamodb', 'items', '', { tenants: 'schema' })).toThrow('a schema per tenant (tenant.isolation schema) needs STORE=postgres, got "dynamodb"');
    expect(createRepository<TenantItem>('memory', 'items')).toBeInstanceOf(MemoryRepository);
  });

  it('does not return an item stored around it under the tenant\'s key for another tenant', async () => {
    const inner = new MemoryRepository<TenantItem & { tenant: string }>();
    await inner.put({ id: 'acme:o-1', name: 'forged', tenant: 'other' });
    const repo = new TenantScopedRepository<TenantItem>(inner);
    expect(await runWithTenant('acme', () => repo.get('o-1'))).toBeUndefined();
  });
});
