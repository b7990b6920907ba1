import { createHttpApp } from '@allframe/platform';
import { rateLimit } from './adapters/rate-limit';
import { BffService } from './application/bff-service';
import type { Dependencies } from './deps';

const NULL_BODY = new Set([204, 205, 304]);

/** The HTTP app: probes, then (rate limited) GET /overview and a GET proxy per aggregated service. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: '__service__', logger: deps.logger });
  const bff = new BffService(deps.downstreams);
  app.use('*', rateLimit(deps.limiter));
  app.get('/overview', async (c) => {
    const overview = await bff.overview();
    return c.json(overview, Object.keys(overview.results).length === 0 ? 502 : 200);
  });
  for (const name of Object.keys(deps.downstreams)) {
    app.get(`/${name}/*`, async (c) => {
      const url = new URL(c.req.url);
      const res = await bff.proxy(name, (url.pathname.slice(name.length + 1) || '/') + url.search);
      const headers = { 'content-type': res.contentType, 'x-cache': res.cached ? 'hit' : 'miss' };
      return new Response(NULL_BODY.has(res.status) ? null : res.body, { status: res.status, headers });
    });
  }
  return app;
}
