import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER } from '../../src/model/output-file';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');
const reference = readFileSync(join(root, 'examples', 'shop', 'architecture.yaml'), 'utf8');

function render(text: string) {
  return renderText(text);
}

describe('renderRepository', () => {
  const files = render(reference);
  const byPath = new Map(files.map((f) => [f.path, f]));

  test('one workspace: root config, the platform package and one package per service', () => {
    for (const p of ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'eslint.config.mjs', 'jest.config.js', 'README.md', 'packages/platform/package.json']) {
      expect(byPath.has(p)).toBe(true);
    }
    const pkg = JSON.parse(byPath.get('package.json')!.content) as { workspaces: string[]; scripts: Record<string, string> };
    expect(pkg.workspaces).toEqual(['packages/*', 'services/*']);
    expect(pkg.scripts.test).toBe('npm run typecheck && npm run lint && npm run jest');
    const services = [...new Set(files.map((f) => /^services\/([^/]+)\//.exec(f.path)?.[1]).filter(Boolean))].sort();
    expect(services).toEqual(['analytics-processor', 'catalog-service', 'clickstream-producer', 'inventory-service', 'legacy-erp-adapter', 'notification-service', 'order-service', 'payment-gateway', 'product-cache', 'realtime-gateway', 'report-generator', 'user-service', 'web-bff']);
  });

  test('every service has its package, configuration checked at start-up, and Lambda and container entries', () => {
    for (const s of ['user-service', 'inventory-service', 'report-generator']) {
      expect(JSON.parse(byPath.get(`services/${s}/package.json`)!.content)).toMatchObject({ name: `@shop-platform/${s}`, private: true });
      expect(byPath.get(`services/${s}/src/config.ts`)!.content).toContain('readConfig(');
      expect(byPath.has(`services/${s}/src/entry/lambda.ts`)).toBe(true);
      expect(byPath.has(`services/${s}/src/entry/server.ts`)).toBe(true);
      expect(byPath.get(`services/${s}/Dockerfile`)!.content).toMatch(/USER node/);
      // settings.runtime nodejs24 (the reference's, and the default): built and run on Node 24, bundled for it
      expect(byPath.get(`services/${s}/Dockerfile`)!.content.match(/FROM node:\d+|--target=node\d+/g)).toEqual(['FROM node:24', '--target=node24', 'FROM node:24']);
    }
  });

  test('secrets are read at start-up (env or aws-secrets), never configuration nor values in files', () => {
    const content = (p: string) => byPath.get(`services/user-service/${p}`)!.content;
    const config = content('src/config.ts');
    expect(config).not.toContain('STRIPE_API_KEY');
    expect(config).toContain('SECRETS_SOURCE: { kind: \'string\', default: "env"');
    expect(config).toContain('SECRETS_PREFIX: { kind: \'string\', default: ""');
    expect(content('src/secrets.ts')).toContain("export const SECRET_NAMES = ['STRIPE_API_KEY'] as const;");
    expect(content('src/deps.ts')).toContain('export function createDependencies(config: Config, secrets: Secrets): Dependencies {');
    // THEN the container awaits them before serving, the Lambda entries on their first invocation
    expect(content('src/entry/server.ts')).toContain('  const deps = createDependencies(config, await loadServiceSecrets(config));\n  const relay');
    for (const entry of ['lambda', 'relay']) {
      expect(content(`src/entry/${entry}.ts`)).toContain('const started = startOnce(async () => ');
      expect(content(`src/entry/${entry}.ts`)).toMatch(/export const handler = async .*await started\(\)/);
    }
    expect(content('test/secrets.test.ts')).toContain("expect((error as SecretsError).missing).toEqual(['STRIPE_API_KEY']);");
    // AND a service without secrets reads none, the same way (the platform asks nothing for no names)
    expect(byPath.get('services/inventory-service/src/secrets.ts')!.content).toContain('export const SECRET_NAMES = [] as const;');
    expect(byPath.get('services/inventory-service/src/entry/lambda.ts')!.content).toContain('createDependencies(config, await loadServiceSecrets(config))');
    expect(byPath.get('services/inventory-service/test/secrets.test.ts')!.content).not.toContain('Secrets Manager');
  });

  test('managed files carry the marker; domain, application code and tests of the user are owned', () => {
    const kinds = (prefix: string) => files.filter((f) => f.path.startsWith(prefix)).map((f) => f.kind);
    expect(kinds('services/user-service/src/domain/')).toEqual(['owned', 'owned']);
    expect(kinds('services/user-service/src/application/')).toEqual(['owned', 'owned']);
    for (const f of files.filter((x) => x.kind === 'managed')) {
      const marked = f.path.endsWith('.json') ? (JSON.parse(f.content) as Record<string, unknown>)['//'] === MARKER : f.content.split('\n', 2).some((l) => l.includes(MARKER));
      expect({ path: f.path, marked }).toEqual({ path: f.path, marked: true });
    }
  });

  test('CRUD of the declared entities, with the declared events', () => {
    const app = byPath.get('services/user-service/src/app.ts')!.content;
    const routes = byPath.get('services/user-service/src/routes.ts')!.content;
    expect(routes).toContain("createUser: createRoute({ method: 'post', path: '/users'");
    expect(routes).toContain("getProfile: createRoute({ method: 'get', path: '/profiles/{id}'");
    expect(app).toContain("app.openapi(ROUTES.createUser, async (c) => c.json(await userService.create(c.req.valid('json')), 201));");
    expect(app).toContain('app.openapi(ROUTES.getProfile, async (c) =>');
    expect(app).toContain("header: 'Idempotency-Key', ttlSeconds: 86400");
    const service = byPath.get('services/user-service/src/application/user-service.ts')!.content;
    expect(service).toContain("newEvent('UserCreated'");
    expect(service).toContain("newEvent('UserUpdated'");
    expect(service).not.toContain("'UserDeleted'");
    // the change and its events are committed together (one transaction with the outbox pattern)
    expect(service).toContain("await this.unit.commit({\n      put: item,\n      events: [newEvent('UserCreated', this.source, item)],\n    });");
    expect(app).toContain('new UserService(deps.users, createUnitOfWork(deps.users, deps.events), SOURCE)');
  });

  test('rendering is deterministic', () => {
    expect(render(reference)).toEqual(files);
  });

  test('renaming a service changes only that service\'s files', () => {
    // GIVEN the reference with report-generator renamed
    const renamed = render(reference.replace('name: report-generator', 'name: nightly-reports'));
    const before = new Map(files.map((f) => [f.path, f.content]));
    const after = new Map(renamed.map((f) => [f.path, f.content]));
    // WHEN we list what differs
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
    // THEN only the two service folders
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((p) => !p.startsWith('services/report-generator/') && !p.startsWith('services/nightly-reports/'))).toEqual([]);
  });
});
