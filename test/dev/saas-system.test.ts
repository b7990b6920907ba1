/**
 * The saas template under `allframe dev`, aws flavour (moto): its services as processes over real HTTP, every one
 * multi-tenant (architecture.multi_tenant, row-level). Two tenants, acme and globex, use the system at once; no route
 * of any service lets one read, list or change what the other made, the admin BFF's answers (cached) stay each
 * tenant's, the items are stored under the tenant's keys in DynamoDB, and a tenant's onboarding event reaches the
 * lifecycle consumer through SNS and SQS. The platform's isolation contract runs the same on every repository adapter
 * (test/platform/repositories.test.ts); this shows it holds through the generated services as deployed.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describeWithReferee } from '../referees';
import { templateOnMoto } from './template-run';

type Item = { id: string; name: string };
type Page = { items: Item[] };

describeWithReferee('moto_server', 'allframe dev runs the saas template (aws flavour): two tenants kept apart', () => {
  const { service, dynamodb, handledEvents } = templateOnMoto('saas', { name: 'dev-saas', portBase: 6500 });

  /** A request to `name` for `tenant` (none: no tenant header). */
  const as = (tenant: string | undefined, name: string, path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${service(name).url}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(tenant !== undefined ? { 'X-Tenant-ID': tenant } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  test('a tenant onboarded by acme, and its users, are acme\'s alone: globex can neither read, list, change nor delete them', async () => {
    // GIVEN acme onboarded (its account) with a user
    const account = await as('acme', 'tenant-service', '/tenant-accounts', { method: 'POST', body: { name: 'Acme Inc' } });
    expect(account.status).toBe(201);
    const acme = (await account.json()) as Item;
    const created = await as('acme', 'user-service', '/users', { method: 'POST', body: { name: 'Ada of Acme' } });
    expect(created.status).toBe(201);
    const ada = (await created.json()) as Item;
    // WHEN globex reads, lists, updates and deletes them by their ids
    for (const [name, path, item] of [['tenant-service', '/tenant-accounts', acme], ['user-service', '/users', ada]] as const) {
      expect((await as('globex', name, `${path}/${item.id}`)).status).toBe(404);
      expect(((await (await as('globex', name, path)).json()) as Page).items).toEqual([]);
      expect((await as('globex', name, `${path}/${item.id}`, { method: 'PUT', body: { name: 'taken by globex' } })).status).toBe(404);
      expect((await as('globex', name, `${path}/${item.id}`, { method: 'DELETE' })).status).toBe(404);
      // THEN acme's item is as acme made it
      expect(await (await as('acme', name, `${path}/${item.id}`)).json()).toMatchObject({ id: item.id, name: item.name });
    }
    // AND in DynamoDB the items are under acme's keys
    const table = `${service('user-service').environment.TABLE_PREFIX}-user`;
    const stored = (await dynamodb().send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
    expect(stored.map((i) => i.pk?.S)).toEqual([`acme:${ada.id}`]);
  }, 60_000);

  test('the admin BFF answers each tenant from that tenant\'s data, its cache included', async () => {
    await as('globex', 'user-service', '/users', { method: 'POST', body: { name: 'Grace of Globex' } });
    const overview = async (tenant: string) => JSON.stringify(await (await as(tenant, 'admin-bff', '/overview')).json());
    const [acme, globex] = [await overview('acme'), await overview('globex')];
    expect(acme).toContain('Ada of Acme');
    expect(acme).not.toContain('Grace of Globex');
    expect(globex).toContain('Grace of Globex');
    expect(globex).not.toContain('Ada of Acme');
    // a path read first by acme, then by globex: globex's is no cache hit on acme's answer, acme's second read is
    const first = await as('acme', 'admin-bff', '/user-service/users?limit=7');
    const second = await as('globex', 'admin-bff', '/user-service/users?limit=7');
    const again = await as('acme', 'admin-bff', '/user-service/users?limit=7');
    expect([first, second, again].map((r) => r.headers.get('x-cache'))).toEqual(['miss', 'miss', 'hit']);
    expect(JSON.stringify(await first.json())).not.toContain('Grace');
    expect(JSON.stringify(await second.json())).not.toContain('Ada');
  }, 60_000);

  test('a request naming no tenant is a 400 at every service and reaches no route; the probes need none', async () => {
    for (const [name, path] of [['tenant-service', '/tenant-accounts'], ['user-service', '/users'], ['admin-bff', '/overview'], ['billing-gateway', '/stripe/requests']] as const) {
      const res = await as(undefined, name, path, name === 'billing-gateway' ? { method: 'POST', body: { path: '/v1/charges' } } : {});
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expect((await as(undefined, name, '/healthz')).status).toBe(200);
    }
  }, 30_000);

  test('acme\'s onboarding event reaches the lifecycle consumer, handled once', async () => {
    const handled = await handledEvents('lifecycle-service', 3, 'TenantAccountCreated and UserCreated handled by the lifecycle service');
    // acme's account and user, globex's user: each event once
    expect(handled).toHaveLength(3);
  }, 90_000);
});
