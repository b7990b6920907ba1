/**
 * The events package, `packages/events` (`@<architecture>/events`): the contract of every event of the architecture.
 * One owned file per event holds its zod data schema (the same schema source as the services' APIs), a managed index
 * lists every event with its publishers, consumers and channels, and a managed test keeps `docs/asyncapi.yaml` and
 * `packages/events/schemas/<Event>.json` equal to the schemas (written by the workspace, not synth, since they
 * follow the user's edits of the schemas).
 */
import type { ResolvedArchitecture, ResolvedService } from '../resolve/index';
import { consumedEvents, publishedEvents, publishersOf } from '../resolve/index';
import { OutputFile, managedJson } from '../model/output-file';
import { kebab } from './names';
import { platformPackageName } from './platform';
import { eventsPackageOf, templateFile, type TemplateData } from './template';
import { pick } from './versions';

const DIR = 'packages/events';

export function eventsPackageName(model: ResolvedArchitecture): string {
  return eventsPackageOf(platformPackageName(model));
}

/** The events of the architecture, sorted: every published one. */
export function architectureEvents(model: ResolvedArchitecture): string[] {
  return [...new Set(model.services.flatMap(publishedEvents))].sort();
}

/** zod fields, as source text, by field name. */
type Fields = Readonly<Record<string, string>>;

const ID: Fields = { id: 'z.string()' };

/** The fields the generated code of `s` already sends in the data of `event`: the schema's starting point. */
function sentFields(s: ResolvedService, event: string): Fields {
  switch (s.kind) {
    case 'stateless':
      return /(Created|Updated|Deleted)$/.test(event) ? ID : {};
    case 'legacy-adapter':
      return s.spec.publishes?.[0] === event ? ID : {};
    case 'event-sourced':
      return { ...ID, version: 'z.number()' };
    case 'saga-orchestrator':
      return { sagaId: 'z.string()' };
    case 'gateway':
      return { provider: 'z.string()', path: 'z.string()' };
    case 'scheduled':
      return { runAt: 'z.string()' };
    case 'stream-processor':
      return { windowStart: 'z.string()', windowEnd: 'z.string()' };
    default:
      return {};
  }
}

/** The fields every publisher of `event` sends alike. */
function startFields(model: ResolvedArchitecture, event: string): Fields {
  const all = model.services.filter((s) => publishedEvents(s).includes(event)).map((s) => sentFields(s, event));
  const [first = {}, ...rest] = all;
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((f) => f[k] === v)));
}

const list = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(', ')}]`;
const text = (value: string): string => value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, ' ');

/**
 * Channels as the target wires them, under target-neutral ids: one per publishing service (its SNS or Pub/Sub
 * topic, `<architecture>-<service>-events`, described alike on both), or the one EventBridge bus every publisher
 * shares on AWS with event_bus eventbridge.
 */
function channels(model: ResolvedArchitecture): { id: string; address: string; description: string; publishers: string[] }[] {
  const arch = model.file.architecture.name;
  const publishers = model.services.filter((s) => publishedEvents(s).length > 0).map((s) => s.name);
  if (model.target === 'aws' && model.eventBus === 'eventbridge') {
    return publishers.length === 0 ? [] : [{ id: 'events', address: `${arch}-events`, description: 'The EventBridge bus every service publishes to (detail-type: the event type)', publishers }];
  }
  // the same on every target that gives each publisher a topic, so the document does not change with the target
  const description = (p: string) => `The topic of ${p}: SNS on AWS, Pub/Sub on Google Cloud (in an environment, the environment name follows the architecture name)`;
  return publishers.map((p) => ({ id: p, address: `${arch}-${p}-events`, description: description(p), publishers: [p] }));
}

export function eventsFiles(model: ResolvedArchitecture): OutputFile[] {
  const events = architectureEvents(model);
  const consumers = (event: string) =>
    model.services.flatMap((s) => consumedEvents(model, s).filter((c) => c.event === event && c.from.length > 0).map((c) => ({ service: s.name, from: c.from })));
  const names = (event: string) => {
    const c = consumers(event).map((x) => x.service);
    return { Event: event, eventFile: kebab(event), publishers: publishersOf(model, event).join(', '), consumers: c.length > 0 ? [...new Set(c)].join(', ') : 'no service yet' };
  };
  const arch = model.file.architecture;
  const chans = channels(model);
  const base: TemplateData = {
    names: {
      platform: platformPackageName(model),
      architecture: arch.name,
      version: model.platform.version,
      description: text(arch.description ?? ''),
      channelsNote: model.target === 'aws' && model.eventBus === 'eventbridge' ? 'one EventBridge bus' : 'a topic per publishing service',
    },
    lists: { events: events.map(names) },
    slots: {
      channels: chans.map((c) => `'${c.id}': { address: '${c.address}', description: '${text(c.description)}', publishers: ${list(c.publishers)} },`).join('\n'),
      events: events
        .map((e) => {
          const consumed = consumers(e).map((c) => `{ service: '${c.service}', from: ${list(c.from)} }`);
          return `${e}: { schema: ${e}DataSchema, publishers: ${list(publishersOf(model, e))}, consumers: [${consumed.join(', ')}] },`;
        })
        .join('\n'),
    },
  };
  const file = (kind: 'managed' | 'owned', path: string, data: TemplateData = base) => templateFile(kind, DIR, `events/${path}`, data);
  return [
    managedJson(`${DIR}/package.json`, {
      name: eventsPackageName(model),
      version: '0.0.0',
      private: true,
      description: 'The contract of every event: its zod schema, publishers, consumers and channels (docs/asyncapi.yaml)',
      main: 'src/index.ts',
      types: 'src/index.ts',
      dependencies: { [platformPackageName(model)]: '0.0.0', ...pick(['zod']) },
    }),
    file('managed', 'src/index.ts'),
    ...events.map((e) => {
      const fields = Object.entries(startFields(model, e)).map(([k, v]) => `${k}: ${v},`);
      return file('owned', 'src/__eventFile__.ts', { ...base, names: { ...base.names, ...names(e) }, slots: { fields: fields.join('\n') } });
    }),
    file('managed', 'test/events.test.ts'),
    file('managed', 'test/asyncapi.test.ts'),
  ];
}
