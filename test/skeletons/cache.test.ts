import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

const fixture = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'cache.yaml'), 'utf8');

function render(text: string) {
  const files = renderText(text);
  return new Map(files.filter((f) => f.path.startsWith('services/session-cache/')).map((f) => [f.path.slice('services/session-cache/'.length), f]));
}

describe('cache skeleton', () => {
  const files = render(fixture);
  const content = (path: string) => {
    const f = files.get(path);
    if (!f) throw new Error(`${path} not rendered`);
    return f.content;
  };

  test('a cache-aside client over the platform CacheStore: Redis/Valkey or in memory, TTL and key prefix', () => {
    const config = content('src/config.ts');
    expect(config).toContain('CACHE_TTL_SECONDS: { kind: \'int\', default: "1800"');
    expect(config).toContain('CACHE_KEY_PREFIX: { kind: \'string\', default: "session-cache:"');
    expect(content('src/cache-client.ts')).toContain('getOrLoad<T>(key: string, loader: () => Promise<T>): Promise<T>');
    expect(content('src/adapters/redis-store.ts')).toContain('new RedisCacheStore(lazy)');
    expect(content('src/deps.ts')).toContain("case 'redis':");
    expect(JSON.parse(content('package.json'))).toMatchObject({ dependencies: { '@redis/client': expect.any(String) as unknown } });
  });

  test('the configured strategy is documented; the others are thin wrappers', () => {
    const client = content('src/cache-client.ts');
    expect(client).toContain("export const STRATEGY = 'read-through';");
    for (const name of ['export function readThrough', 'export function writeThrough', 'export class WriteBehind']) expect(client).toContain(name);
    expect(content('README.md')).toContain('Strategy: read-through');
  });

  test('invalidation per event, with an owned key function, from SQS or POST /events', () => {
    expect(content('src/application/invalidation-keys.ts')).toContain("case 'UserLoggedOut': {");
    expect(content('src/application/invalidation-keys.ts')).toContain("idOf(event.data, 'id', 'userId')");
    expect(files.get('src/application/invalidation-keys.ts')?.kind).toBe('owned');
    expect(content('src/entry/lambda.ts')).toContain('sqsHandler(invalidationHandler(deps)');
    expect(content('src/app.ts')).toContain("createRoute({ method: 'post', path: '/events', tags: ['Invalidation'], middleware: [bodyAsJson], request: { body: { ...jsonContent(EventEnvelopeSchema, 'An invalidation event'), required: true } }, responses: { 200: jsonContent(InvalidationSchema, 'The keys deleted'), ...problemResponses(400, 422) } })");
    expect(content('test/openapi.test.ts')).toContain('openApiDocument(buildApp(deps)');
    expect(files.has('Dockerfile')).toBe(true);
    const tests = content('test/cache.test.ts');
    expect(tests).toContain("test('UserLoggedOut deletes user:<id>'");
    expect(tests).toContain("test('events it does not know are ignored'");
  });

  test('a container entry of its own taking the invalidation events from a durable JetStream consumer when NATS_URL is set', () => {
    expect(files.get('src/entry/server.ts')?.kind).toBe('managed');
    expect(content('src/entry/server.ts')).toContain('const jetStream = await startJetStreamInvalidation(config, deps);');
    expect(content('src/entry/jetstream.ts')).toContain("if (config.NATS_URL === '') return undefined;");
    expect(content('src/entry/jetstream.ts')).toContain('process: (messages, onFailure) => processBatch(messages, handler, { logger: deps.logger, schemas: EVENT_SCHEMAS, onFailure }),');
    const config = content('src/config.ts');
    expect(config).toContain('NATS_URL: { kind: \'string\', default: ""');
    expect(config).toContain('NATS_FILTER_SUBJECTS: { kind: \'list\', default: "identity.events.auth-service.UserLoggedOut"');
    expect(config).toContain('NATS_DLQ_SUBJECT: { kind: \'string\', default: "identity.dlq.session-cache"');
    expect(files.get('test/jetstream.test.ts')?.kind).toBe('managed');
    expect(content('test/jetstream.test.ts')).toContain("(natsUrl === '' ? describe.skip : describe)('the JetStream invalidation on a real NATS server (TEST_NATS_URL)'");
  });

  test('without invalidation events the key function ignores everything; memcached is documented', () => {
    const other = render(fixture.replace('backend: valkey', 'backend: memcached').replace(', invalidation: [UserLoggedOut]', ''));
    expect(other.get('src/application/invalidation-keys.ts')!.content).not.toContain('case ');
    expect(other.get('README.md')!.content).toContain('memcached: the platform has no memcached store');
  });
});
