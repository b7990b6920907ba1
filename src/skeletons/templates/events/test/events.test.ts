import { EVENT_CATALOG, EVENT_SCHEMAS } from '../src/index';

describe('the event contracts', () => {
  test('every event has a schema, a publisher and a channel its publishers send to', () => {
    const channels = Object.values(EVENT_CATALOG.channels);
    for (const [type, event] of Object.entries(EVENT_CATALOG.events)) {
      expect(EVENT_SCHEMAS[type]).toBe(event.schema);
      expect(event.publishers.length).toBeGreaterThan(0);
      for (const p of event.publishers) expect(channels.some((c) => c.publishers.includes(p))).toBe(true);
    }
  });

  test('event data is a JSON object', () => {
    for (const schema of Object.values(EVENT_SCHEMAS)) expect(schema.safeParse([1]).success).toBe(false);
  });
});
