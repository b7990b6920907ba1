import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from '../helpers';

function render(file: string) {
  return new Map(renderText(readFileSync(join(__dirname, '..', '..', file), 'utf8')).map((f) => [f.path, f]));
}

describe('producer skeleton', () => {
  // GIVEN the producer fixture: telemetry-ingest publishes DeviceReadingRecorded and DeviceWentOffline
  const files = render('fixtures/archetypes/producer.yaml');
  const dir = 'services/telemetry-ingest';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('a managed event definition per published event, each checked against its zod schema in the events package', () => {
    expect(files.get(`${dir}/src/events.ts`)?.kind).toBe('managed');
    expect(content('src/events.ts')).toContain("import { DeviceReadingRecordedDataSchema, DeviceWentOfflineDataSchema } from '@iot-telemetry/events';");
    expect(content('src/events.ts')).toContain("export const DeviceReadingRecorded = defineEvent('DeviceReadingRecorded', DeviceReadingRecordedDataSchema, SOURCE);");
    expect(content('src/events.ts')).toContain("export const DeviceWentOffline = defineEvent('DeviceWentOffline', DeviceWentOfflineDataSchema, SOURCE);");
    // the schemas live in the events package, one owned file each; the service has no validators of its own
    expect(files.has(`${dir}/src/domain/events.ts`)).toBe(false);
    expect(files.get('packages/events/src/device-went-offline.ts')?.kind).toBe('owned');
    expect(files.get('packages/events/src/device-went-offline.ts')?.content).toContain('export const DeviceWentOfflineDataSchema = z.looseObject({});');
    expect(JSON.parse(content('package.json')) as unknown).toMatchObject({ dependencies: { '@iot-telemetry/events': '0.0.0' } });
  });

  test('a schema-first publish API: POST /events/<Type> per event, its body the event\'s schema, 202 with the id, its OpenAPI document', () => {
    const app = content('src/app.ts');
    expect(app).toContain("createRoute({ method: 'post', path: '/events/DeviceReadingRecorded', tags: ['Events'], summary: 'Publish a DeviceReadingRecorded', middleware: [bodyAsJson], request: { body: dataOf('DeviceReadingRecorded', events.DeviceReadingRecorded.schema) }, responses })");
    expect(app).toContain("async (c) => c.json(await publish(events.DeviceWentOffline.definition.create(c.req.valid('json'))), 202),");
    expect(app).toContain('const app = createApiApp({ service: SOURCE, version: API_VERSION, logger: deps.logger, docs: deps.apiDocs === true });');
    expect(app).toMatch(/^export const API_VERSION = '[^_']+';$/m);
    expect(content('src/events.ts')).toContain('DeviceWentOffline: { schema: DeviceWentOfflineDataSchema, definition: DeviceWentOffline },');
    expect(content('src/config.ts')).toContain('API_DOCS: { kind: \'bool\', default: "false"');
    expect(content('src/deps.ts')).toContain('apiDocs: config.API_DOCS,');
    expect(content('src/deps.ts')).toContain("import { EVENT_SCHEMAS } from '@iot-telemetry/events';");
    expect(content('src/deps.ts')).toContain('const messaging = createMessaging(config, { outbox: false, schemas: EVENT_SCHEMAS });');
    expect(content('src/deps.ts')).toContain('publisher: messaging.publisher');
    expect(JSON.parse(content('package.json')) as unknown).toMatchObject({ dependencies: { '@hono/zod-openapi': expect.any(String), zod: expect.any(String) } });
    // the committed openapi.json is kept equal to the routes by a managed test
    expect(files.get(`${dir}/test/openapi.test.ts`)?.kind).toBe('managed');
    expect(content('test/openapi.test.ts')).toContain("openApiDocument(buildApp(deps), { service: 'telemetry-ingest', version: API_VERSION })");
    // the managed test checks the wiring with schemas of its own, every event type's route
    expect(content('test/app.test.ts')).toContain("DeviceWentOffline: checked('DeviceWentOffline'),");
  });

  test('entries as a stateless service, and tests of valid and invalid events', () => {
    expect(content('src/entry/lambda.ts')).toContain('httpHandler(buildApp(');
    expect(content('src/entry/server.ts')).toContain('serve(buildApp(deps)');
    const test = content('test/publish.test.ts');
    expect(test).toContain("test('a valid DeviceReadingRecorded is published'");
    expect(test).toContain("test('an invalid DeviceWentOffline is a 422 naming the field, a body that is not JSON a 400, and nothing is published'");
    expect(test).toContain("expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/' }] });");
    expect(test).toContain("source: 'telemetry-ingest'");
  });
});
