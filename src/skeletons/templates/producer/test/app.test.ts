import { MemoryPublisher, createLogger, defineEvent, testSecrets } from '@allframe/platform';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies, type Dependencies } from '../src/deps';
import { EVENTS, SOURCE } from '../src/events';
import { SECRET_NAMES } from '../src/secrets';

function setup() {
  const publisher = new MemoryPublisher();
  const deps: Dependencies = { secrets: testSecrets(SECRET_NAMES), logger: createLogger({ service: 'test', level: 'silent' }), publisher, close: () => Promise.resolve() };
  return { app: buildApp(deps, { Checked: defineEvent('Checked', (d: unknown): d is number => typeof d === 'number', SOURCE) }), publisher };
}

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('publish API wiring', () => {
  test('every published event has a definition', () => {
    expect(Object.keys(EVENTS)).toEqual([
      '__Event__', // @each events
    ]);
  });

  test('valid data is published with the service as source; invalid data is a 422', async () => {
    const { app, publisher } = setup();
    const res = await app.request('/events/Checked', post('42'));
    expect(res.status).toBe(202);
    expect(publisher.published).toEqual([expect.objectContaining({ type: 'Checked', source: SOURCE, data: 42 })]);
    expect((await app.request('/events/Checked', post('"x"'))).status).toBe(422);
    expect(publisher.published).toHaveLength(1);
  });

  test('a failing publisher is a 500', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' }), testSecrets(SECRET_NAMES));
    const failing = { ...deps, publisher: { publish: () => Promise.reject(new Error('down')) } };
    const app = buildApp(failing, { Checked: defineEvent('Checked', (d: unknown): d is unknown => d !== undefined, SOURCE) });
    expect((await app.request('/events/Checked', post('1'))).status).toBe(500);
    const broken = buildApp(failing, { Broken: { ...defineEvent('Broken', (d: unknown): d is unknown => d !== undefined), create: () => { throw new Error('bug'); } } });
    expect((await broken.request('/events/Broken', post('1'))).status).toBe(500);
    await deps.close();
  });
});
