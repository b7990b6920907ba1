import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', `${name}.yaml`), 'utf8');

describe('legacy-adapter skeleton', () => {
  // GIVEN the fixture: mainframe-adapter polls a SOAP upstream every 300 s and publishes PolicyImported
  const files = render(fixture('legacy-adapter'));
  const dir = 'services/mainframe-adapter';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('an owned translation layer between the legacy and the domain model', () => {
    expect(files.get(`${dir}/src/application/translator.ts`)?.kind).toBe('owned');
    expect(content('src/application/translator.ts')).toContain('export function toDomain(record: LegacyRecord): Policy');
    expect(content('src/application/translator.ts')).toContain('export function toLegacy(policy: Policy): LegacyRecord');
  });

  test('a SOAP client building an envelope, chosen for acl.protocol soap', () => {
    expect(files.get(`${dir}/src/adapters/upstream.ts`)?.kind).toBe('managed');
    expect(content('src/adapters/upstream.ts')).toContain('export function soapEnvelope(');
    expect(content('src/deps.ts')).toContain("upstream: new SoapUpstream(config.UPSTREAM_URL, config.UPSTREAM_SOAP_NAMESPACE, 'Policy', fetchFn)");
    expect(content('src/config.ts')).toContain('UPSTREAM_URL: { kind: \'string\', default: "https://mainframe.internal.example.com/policies"');
  });

  test('polling: a poller in the container entry, a Lambda entry for a schedule, translated events published', () => {
    expect(content('src/config.ts')).toContain('POLLING_INTERVAL_SECONDS: { kind: \'int\', default: "300"');
    expect(content('src/entry/server.ts')).toContain('config.POLLING_INTERVAL_SECONDS * 1000');
    expect(content('src/entry/poll.ts')).toContain('export const handler = async (): Promise<{ synced: number }>');
    expect(content('src/application/policy-sync.ts')).toContain("newEvent('PolicyImported', this.source, item)");
    expect(content('src/app.ts')).toContain('return new PolicySync(\n    deps.upstream,\n    deps.events,\n    SOURCE,\n    deps.cursors,\n  );');
  });

  test('secrets the uniform way: the entries (the poller too) read them before the dependencies, the tests pass them', () => {
    expect(content('src/deps.ts')).toContain('export function createDependencies(config: Config, secrets: Secrets, fetchFn: Fetch = fetch): Dependencies {');
    expect(content('src/entry/server.ts')).toContain('const deps = createDependencies(config, await loadServiceSecrets(config));');
    expect(content('src/entry/poll.ts')).toContain('const started = startOnce(async () => buildSync(createDependencies(config, await loadServiceSecrets(config))));');
    expect(content('test/deps.test.ts')).toContain('createDependencies(loadConfig({}), testSecrets(SECRET_NAMES))');
    expect(content('test/policy-sync.test.ts')).toContain('secrets: testSecrets(SECRET_NAMES),');
  });

  test('anti-corruption-layer: a REST upstream and POST /webhook', () => {
    const acl = render(fixture('anti-corruption-layer'));
    const app = acl.get('services/crm-adapter/src/app.ts')?.content ?? '';
    expect(app).toContain("createRoute({ method: 'post', path: '/webhook', tags: ['Sync'], middleware: [bodyAsJson], request: { body: { ...jsonContent(Pushed, 'The changed records'), required: true } }");
    expect(acl.get('services/crm-adapter/test/contact-sync.test.ts')?.content).toContain("errors: [{ pointer: '#/1' }]");
    expect(acl.get('services/crm-adapter/src/deps.ts')?.content).toContain('upstream: new RestUpstream(config.UPSTREAM_URL, fetchFn)');
    expect(acl.get('services/crm-adapter/src/application/contact-sync.ts')?.content).toContain("newEvent('ContactSynced'");
  });

  test('on-demand: GET /<entities>/:id; other protocols: a port to implement that fails clearly', () => {
    const other = render(fixture('legacy-adapter').replace('protocol: soap, sync_strategy: polling, polling_interval_seconds: 300', 'protocol: jdbc, sync_strategy: on-demand'));
    expect(other.get(`${dir}/src/app.ts`)?.content).toContain("createRoute({ method: 'get', path: '/policies/{id}', tags: ['Policy'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(PolicySchema, 'The Policy, translated'), ...problemResponses(404, 422) } })");
    expect(other.get(`${dir}/src/domain/policy.ts`)?.content).toContain("export const PolicySchema = z");
    expect(other.get(`${dir}/src/application/custom-upstream.ts`)?.kind).toBe('owned');
    expect(other.get(`${dir}/src/application/custom-upstream.ts`)?.content).toContain('acl.protocol jdbc: allframe generates no client for it');
    expect(other.get(`${dir}/src/deps.ts`)?.content).toContain('upstream: new CustomUpstream()');
    expect(other.get(`${dir}/src/deps.ts`)?.content).toContain('secrets: Secrets, _fetchFn: Fetch = fetch): Dependencies {');
    expect(other.get(`${dir}/src/app.ts`)?.content).not.toContain('deps.cursors');
    expect(other.get(`${dir}/test/policy-sync.test.ts`)?.content).toContain("describe('the jdbc upstream'");
  });
});
