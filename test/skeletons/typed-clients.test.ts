/**
 * Typed clients (issue 12): a BFF gets a client of each aggregated service, a saga of each depended-on service, that
 * exports its routes, typed by that service's route definitions (its src/routes.ts, from which its OpenAPI document is
 * generated too). A change to the callee's schema
 * that breaks the caller fails the caller's type-check; one that does not, does not. The workspace is written as
 * workspace-typecheck.test.ts writes it (under allframe's node_modules, the services linked as npm workspaces link
 * them) and checked with the generated workspace's compiler options.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { renderText } from '../helpers';
import { writeWorkspaces } from './workspaces';

const root = join(__dirname, '..', '..');
const shop = join(root, 'examples', 'shop', 'architecture.yaml');

/** What a user's code in the BFF does with a typed client: reads a field of the callee's schema. */
const CALLER = `import type { Dependencies } from '../deps';

/** The name of a user, read from user-service. */
export async function userName(deps: Dependencies, id: string): Promise<string> {
  const user = await deps.clients.userService.getUser({ params: { id } });
  return user.name;
}

/** The version of a catalog stream (catalog-service is event-sourced) and the state of an order saga (order-service). */
export async function versions(deps: Dependencies, id: string): Promise<[number, string]> {
  const catalog = await deps.clients.catalogService.getCatalog({ params: { id } });
  const order = await deps.clients.orderService.getCreateOrderSaga({ params: { id } });
  return [catalog.version, order.status];
}

/** Creates a user, with the fields user-service requires. */
export async function register(deps: Dependencies, name: string): Promise<string> {
  return (await deps.clients.userService.createUser({ body: { name } }, \`register:\${name}\`)).id;
}
`;

