import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const root = join(__dirname, '..', '..');
const REFERENCE = readFileSync(join(root, 'examples', 'shop', 'architecture.yaml'), 'utf8');

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

describe('the events package', () => {
  // GIVEN the reference architecture (on AWS, SNS)
  const files = render(REFERENCE);
  const content = (p: string) => files.get(p)?.content ?? '';

  test('is a workspace package with zod and the platform (no AsyncAPI parser: allframe\'s tests validate the document)', () => {
    expect(JSON.parse(content('packages/events/package.json')) as unknown).toMatchObject({
      name: '@shop-platform/events',
      main: 'src/index.ts',
      dependencies: { '@shop-platform/platform': '0.0.0', zod: '4.6.7' },
    });
    expect(JSON.parse(content('packages/events/package.json')) as object).not.toHaveProperty('devDependencies');
    expect(JSON.parse(content('package.json')) as unknown).toMatchObject({ scripts: { asyncapi: 'UPDATE_ASYNCAPI=1 jest --coverage=false packages/events/test/asyncapi' } });
    expect(JSON.parse(content('package.json')) as { devDependencies: object }).not.toHaveProperty('devDependencies.@asyncapi/parser');
    expect(files.get('packages/events/test/asyncapi.test.ts')?.kind).toBe('managed');
    expect(content('packages/events/test/asyncapi.test.ts')).toContain("const DOCUMENT = join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml');");
  });

  test('has one owned schema file per event, starting with the fields the generated publishers send', () => {
    const schema = (file: string) => files.get(`packages/events/src/${file}.ts`);
    expect(schema('user-created')?.kind).toBe('owned');
    expect(schema('user-created')?.content).toContain('export const UserCreatedDataSchema = z.looseObject({\n  id: z.string(),\n});');
    expect(schema('product-updated')?.content).toContain('  id: z.string(),\n  version: z.number(),\n');
    expect(schema('order-created')?.content).toContain('  sagaId: z.string(),\n');
    expect(schema('payment-succeeded')?.content).toContain('  provider: z.string(),\n  path: z.string(),\n');
    expect(schema('page-stats')?.content).toContain('  windowStart: z.string(),\n  windowEnd: z.string(),\n');
    expect(schema('page-viewed')?.content).toContain('export const PageViewedDataSchema = z.looseObject({});');
    expect(schema('order-created')?.content).toContain(' * Published by: order-service.\n * Consumed by: notification-service, realtime-gateway.\n');
  });

  test('lists every event with its publishers and consumers, and a channel per publishing service', () => {
    const index = content('packages/events/src/index.ts');
    expect(index).toContain("OrderCreated: { schema: OrderCreatedDataSchema, publishers: ['order-service'], consumers: [{ service: 'notification-service', from: ['order-service'] }, { service: 'realtime-gateway', from: ['order-service'] }] },");
    expect(index).toContain("PageViewed: { schema: PageViewedDataSchema, publishers: ['clickstream-producer'], consumers: [{ service: 'analytics-processor', from: ['clickstream-producer'] }] },");
    expect(index).toContain("ProductUpdated: { schema: ProductUpdatedDataSchema, publishers: ['catalog-service'], consumers: [{ service: 'product-cache', from: ['catalog-service'] }] },");
    const channel = "'order-service': { address: 'shop-platform-order-service-events', description: 'The topic of order-service: SNS on AWS, Pub/Sub on Google Cloud";
    expect(index).toContain(channel);
    expect(index).toContain('export const EVENT_SCHEMAS: EventSchemas = eventSchemas(EVENT_CATALOG);');
    const gcp = render(readFileSync(join(root, 'examples', 'shop-gcp', 'architecture.yaml'), 'utf8')).get('packages/events/src/index.ts')?.content ?? '';
    // the same catalog on both targets: docs/asyncapi.yaml does not change with the target
    expect(gcp).toContain(channel);
  });

  test('with EventBridge, one channel: the bus every publisher shares', () => {
    const index = render(REFERENCE.replace('event_bus: sns ', 'event_bus: eventbridge ')).get('packages/events/src/index.ts')?.content ?? '';
    expect(index).toMatch(/'events': \{ address: 'shop-platform-events', description: 'The EventBridge bus every service publishes to \(detail-type: the event type\)', publishers: \['user-service', 'catalog-service', /);
  });
});

describe('publishers and consumers check the contracts', () => {
  const files = render(REFERENCE);
  const content = (p: string) => files.get(p)?.content ?? '';

  test('every publishing archetype passes EVENT_SCHEMAS to its messaging', () => {
    for (const service of ['user-service', 'catalog-service', 'order-service', 'payment-gateway', 'legacy-erp-adapter', 'clickstream-producer', 'analytics-processor', 'notification-service', 'report-generator']) {
      const deps = content(`services/${service}/src/deps.ts`);
      expect({ service, imports: deps.includes("import { EVENT_SCHEMAS } from '@shop-platform/events';"), passes: /createMessaging\(config, \{[^}]*schemas: EVENT_SCHEMAS(, tenants: ISOLATION)? \}\)/.test(deps) }).toEqual({ service, imports: true, passes: true });
    }
  });

  test('every consuming archetype checks what it receives', () => {
    const dispatcher = content('services/notification-service/src/dispatcher.ts');
    expect(dispatcher).toContain('export function processOptions(deps: Dependencies, ttlSeconds: number, schemas: EventSchemas = EVENT_SCHEMAS): ProcessOptions {');
    expect(dispatcher).toContain('return { logger: deps.logger, store: deps.idempotency, ttlSeconds, schemas };');
    expect(content('services/notification-service/test/dispatcher.test.ts')).toContain("test('an event whose data do not match its contract fails before its handler runs'");
    expect(content('services/realtime-gateway/src/entry/events.ts')).toContain('sqsHandler(eventHandler(deps.gateway), { logger: deps.logger, schemas: EVENT_SCHEMAS });');
    expect(content('services/product-cache/src/entry/lambda.ts')).toContain('sqsHandler(invalidationHandler(deps), { logger: deps.logger, schemas: EVENT_SCHEMAS });');
    const records = content('services/analytics-processor/src/records.ts');
    expect(records).toContain('events.push(parseEnvelope(body, EVENT_SCHEMAS));');
    // over HTTP, each event is checked with acceptedEvent (a 422 naming the data's fields: platform contracts.test.ts)
    expect(content('services/analytics-processor/src/app.ts')).toContain('.map((event) => acceptedEvent(EVENT_SCHEMAS, event))');
  });

  test('every service depends on the events package, and its image copies it', () => {
    expect(JSON.parse(content('services/web-bff/package.json')) as unknown).toMatchObject({ dependencies: { '@shop-platform/events': '0.0.0' } });
    expect(content('services/inventory-service/Dockerfile')).toContain('COPY packages/events/package.json packages/events/\n');
    expect(content('services/inventory-service/Dockerfile')).toContain('COPY packages/events packages/events\n');
  });
});
