import { MemoryPublisher, createLogger, testSecrets } from '@allframe/platform';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

function setup() {
  const publisher = new MemoryPublisher();
  const deps: Dependencies = { secrets: testSecrets(SECRET_NAMES), logger: createLogger({ service: 'test', level: 'silent' }), publisher, close: () => Promise.resolve() };
  return { app: buildApp(deps), publisher };
}

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('publish API', () => {
  // @each events
  test('a valid __Event__ is published', async () => {
    // GIVEN the service
    const { app, publisher } = setup();
    // WHEN a valid __Event__ is posted
    const res = await app.request('/events/__Event__', post(JSON.stringify({ sample: 1 })));
    // THEN it is published in an envelope
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(publisher.published).toEqual([expect.objectContaining({ id, type: '__Event__', source: '__service__', data: { sample: 1 } })]);
  });

  test('an invalid __Event__ is a 422 naming the field, a body that is not JSON a 400, and nothing is published', async () => {
    // GIVEN the service
    const { app, publisher } = setup();
    // WHEN data that is no object, then a body that is not JSON, are posted
    const invalid = await app.request('/events/__Event__', post('[1]'));
    // THEN the first is a problem naming the data's root, the second a 400, and neither is published
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ pointer: '#/' }] });
    expect((await app.request('/events/__Event__', post('{'))).status).toBe(400);
    expect(publisher.published).toEqual([]);
  });

  // @end
  test('an unknown event type is a 404', async () => {
    const { app } = setup();
    expect((await app.request('/events/NoSuchEvent', post('{}'))).status).toBe(404);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