describe('typed clients of the aggregated services', () => {
  let dir: string;
  let files: string[];
  beforeAll(() => {
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(root, 'node_modules', '.cache', 'allframe-clients-'));
    files = writeWorkspaces(dir, [{ name: 'shop', file: shop }]);
    const caller = join(dir, 'shop', 'services', 'web-bff', 'src', 'application', 'users.ts');
    writeFileSync(caller, CALLER);
    files.push(caller);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let previous: ts.Program | undefined;

  /** The diagnostics of the workspace's type-check, `path:line message`, in the files under `under`. */
  function typecheck(under: string): string[] {
    const base = JSON.parse(renderText(readFileSync(shop, 'utf8')).find((f) => f.path === 'tsconfig.base.json')!.content) as { compilerOptions: Record<string, unknown> };
    const platform = join(root, 'src', 'skeletons', 'platform', 'src');
    const { options } = ts.convertCompilerOptionsFromJson({ ...base.compilerOptions, noEmit: true, paths: { '@*/platform': [join(platform, 'index.ts')], '@*/platform/graphql': [join(platform, 'graphql.ts')], '@*/platform/grpc': [join(platform, 'grpc.ts')], '@*/platform/scheduler': [join(platform, 'scheduler.ts')] } }, dir);
    // Each check reuses the previous program (the files it parsed), and checks only the files under `under`: the
    // diagnostics of the others are not asked for.
    const program = ts.createProgram(files, options, undefined, previous);
    previous = program;
    const checked = program.getSourceFiles().filter((f) => relative(dir, f.fileName).startsWith(under));
    return ts
      .sortAndDeduplicateDiagnostics(checked.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]))
      .filter((d) => d.file !== undefined && relative(dir, d.file.fileName).startsWith(under))
      .map((d) => `${relative(dir, d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }

  /** Rewrites user-service's owned domain file of User. */
  function editUser(edit: (text: string) => string): void {
    const path = join(dir, 'shop', 'services', 'user-service', 'src', 'domain', 'user.ts');
    writeFileSync(path, edit(readFileSync(path, 'utf8')));
  }

  test('the BFF calls user-service by route name, typed by its schemas; a compatible change to them still type-checks', () => {
    // GIVEN the shop: web-bff aggregates user-service (stateless), whose routes are src/routes.ts
    const clients = readFileSync(join(dir, 'shop', 'services', 'web-bff', 'src', 'clients.ts'), 'utf8');
    expect(clients).toContain("import { ROUTES as USER_SERVICE } from '@shop-platform/user-service/src/routes';");
    expect(clients).toContain("import { ROUTES as CATALOG_SERVICE } from '@shop-platform/catalog-service/src/routes';");
    // THEN the caller type-checks
    expect(typecheck('shop/services/web-bff')).toEqual([]);
    // WHEN user-service gains an optional field
    editUser((t) => t.replace("name: z.string().trim().min(1).max(200).openapi({ example: 'first' }),", "$&\n    nickname: z.string().optional(),"));
    // THEN the caller still type-checks
    expect(typecheck('shop/services/web-bff')).toEqual([]);
  });

  test('a breaking change to the callee schema fails the caller type-check, at the call', () => {
    // WHEN user-service renames name to fullName (and its input now requires fullName)
    editUser((t) => t.replace("name: z.string().trim().min(1).max(200)", 'fullName: z.string().trim().min(1).max(200)'));
    // THEN the caller fails where it reads name and where it sends a body without fullName, and so does the BFF's own
    // test of its typed client, which reads name too
    const errors = typecheck('shop/services/web-bff');
    expect(errors).toEqual([
      expect.stringMatching(/^shop\/services\/web-bff\/src\/application\/users\.ts:6 Property 'name' does not exist on type/),
      expect.stringMatching(/^shop\/services\/web-bff\/src\/application\/users\.ts:18 Object literal may only specify known properties, and 'name' does not exist in type '\{ fullName: string;/),
      expect.stringMatching(/^shop\/services\/web-bff\/test\/bff\.test\.ts:\d+ Property 'name' does not exist on type '\{ fullName: string;/),
    ]);
  });

  test('a saga gets typed clients of its depended-on services too: a breaking change to one fails the saga type-check', () => {
    // GIVEN the shop: order-service (a saga) depends on inventory-service (stateless) and payment-gateway (a gateway),
    // and its deps carry a typed client of each
    const clients = readFileSync(join(dir, 'shop', 'services', 'order-service', 'src', 'clients.ts'), 'utf8');
    expect(clients).toContain("import { ROUTES as INVENTORY_SERVICE } from '@shop-platform/inventory-service/src/routes';");
    expect(clients).toContain("import { ROUTES as PAYMENT_GATEWAY } from '@shop-platform/payment-gateway/src/routes';");
    expect(typecheck('shop/services/order-service')).toEqual([]);
    // WHEN inventory-service renames name to label
    const path = join(dir, 'shop', 'services', 'inventory-service', 'src', 'domain', 'inventory.ts');
    writeFileSync(path, readFileSync(path, 'utf8').replace("name: z.string().trim().min(1).max(200)", 'label: z.string().trim().min(1).max(200)'));
    // THEN the saga's test of its typed client, which reads name, fails to type-check
    expect(typecheck('shop/services/order-service')).toEqual([expect.stringMatching(/^shop\/services\/order-service\/test\/deps\.test\.ts:\d+ Property 'name' does not exist on type '\{ label: string;/)]);
  });

  test('a stateless service gets typed clients of its depended-on services: a gateway callee, its forwarding route by name', () => {
    // GIVEN the fulfilment fixture: warehouse-service (stateless) depends on shipping-gateway, and code of its own
    // forwarding a request through the typed client
    const fulfilment = writeWorkspaces(dir, [{ name: 'fulfilment', file: join(root, 'fixtures', 'archetypes', 'gateway.yaml') }]);
    const caller = join(dir, 'fulfilment', 'services', 'warehouse-service', 'src', 'application', 'shipments.ts');
    writeFileSync(
      caller,
      `import type { Dependencies } from '../deps';

/** Creates a DHL shipment through shipping-gateway: the provider's status. */
export async function ship(deps: Dependencies, orderId: string): Promise<number> {
  const answer = await deps.clients.shippingGateway.forwardDhl({ body: { path: '/v1/shipments', body: { orderId } } }, \`ship:\${orderId}\`);
  return answer.status;
}
`,
    );
    files.push(...fulfilment, caller);
    expect(typecheck('fulfilment/services/warehouse-service')).toEqual([]);
    // WHEN the gateway's request schema renames path to target
    const domain = join(dir, 'fulfilment', 'services', 'shipping-gateway', 'src', 'domain', 'provider-request.ts');
    writeFileSync(domain, readFileSync(domain, 'utf8').replace('    path: z', '    target: z').replace('path: input.path', 'path: input.target'));
    // THEN the caller fails where it sends path
    expect(typecheck('fulfilment/services/warehouse-service')).toEqual([expect.stringMatching(/^fulfilment\/services\/warehouse-service\/src\/application\/shipments\.ts:5 Object literal may only specify known properties, and 'path' does not exist in type/)]);
  });

  test('any other archetype gets them ready-wired: a consumer calls its depended-on service through defaultClients', () => {
    // GIVEN the order-notifications fixture: email-notifier (a consumer) depends on order-service (stateless), and code
    // of its own reading an order through defaultClients
    const notifications = writeWorkspaces(dir, [{ name: 'notifications', file: join(root, 'fixtures', 'archetypes', 'consumer.yaml') }]);
    const caller = join(dir, 'notifications', 'services', 'email-notifier', 'src', 'application', 'order-details.ts');
    writeFileSync(
      caller,
      `import type { Clients } from '../clients';

/** The name of an order, for the e-mail's subject. */
export async function orderName(clients: Clients, id: string): Promise<string> {
  return (await clients.orderService.getOrder({ params: { id } })).name;
}
`,
    );
    files.push(...notifications, caller);
    expect(readFileSync(join(dir, 'notifications', 'services', 'email-notifier', 'src', 'clients.ts'), 'utf8')).toContain('export function defaultClients(config: Config');
    expect(typecheck('notifications/services/email-notifier')).toEqual([]);
    // WHEN order-service renames name to title
    const domain = join(dir, 'notifications', 'services', 'order-service', 'src', 'domain', 'order.ts');
    writeFileSync(domain, readFileSync(domain, 'utf8').replace("name: z.string().trim().min(1).max(200)", 'title: z.string().trim().min(1).max(200)'));
    // THEN the consumer fails where it reads name
    expect(typecheck('notifications/services/email-notifier')).toEqual([expect.stringMatching(/^notifications\/services\/email-notifier\/src\/application\/order-details\.ts:5 Property 'name' does not exist on type/)]);
  });
});
