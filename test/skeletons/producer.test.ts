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

  test('a managed event definition per published event, each with an owned validator', () => {
    expect(files.get(`${dir}/src/events.ts`)?.kind).toBe('managed');
    expect(content('src/events.ts')).toContain("export const DeviceReadingRecorded = defineEvent('DeviceReadingRecorded', isDeviceReadingRecorded, SOURCE);");
    expect(content('src/events.ts')).toContain("export const DeviceWentOffline = defineEvent('DeviceWentOffline', isDeviceWentOffline, SOURCE);");
    expect(files.get(`${dir}/src/domain/events.ts`)?.kind).toBe('owned');
    expect(content('src/domain/events.ts')).toContain('export function isDeviceWentOffline(data: unknown): data is DeviceWentOfflineData');
    expect(content('src/domain/events.ts')).toContain('schemas registered in glue');
    const gcp = render('fixtures/archetypes-gcp/producer.yaml').get(`${dir}/src/domain/events.ts`)?.content ?? '';
    expect(gcp).toContain('Tighten them as the payloads take shape.\n');
    expect(gcp).not.toContain('schemas registered');
  });

  test('a publish API: POST /events/<Type> answers 202 with the id, 400 on invalid data', () => {
    const app = content('src/app.ts');
    expect(app).toContain('app.post(`/events/${type}`');
    expect(app).toContain("return c.json({ id: event.id }, 202);");
    expect(app).toContain('throw new HttpError(400, err.message)');
    expect(content('src/deps.ts')).toContain('const messaging = createMessaging(config);');
    expect(content('src/deps.ts')).toContain('publisher: messaging.publisher');
  });

  test('entries as a stateless service, and tests of valid and invalid events', () => {
    expect(content('src/entry/lambda.ts')).toContain('httpHandler(buildApp(');
    expect(content('src/entry/server.ts')).toContain('serve(buildApp(deps)');
    const test = content('test/publish.test.ts');
    expect(test).toContain("test('a valid DeviceReadingRecorded is published'");
    expect(test).toContain("test('an invalid DeviceWentOffline is a 400 and nothing is published'");
    expect(test).toContain("source: 'telemetry-ingest'");
  });
});
