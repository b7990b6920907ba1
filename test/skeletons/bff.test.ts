import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'bff.yaml'), 'utf8');

function render(text: string) {
  const files = renderText(text);
  return new Map(files.filter((f) => f.path.startsWith('services/mobile-bff/')).map((f) => [f.path.slice('services/mobile-bff/'.length), f]));
}

describe('bff skeleton', () => {
  const files = render(fixture);
  const content = (path: string) => {
    const f = files.get(path);
    if (!f) throw new Error(`${path} not rendered`);
    return f.content;
  };

  test('one resilient client per aggregated service, its base URL from configuration', () => {
    // GIVEN the fixture aggregating account-service and order-history
    // THEN each has a URL variable defaulting to its in-cluster name, and a client behind createPolicy
    expect(content('src/config.ts')).toContain('ACCOUNT_SERVICE_URL: { kind: \'string\', default: "http://account-service:8080"');
    expect(content('src/config.ts')).toContain('ORDER_HISTORY_URL: { kind: \'string\', default: "http://order-history:8080"');
    const deps = content('src/deps.ts');
    expect(deps).toContain("'account-service': downstream('account-service', config.ACCOUNT_SERVICE_URL)");
    expect(deps).toContain('createPolicy({');
    expect(content('src/adapters/downstream.ts')).toContain('{ idempotent: true }');
  });

  test('response caching for bff.caching.ttl_seconds, 0 meaning none', () => {
    expect(content('src/config.ts')).toContain('CACHE_TTL_SECONDS: { kind: \'int\', default: "30"');
    expect(content('src/deps.ts')).toContain('config.CACHE_TTL_SECONDS > 0 ? new CachedDownstream(');
    expect(content('src/adapters/downstream.ts')).toContain('new TtlCache<DownstreamResponse>');
    expect(render(fixture.replace('ttl_seconds: 30', 'ttl_seconds: 0')).get('src/config.ts')!.content).toContain('CACHE_TTL_SECONDS: { kind: \'int\', default: "0"');
  });

  test('GET proxies per service, GET /overview, and the resolved rate limit as a token bucket', () => {
    const app = content('src/app.ts');
    expect(app).toContain("path: '/overview'");
    expect(app).toContain('app.get(`/${name}/*`');
    expect(app).toContain('app.use(\'*\', rateLimit(deps.limiter))');
    expect(content('src/config.ts')).toContain('RATE_LIMIT_RPS: { kind: \'int\', default: "200"');
    expect(content('src/config.ts')).toContain('RATE_LIMIT_BURST: { kind: \'int\', default: "50"');
    expect(content('src/application/bff-service.ts')).toContain("'account-service': '/accounts'");
    expect(content('src/application/bff-service.ts')).toContain('Promise.allSettled');
  });

  test('calls to the aggregated services are SigV4-signed with OUTBOUND_AUTH=aws-iam', () => {
    expect(content('src/config.ts')).toContain('OUTBOUND_AUTH: { kind: \'string\', default: "none"');
    expect(content('src/config.ts')).toContain('AWS_REGION: { kind: \'string\', default: ""');
    expect(content('src/deps.ts')).toContain('const fetchFn = options.fetch ?? outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION, { caller: config.SERVICE_NAME, callees: aggregateUrls(config) });');
    // AND with OUTBOUND_AUTH=ed25519 each call is signed for the aggregated service it goes to, by name
    expect(content('src/deps.ts')).toContain("  return {\n    'account-service': config.ACCOUNT_SERVICE_URL,\n    'order-history': config.ORDER_HISTORY_URL,\n  };");
    expect(content('test/bff.test.ts')).toContain("expect(signed).toMatchObject({ 'x-allframe-caller': 'mobile-bff', 'x-allframe-audience': 'account-service' });");
    expect(content('README.md')).toContain('With `OUTBOUND_AUTH=aws-iam` the calls are\n  signed with SigV4');
    const tests = content('test/bff.test.ts');
    expect(tests).toContain("test('with OUTBOUND_AUTH=aws-iam, the calls are signed (SigV4 for execute-api)'");
    expect(tests).toContain('async function withAwsEnv(fn: () => Promise<unknown>, env: Record<string, string> = {}): Promise<Record<string, string>[]> {');
  });

  test('resilience.retry.multiplier reaches the outbound policy (it was always 2)', () => {
    expect(content('src/deps.ts')).toContain('maxDelayMs: config.RETRY_MAX_INTERVAL_MS, multiplier: 2 }');
    expect(render(fixture.replace('services:\n', 'resilience: { retry: { multiplier: 3 } }\nservices:\n')).get('src/deps.ts')!.content).toContain('maxDelayMs: config.RETRY_MAX_INTERVAL_MS, multiplier: 3 }');
  });

  test('schemas first: /overview declared with its schema, the OpenAPI document committed and tested, docs behind API_DOCS', () => {
    const app = content('src/app.ts');
    expect(app).toContain("createRoute({ method: 'get', path: '/overview', tags: ['Overview'], responses: { 200: jsonContent(OverviewSchema, 'What each service answered')");
    expect(app).toContain('createApiApp({ service: \'mobile-bff\', version: API_VERSION, logger: deps.logger, docs: deps.apiDocs })');
    expect(content('src/config.ts')).toContain('API_DOCS: { kind: \'bool\', default: "false"');
    expect(files.get('test/openapi.test.ts')?.kind).toBe('managed');
    expect(content('test/bff.test.ts')).toContain("expect([doc.openapi, Object.keys(doc.paths)]).toEqual(['3.1.0', ['/overview']]);");
  });

  test('typed clients of the aggregated stateless services, from their route definitions, on the policy that retries no 4xx', () => {
    const clients = content('src/clients.ts');
    expect(files.get('src/clients.ts')?.kind).toBe('managed');
    expect(clients).toContain("import { ROUTES as ACCOUNT_SERVICE } from '@mobile-shop/account-service/src/routes';");
    expect(clients).toContain('readonly orderHistory: TypedClient<typeof ORDER_HISTORY>;');
    expect(clients).toContain("accountService: typedClient('account-service', config.ACCOUNT_SERVICE_URL, ACCOUNT_SERVICE, { policy: policy('account-service'), fetch: fetchFn, tenantHeader: undefined }),");
    expect(content('src/deps.ts')).toContain('clients: createClients(config, () => createPolicy({ ...policy, isRetryable: isRetryableCall }), fetchFn),');
    // the packages it imports from are its dependencies, and its image holds them
    expect((JSON.parse(content('package.json')) as { dependencies: Record<string, string> }).dependencies).toMatchObject({ '@mobile-shop/account-service': '0.0.0', '@mobile-shop/order-history': '0.0.0' });
    expect(content('Dockerfile')).toContain('COPY services/account-service/package.json services/account-service/\nCOPY services/order-history/package.json services/order-history/\nRUN npm ci');
    expect(content('Dockerfile')).toContain('COPY services/account-service services/account-service\nCOPY services/order-history services/order-history\nCOPY services/mobile-bff services/mobile-bff');
    expect(content('test/bff.test.ts')).toContain("const found = await deps.clients.accountService.getAccount({ params: { id: 'a1' } });");
    // a BFF aggregating no stateless service has none
    const other = render(fixture.replace('type: stateless\n    database: { type: dynamodb }\n\n  - name: order-history\n    type: stateless', 'type: stateless\n    database: { type: dynamodb }\n\n  - name: order-history\n    type: scheduled\n    schedule: { cron: "0 * * * *" }').replace('- name: account-service\n    type: stateless', '- name: account-service\n    type: scheduled\n    schedule: { cron: "0 * * * *" }'));
    expect(other.has('src/clients.ts')).toBe(false);
    expect(other.get('src/deps.ts')!.content).not.toContain('clients');
  });

  test('without graphql in protocols: no GraphQL server, schema or script', () => {
    expect(content('src/app.ts')).not.toContain('graphql');
    expect(content('README.md')).not.toContain('graphql');
    expect(files.has('test/graphql.test.ts')).toBe(false);
    expect(content('test/bff.test.ts')).not.toContain('/graphql');
  });

  test('with graphql in protocols: the overview over GraphQL at /graphql, on the same use case, its schema committed and tested', () => {
    const withGraphql = render(fixture.replace('protocols: [rest]', 'protocols: [rest, graphql]'));
    const app = withGraphql.get('src/app.ts')!.content;
    expect(app).toContain("import { graphqlSchema, GraphqlTypes, mountGraphql, queryFields } from '@mobile-shop/platform/graphql';");
    expect(app).toContain("resolve: () => bff.overview() } });\n  mountGraphql(app, graphqlSchema(overview), { logger: deps.logger, graphiql: deps.apiDocs, limits: deps.graphqlLimits });");
    expect(withGraphql.get('README.md')!.content).toContain('`POST /graphql` serves the overview over GraphQL');
    expect(withGraphql.get('test/graphql.test.ts')?.kind).toBe('managed');
    expect(withGraphql.get('test/bff.test.ts')!.content).toContain("test('the overview over GraphQL: the same use case as GET /overview, rate limited alike'");
  });

  test('managed wiring, owned application code and tests, and both entries', () => {
    for (const p of ['src/app.ts', 'src/deps.ts', 'src/adapters/downstream.ts', 'src/adapters/rate-limit.ts', 'src/entry/server.ts', 'src/entry/lambda.ts', 'test/adapters.test.ts']) expect(files.get(p)?.kind).toBe('managed');
    for (const p of ['src/application/bff-service.ts', 'test/bff.test.ts']) expect(files.get(p)?.kind).toBe('owned');
    const tests = content('test/bff.test.ts');
    expect(tests).toContain("expect(hit.headers.get('x-cache')).toBe('hit')");
    expect(tests).toContain('advance(30_001)');
    expect(tests).toContain("expect(body.errors.map((e) => e.service)).toEqual(['account-service'])");
    expect(tests).toContain('expect(limited.status).toBe(429)');
    expect(tests).toContain("const AGGREGATES = [\n  'account-service',\n  'order-history',\n];");
    expect(tests).toContain('expect(Object.keys(deps.downstreams)).toEqual(AGGREGATES)');
  });

  test('secrets the uniform way: read by the entries before the dependencies, passed by the tests', () => {
    expect(content('src/deps.ts')).toContain('export function createDependencies(config: Config, secrets: Secrets, options: DependencyOptions = {}): Dependencies {');
    expect(content('src/entry/server.ts')).toContain('const deps = createDependencies(config, await loadServiceSecrets(config));');
    expect(content('test/bff.test.ts')).toContain('createDependencies(loadConfig({}), testSecrets(SECRET_NAMES))');
  });
});
