/**
 * producer: schema-checked events (a definition per published event, each with its zod schema from the events
 * package) and a publish API over HTTP, schema-first: POST /events/<Type> per event, its body the event's data
 * schema, answers 202 with the event id, 422 naming the fields when the payload does not match the schema, 400 when
 * it is not JSON; its OpenAPI document at /openapi.json (committed as openapi.json), docs at /docs when API_DOCS is on.
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { apiDocsVar, serviceConfig, serviceData, serviceHttpEntries, serviceOpenApiTest } from '../service-files';
import { templateFile } from '../template';

export function renderProducer(ctx: ServiceContext): OutputFile[] {
  const events = [...new Set(ctx.service.spec.publishes ?? [])];
  const data = serviceData(ctx, { lists: { events: events.map((Event) => ({ Event })) } });
  const file = (kind: 'managed' | 'owned', path: string) => templateFile(kind, ctx.dir, `producer/${path}`, data);
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod']),
    serviceConfig(ctx, { API_DOCS: apiDocsVar(ctx) }),
    ...serviceHttpEntries(ctx),
    dockerfile(ctx, 'server'),
    file('managed', 'src/deps.ts'),
    file('managed', 'src/events.ts'),
    file('managed', 'src/app.ts'),
    file('owned', 'test/publish.test.ts'),
    file('managed', 'test/app.test.ts'),
    serviceOpenApiTest(ctx),
  ];
}
