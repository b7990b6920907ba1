import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'gateway.yaml'), 'utf8');

describe('gateway skeleton', () => {
  // GIVEN the fixture: shipping-gateway integrates dhl and ups behind retries (idempotent only) and a circuit breaker,
  // with idempotency, the secrets DHL_API_KEY and UPS_API_KEY, publishing ShipmentCreated
  const files = render(fixture);
  const dir = 'services/shipping-gateway';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('a client per provider, base URL from configuration, each with its own resilience policy and API key', () => {
    const config = content('src/config.ts');
    expect(config).toContain('DHL_BASE_URL: { kind: \'string\', default: "https://api.carrier.example.com"');
    expect(config).toContain('UPS_BASE_URL: { kind: \'string\', default: "https://api.carrier.example.com"');
    const deps = content('src/deps.ts');
    expect(deps).toContain("dhl: new ProviderClient('dhl', config.DHL_BASE_URL, secrets.DHL_API_KEY, createPolicy(POLICY), fetchFn)");
    expect(deps).toContain("ups: new ProviderClient('ups', config.UPS_BASE_URL, secrets.UPS_API_KEY, createPolicy(POLICY), fetchFn)");
    expect(deps).toContain('retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 10000, multiplier: 2 }');
    expect(deps).toContain('circuitBreaker: { failureThreshold: 3, halfOpenAfterMs: 60000 }');
    expect(deps).toContain('timeoutMs: 5000');
    expect(deps).toContain('retryIdempotentOnly: true');
  });

  test('secrets read at start-up with the shared loader, from env or aws-secrets', () => {
    expect(content('src/secrets.ts')).toContain("export const SECRET_NAMES = ['DHL_API_KEY', 'UPS_API_KEY'] as const;");
    expect(content('src/secrets.ts')).toContain('return loadSecrets(SECRET_NAMES, { source, env, prefix: config.SECRETS_PREFIX, client });');
    expect(content('src/config.ts')).toContain('SECRETS_SOURCE: { kind: \'string\', default: "env"');
    expect(content('src/config.ts')).not.toContain('DHL_API_KEY');
    expect(content('src/deps.ts')).toContain('export function createDependencies(config: Config, secrets: Secrets, fetchFn: Fetch = fetch): Dependencies {');
    expect(content('src/entry/server.ts')).toContain('createDependencies(config, await loadServiceSecrets(config))');
    expect(content('src/entry/lambda.ts')).toContain('const started = startOnce(async () => httpHandler(buildApp(createDependencies(config, await loadServiceSecrets(config)))));');
  });

  test('HTTP: POST /<provider>/requests with idempotency, events after calls; the routes exported for typed clients', () => {
    const app = content('src/app.ts');
    const routes = content('src/routes.ts');
    expect(routes).toContain("forwardDhl: createRoute({ method: 'post', path: '/dhl/requests', tags: ['dhl'], middleware: [bodyAsJson], request: { body: { ...jsonContent(ProviderRequestSchema, 'The request to forward to dhl'), required: true } }, responses: forwarded('dhl') }),");
    expect(routes).toContain("forwardUps: createRoute({ method: 'post', path: '/ups/requests'");
    expect(app).toContain('ROUTES.forwardDhl,');
    expect(app).toContain('ROUTES.forwardUps,');
    expect(app).toContain("c.json(await gateway.forward(deps.providers.ups, c.req.valid('json'), providerKey(c.req.header('Idempotency-Key'))), 200)");
    expect(content('src/domain/provider-request.ts')).toContain('export const ProviderRequestSchema = z');
    expect(content('src/config.ts')).toContain("API_DOCS: { kind: 'bool'");
    expect(content('test/gateway.test.ts')).toContain("[{ path: '/x', method: 'TRACE' }, '#/method']");
    expect(app).toContain("idempotency({ store: deps.idempotency, header: 'Idempotency-Key', ttlSeconds: 172800 })");
    expect(app).toContain("every((p) => p.breakerState() !== 'open')");
    expect(content('src/application/gateway-service.ts')).toContain("newEvent('ShipmentCreated'");
    expect(content('test/gateway.test.ts')).toContain('const fetchFn: Fetch = (url) =>');
  });

  test('without integrations.base_url the base URL is required configuration', () => {
    const other = render(fixture.replace(', base_url: https://api.carrier.example.com', ''));
    expect(other.get(`${dir}/src/config.ts`)?.content).toContain("DHL_BASE_URL: { kind: 'string', required: true");
    expect(other.get(`${dir}/test/deps.test.ts`)?.content).toContain("DHL_BASE_URL: 'https://dhl.test'");
  });
});
