/**
 * producer: schema-checked events (a definition per published event, each with the user's validator) and a publish
 * API over HTTP: POST /events/<Type> answers 202 with the event id, or 400 when the payload is invalid.
 */
import type { OutputFile } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage } from '../context';
import { serviceConfig, serviceData, serviceHttpEntries } from '../service-files';
import { templateFile } from '../template';

export function renderProducer(ctx: ServiceContext): OutputFile[] {
  const events = [...new Set(ctx.service.spec.publishes ?? [])];
  const registry = ctx.model.file.settings?.events?.schema_registry;
  const data = serviceData(ctx, {
    names: { registry: registry ?? 'none' },
    flags: { registry: registry !== undefined && registry !== 'none' },
    lists: { events: events.map((Event) => ({ Event })) },
  });
  const file = (kind: 'managed' | 'owned', path: string) => templateFile(kind, ctx.dir, `producer/${path}`, data);
  return [
    servicePackage(ctx, ['hono']),
    serviceConfig(ctx),
    ...serviceHttpEntries(ctx),
    dockerfile(ctx, 'server'),
    file('managed', 'src/deps.ts'),
    // the validators: the user's from the first synth on
    file('owned', 'src/domain/events.ts'),
    file('managed', 'src/events.ts'),
    file('managed', 'src/app.ts'),
    file('owned', 'test/publish.test.ts'),
    file('managed', 'test/app.test.ts'),
  ];
}
