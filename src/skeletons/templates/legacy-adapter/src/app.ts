import { createHttpApp } from '@allframe/platform';
import { __Entity__Sync } from './application/__entityFile__-sync';
import type { Dependencies } from './deps';

const SOURCE = '__service__';

/** The use cases of the __strategy__ sync with the legacy system. */
export function buildSync(deps: Dependencies): __Entity__Sync {
  return new __Entity__Sync(
    deps.upstream,
    deps.events,
    SOURCE,
    deps.cursors, // @if polling
  );
}

/** The HTTP app: health and readiness, POST /sync to poll now. */ // @if polling
/** The HTTP app: health and readiness, POST /webhook for the changes the legacy system pushes. */ // @if webhook
/** The HTTP app: health and readiness, GET /__entitiesPath__/:id fetched from the legacy system and translated. */ // @if onDemand
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  const sync = buildSync(deps);
  app.post('/sync', async (c) => c.json({ synced: await sync.poll() })); // @if polling
  // @if webhook
  app.post('/webhook', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    return c.json({ received: (await sync.receive(body)).length }, 202);
  });
  // @end
  app.get('/__entitiesPath__/:id', async (c) => c.json(await sync.get(c.req.param('id')))); // @if onDemand
  return app;
}
