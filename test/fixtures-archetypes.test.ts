import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHETYPES, ARCHETYPE_KINDS, ARCHETYPE_NAMES, ArchetypeKind, ArchetypeName } from '../src/model/archetypes';
import { ResolvedArchitecture, ResolvedService, resolvedDocument } from '../src/resolve';
import { validateSource } from '../src/validate';

const DIR = join(__dirname, '..', 'fixtures', 'archetypes');

/** Per fixture: the service it is about and the archetype that service resolves to. */
const FIXTURES: Record<ArchetypeName, { service: string; kind: ArchetypeKind }> = {
  stateless: { service: 'customer-api', kind: 'stateless' },
  'event-sourced': { service: 'ledger-service', kind: 'event-sourced' },
  'saga-orchestrator': { service: 'booking-service', kind: 'saga-orchestrator' },
  gateway: { service: 'shipping-gateway', kind: 'gateway' },
  consumer: { service: 'email-notifier', kind: 'consumer' },
  producer: { service: 'telemetry-ingest', kind: 'producer' },
  bff: { service: 'mobile-bff', kind: 'bff' },
  'websocket-gateway': { service: 'live-updates', kind: 'websocket-gateway' },
  scheduled: { service: 'nightly-invoicing', kind: 'scheduled' },
  'legacy-adapter': { service: 'mainframe-adapter', kind: 'legacy-adapter' },
  'stream-processor': { service: 'fraud-scorer', kind: 'stream-processor' },
  cache: { service: 'session-cache', kind: 'cache' },
  'anti-corruption-layer': { service: 'crm-adapter', kind: 'legacy-adapter' },
};

function fixtureFile(name: string): string {
  return join(DIR, `${name}.yaml`);
}

function validateFixture(name: string): ResolvedArchitecture {
  const file = fixtureFile(name);
  const result = validateSource(file, readFileSync(file, 'utf8'), { env: {}, target: 'aws' });
  expect(result.diagnostics).toEqual([]);
  expect(result.ok).toBe(true);
  return result.model!;
}

function serviceOf(model: ResolvedArchitecture, name: string): ResolvedService {
  const s = model.services.find((x) => x.name === name);
  if (!s) throw new Error(`fixture has no service ${name}`);
  return s;
}

