import {
  createHttpApp,
  HttpError, // @if projections
  idempotency, // @if idempotency
  pageQueryFrom, // @if projections
} from '@allframe/platform';
import { __Entity__Service } from './application/__entityFile__-service';
import {
  __Projection__Projector, // @each projections
  type Projector,
} from './application/projections';
import type { Dependencies } from './deps';

const SOURCE = '__service__';

// @if projections
async function found<T>(item: Promise<T | undefined>): Promise<T> {
  const value = await item;
  if (value === undefined) throw new HttpError(404, 'not found');
  return value;
}

// @end
/** The HTTP app: commands on __Entity__ streams, the state rebuilt from snapshot and events__projectionsNote__. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  const projectors: Projector[] = [
    new __Projection__Projector(deps.projections.__projection__), // @each projections
  ];
  const __entities__ = new __Entity__Service(deps.store, projectors, deps.events, { source: SOURCE, snapshotEvery: deps.snapshotEvery });
  app.post('/__entitiesPath__/:id/commands/:command', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    return c.json(await __entities__.execute(c.req.param('id'), c.req.param('command'), body));
  });
  app.get('/__entitiesPath__/:id', async (c) => c.json(await __entities__.get(c.req.param('id'))));
  // @each projections
  app.get('/projections/__projectionFile__', async (c) => c.json(await deps.projections.__projection__.page(pageQueryFrom(c.req.query(), []))));
  app.get('/projections/__projectionFile__/:id', async (c) => c.json(await found(deps.projections.__projection__.get(c.req.param('id')))));
  // @end
  return app;
}
