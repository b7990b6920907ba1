/**
 * Which keys of the architecture format a stage reads: the resolved model wrapped in Proxies that note, for
 * every property read, its path in the JSON Schema (`services[].consumer.max_retries`, `environments.<name>`).
 * Values the resolver derives (a service's compute, protocols, database, resilience, sizing; the model's event
 * bus, secrets manager, metrics, platform settings) count as reads of the keys they come from.
 */
import { architectureJsonSchema } from '../src/model/schema';
import type { ResolvedArchitecture, ResolvedService } from '../src/resolve';

type Schema = Record<string, unknown>;

/** The sub-schema of `key` under `s`, and how the path grows: `.key`, `[]` or `.<name>`. */
function child(s: Schema | undefined, key: string): { schema: Schema; step: string } | undefined {
  if (!s) return undefined;
  const props = s.properties as Record<string, Schema> | undefined;
  if (props && Object.prototype.hasOwnProperty.call(props, key)) return { schema: props[key]!, step: `.${key}` };
  if (s.type === 'array' && typeof s.items === 'object' && /^\d+$/.test(key)) return { schema: s.items as Schema, step: '[]' };
  if (typeof s.additionalProperties === 'object' && !props) return { schema: s.additionalProperties as Schema, step: '.<name>' };
  for (const b of (s.anyOf as Schema[] | undefined) ?? []) {
    const found = child(b, key);
    if (found) return found;
  }
  return undefined;
}

const join = (path: string, step: string) => (path === '' ? step.replace(/^\./, '') : path + step);

export interface Recording {
  readonly model: ResolvedArchitecture;
  /** Schema paths read so far. */
  readonly reads: Set<string>;
}

/** A copy of `model` whose reads are recorded into `reads`. */
export function recordReads(model: ResolvedArchitecture, reads: Set<string> = new Set()): Recording {
  const root = architectureJsonSchema();
  const cache = new WeakMap<object, Map<string, object>>();
  const note = (...paths: string[]) => paths.forEach((p) => reads.add(p));

  function wrap<T>(value: T, schema: Schema, path: string, also: readonly string[] = []): T {
    if (typeof value !== 'object' || value === null) return value;
    const byPath = cache.get(value) ?? new Map<string, object>();
    cache.set(value, byPath);
    const key = `${path}|${also.join('|')}`;
    const hit = byPath.get(key);
    if (hit) return hit as T;
    const proxy = new Proxy(value as object, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string') return v;
        const c = child(schema, prop);
        if (!c) return v;
        const p = join(path, c.step);
        const more = also.map((a) => join(a, c.step));
        note(p, ...more);
        return wrap(v, c.schema, p, more);
      },
    });
    byPath.set(key, proxy);
    return proxy as T;
  }

  const servicesSchema = child(root, 'services')!.schema;
  const serviceSchema = child(servicesSchema, '0')!.schema;
  const resilienceSchema = child(root, 'resilience')!.schema;
  const file = wrap(model.file, root, '');

  /** Derived values of a service, and the keys they come from. */
  const serviceSources: Record<string, readonly string[]> = {
    compute: ['services[].compute', 'cloud.aws.compute'],
    requestedCompute: ['services[].compute', 'cloud.aws.compute'],
    protocols: ['services[].protocols'],
    database: ['services[].database.type', 'settings.default_database'],
    eventStore: ['services[].cqrs.event_store', 'settings.default_database'],
    kind: ['services[].type'],
    name: ['services[].name'],
  };
  /**
   * A resolved block (a service's sizing, the platform settings) whose every value counts as a read of the key it
   * resolves: `sizing.consumer.batch_size` is services[].consumer.batch_size; `blocks` names the blocks found
   * elsewhere (`platform.gcp` is cloud.gcp).
   */
  function wrapResolved<T extends object>(value: T, path: string, blocks: Readonly<Record<string, string>>): T {
    return new Proxy(value, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string') return v;
        const at = blocks[prop] ?? join(path, `.${prop}`);
        // A list (storage.readers) is one key, read whole.
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return wrapResolved(v, at, {});
        note(at);
        return v;
      },
    });
  }
  const services = model.services.map((s): ResolvedService => {
    const spec = wrap(s.spec, serviceSchema, 'services[]');
    const sizing = wrapResolved(s.sizing, 'services[]', { windowing: 'services[].stream.windowing', bffCaching: 'services[].bff.caching' });
    const resilience = new Proxy(s.resilience, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string') return v;
        const c = child(resilienceSchema, prop);
        if (!c) return v;
        note(`resilience.${prop}`, `services[].${prop}`);
        return wrap(v, c.schema, `resilience.${prop}`, [`services[].${prop}`]);
      },
    });
    const storage = s.storage !== undefined ? wrapResolved(s.storage, 'services[].storage', {}) : undefined;
    return new Proxy(s, {
      get(target, prop, receiver) {
        if (prop === 'spec') return spec;
        if (prop === 'storage') return storage;
        if (prop === 'resilience') return resilience;
        if (prop === 'sizing') return sizing;
        if (typeof prop === 'string' && serviceSources[prop]) note(...serviceSources[prop]);
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  });
  const modelSources: Record<string, readonly string[]> = {
    eventBus: ['settings.event_bus'],
    defaultDatabase: ['settings.default_database'],
    secretsManager: ['security.secrets_manager'],
    metrics: ['observability.metrics'],
    target: ['cloud.primary'],
    nodeMajor: ['settings.runtime'],
  };
  const platform = wrapResolved(model.platform, '', { aws: 'cloud.aws', gcp: 'cloud.gcp', fly: 'cloud.fly', deployment: 'deployment', events: 'settings.events', sampling: 'observability.sampling', apiDocs: 'settings.api_docs', version: 'architecture.version' });
  const recorded = new Proxy(model, {
    get(target, prop, receiver) {
      if (prop === 'file') return file;
      if (prop === 'platform') return platform;
      if (prop === 'services') return services;
      if (typeof prop === 'string' && modelSources[prop]) note(...modelSources[prop]);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { model: recorded, reads };
}

/**
 * Every leaf path of the JSON Schema: scalars, lists of scalars, maps of scalars (`.<name>`), walking
 * properties, items, additionalProperties and anyOf/oneOf branches that are objects.
 */
export function schemaLeaves(s: Schema = architectureJsonSchema(), path = ''): string[] {
  const out: string[] = [];
  const props = s.properties as Record<string, Schema> | undefined;
  const branches = [...((s.anyOf as Schema[] | undefined) ?? []), ...((s.oneOf as Schema[] | undefined) ?? [])];
  if (props) {
    for (const [k, p] of Object.entries(props)) out.push(...schemaLeaves(p, join(path, `.${k}`)));
  } else if (s.type === 'array' && typeof s.items === 'object' && isStructured(s.items as Schema)) {
    out.push(...schemaLeaves(s.items as Schema, `${path}[]`));
  } else if (typeof s.additionalProperties === 'object') {
    out.push(...schemaLeaves(s.additionalProperties as Schema, `${path}.<name>`));
  } else if (branches.some(isStructured)) {
    for (const b of branches) out.push(...schemaLeaves(b, path));
  } else {
    out.push(path);
  }
  return [...new Set(out)];
}

function isStructured(s: Schema): boolean {
  return (typeof s.properties === 'object' && s.properties !== null) || typeof s.additionalProperties === 'object' || (s.type === 'array' && typeof s.items === 'object' && isStructured(s.items as Schema));
}