describe('fixtures/archetypes', () => {
  test('hold one fixture per archetype name (aliases included) and nothing else', () => {
    // GIVEN the fixture directory
    // WHEN its YAML files are listed
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();

    // THEN there is exactly one per archetype name, and the table below covers all of them
    expect(files).toEqual([...ARCHETYPE_NAMES].sort());
    expect(Object.keys(FIXTURES).sort()).toEqual([...ARCHETYPE_NAMES].sort());
    expect(new Set(Object.values(FIXTURES).map((f) => f.kind))).toEqual(new Set(ARCHETYPE_KINDS));
  });

  test.each(Object.entries(FIXTURES))('%s.yaml is valid for aws and its service resolves to its archetype', (name, { service, kind }) => {
    // GIVEN a minimal architecture around one archetype
    // WHEN it is validated for aws
    const model = validateFixture(name);

    // THEN it has no diagnostics at all, and the service resolves to the expected canonical kind
    const s = serviceOf(model, service);
    expect(s.kind).toBe(kind);
    expect(s.spec.type).toBe(name);
    // AND the resolved document names the canonical kind and carries the archetype's required blocks
    const doc = resolvedDocument(model);
    const written = (doc.services as Array<Record<string, unknown>>)[s.index]!;
    expect(written.type).toBe(kind);
    for (const block of ARCHETYPES[kind].requires) expect(written[block]).toBeDefined();
  });

  test('the alias anti-corruption-layer resolves like legacy-adapter', () => {
    // GIVEN the alias fixture
    // WHEN it is validated and printed as a resolved document
    const model = validateFixture('anti-corruption-layer');
    const doc = resolvedDocument(model);

    // THEN the document names the canonical archetype, and the acl defaults of legacy-adapter apply
    expect((doc.services as unknown[])[0]).toMatchObject({ name: 'crm-adapter', type: 'legacy-adapter', acl: { protocol: 'rest', sync_strategy: 'webhook' } });
  });

  describe('resolved defaults', () => {
    // fixture, service, what is read from the resolved service, expected value
    const cases: Array<[string, string, string, (s: ResolvedService) => unknown, unknown]> = [
      ['consumer', 'email-notifier', 'consumer.max_retries', (s) => s.spec.consumer?.max_retries, 5],
      ['consumer', 'email-notifier', 'consumer.visibility_timeout_seconds (absent: 6 × timeout)', (s) => s.spec.consumer?.visibility_timeout_seconds, undefined],
      ['consumer', 'email-notifier', 'consumer.dlq', (s) => s.spec.consumer?.dlq, true],
      ['consumer', 'email-notifier', 'consumes[1].filter (absent: refused until publishers set attributes, AF5010)', (s) => s.spec.consumes?.[1]?.filter, {}],
      ['consumer', 'email-notifier', 'compute', (s) => s.compute, 'lambda'],
      ['consumer', 'email-notifier', 'protocols', (s) => s.protocols, []],
      ['consumer', 'email-notifier', 'database', (s) => s.database, 'none'],
      ['stateless', 'customer-api', 'protocols', (s) => s.protocols, ['rest']],
      ['stateless', 'customer-api', 'compute', (s) => s.compute, 'lambda'],
      ['stateless', 'customer-api', 'min_instances', (s) => s.spec.min_instances, 0],
      ['stateless', 'customer-api', 'idempotency.key_header', (s) => s.spec.idempotency?.key_header, 'Idempotency-Key'],
      ['stateless', 'customer-api', 'resilience.retry (from the global defaults)', (s) => s.resilience.retry, { max_attempts: 3, initial_interval_ms: 100, max_interval_ms: 10000, multiplier: 2, idempotent_only: false }],
      ['gateway', 'shipping-gateway', 'database (idempotency needs state: settings.default_database)', (s) => s.database, 'dynamodb'],
      ['gateway', 'shipping-gateway', 'retry (service values over global defaults)', (s) => s.resilience.retry, { max_attempts: 4, initial_interval_ms: 100, max_interval_ms: 10000, multiplier: 2, idempotent_only: true }],
      ['saga-orchestrator', 'booking-service', 'database (saga state: settings.default_database)', (s) => s.database, 'dynamodb'],
      ['saga-orchestrator', 'booking-service', 'messaging.pattern', (s) => s.spec.messaging?.pattern, 'direct'],
      ['websocket-gateway', 'live-updates', 'protocols', (s) => s.protocols, ['websocket']],
      ['scheduled', 'nightly-invoicing', 'protocols', (s) => s.protocols, []],
      ['scheduled', 'nightly-invoicing', 'timeout_seconds', (s) => s.spec.timeout_seconds, 30],
      ['producer', 'telemetry-ingest', 'protocols', (s) => s.protocols, []],
      ['event-sourced', 'ledger-service', 'protocols (set in the file: rest and graphql)', (s) => s.protocols, ['rest', 'graphql']],
      ['bff', 'mobile-bff', 'public', (s) => s.spec.public, true],
      ['bff', 'account-service', 'public', (s) => s.spec.public, false],
      ['legacy-adapter', 'mainframe-adapter', 'protocols', (s) => s.protocols, ['rest']],
      ['anti-corruption-layer', 'crm-adapter', 'acl.polling_interval_seconds', (s) => s.spec.acl?.polling_interval_seconds, 60],
      ['stream-processor', 'fraud-scorer', 'protocols', (s) => s.protocols, []],
      ['cache', 'session-cache', 'database', (s) => s.database, 'none'],
      ['cache', 'session-cache', 'protocols', (s) => s.protocols, []],
      ['cache', 'session-cache', 'cache.backend', (s) => s.spec.cache?.backend, 'valkey'],
    ];

    test.each(cases)('%s / %s: %s', (fixture, name, _what, read, expected) => {
      // GIVEN a fixture that leaves the value to its default (or sets it, where noted)
      // WHEN it is validated and resolved for aws
      const s = serviceOf(validateFixture(fixture), name);

      // THEN the resolved service carries the expected value
      expect(read(s)).toEqual(expected);
    });

    test('a cache is printed without compute keys, a consumer with its resolved compute and protocols', () => {
      // GIVEN the cache and consumer fixtures
      // WHEN they are printed as resolved documents
      const cache = (resolvedDocument(validateFixture('cache')).services as Array<Record<string, unknown>>).find((s) => s.name === 'session-cache')!;
      const consumer = (resolvedDocument(validateFixture('consumer')).services as Array<Record<string, unknown>>).find((s) => s.name === 'email-notifier')!;

      // THEN the managed cache has no compute or protocols, the consumer has both, and neither has a database block
      expect(cache).not.toHaveProperty('compute');
      expect(cache).not.toHaveProperty('protocols');
      expect(cache).not.toHaveProperty('database');
      expect(consumer).toMatchObject({ compute: 'lambda', protocols: [] });
      expect(consumer).not.toHaveProperty('database');
    });
  });
});
