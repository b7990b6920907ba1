import {
  createHttpApp,
  createUnitOfWork,
  pageQueryFrom,
  idempotency, // @if idempotency
} from '@allframe/platform';
import { __Entity__Service } from './application/__entityFile__-service'; // @each entities
import { __Entity__Filters } from './domain/__entityFile__'; // @each entities
import type { Dependencies } from './deps';

const SOURCE = '__service__';

/** The HTTP app: health and readiness, __summary__. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  // @if idempotency
  if (deps.idempotency) {
    app.use('*', idempotency({ store: deps.idempotency, header: '__idempotencyHeader__', ttlSeconds: /*=idempotencyTtl*/ 86400 }));
  }
  // @end
  // @each entities
  const __entity__Service = new __Entity__Service(deps.__entities__, createUnitOfWork(deps.__entities__, deps.events), SOURCE);
  app.post('/__entitiesPath__', async (c) => c.json(await __entity__Service.create(await c.req.json()), 201));
  app.get('/__entitiesPath__', async (c) => c.json(await __entity__Service.page(pageQueryFrom(c.req.query(), __Entity__Filters))));
  app.get('/__entitiesPath__/:id', async (c) => c.json(await __entity__Service.get(c.req.param('id'))));
  app.put('/__entitiesPath__/:id', async (c) => c.json(await __entity__Service.update(c.req.param('id'), await c.req.json())));
  app.delete('/__entitiesPath__/:id', async (c) => {
    await __entity__Service.remove(c.req.param('id'));
    return c.body(null, 204);
  });
  // @end
  return app;
}
