import { ARCHETYPES, canonicalKind } from '../model/archetypes';
import { Diagnostic } from '../model/diagnostics';
import { DEFAULT_NODE_RUNTIME, NODE_RUNTIMES } from '../model/constants';
import type { Compute, TargetId } from '../model/constants';
import type { ArchitectureFile, ServiceSpec } from '../model/schema';
import { suggest, didYouMean } from '../model/suggest';
import { TARGET_CAPABILITIES, TARGET_DEFAULTS } from '../model/targets';
import type { SourceDocument } from '../parse/document';
import { isRecord, setOwn } from '../parse/values';
import type { Resilience, ResolvedArchitecture, ResolvedService } from './model';
import { resolvePlatform, resolveSizing } from './sizing';

export { interpolate } from './interpolate';
export type { Env } from './interpolate';

export type { Resilience, ResolvedArchitecture, ResolvedPlatform, ResolvedService, ServiceSecretSpec, ServiceSizing } from './model';
export { consumedEvents, publishedEvents, publishersOf, secretNamesOf, serviceSecrets } from './model';

export interface ResolveOptions {
  /** Target to resolve for; defaults to cloud.primary. */
  readonly target?: TargetId;
  /** Environment under `environments` to merge over the base. */
  readonly environment?: string;
}

/**
 * Merge `environments.<name>` over the (schema-defaulted) file, in place, recording where merged values came
 * from so that later errors point into the environment block. Unknown environment: AF2004.
 */
export function applyEnvironment(doc: SourceDocument, file: ArchitectureFile, name: string | undefined, diags: Diagnostic[]): boolean {
  if (name === undefined) return true;
  const envs = file.environments ?? {};
  const env = Object.prototype.hasOwnProperty.call(envs, name) ? envs[name] : undefined;
  if (!env) {
    const names = Object.keys(envs);
    const suggestions = suggest(name, names);
    diags.push(
      doc.diagnostic({
        code: 'AF2004',
        message: `environment "${name}" is not declared under environments${names.length ? ` (declared: ${names.join(', ')})` : ''}`,
        path: names.length ? ['environments'] : [],
        at: 'key',
        suggestions,
        hint: didYouMean(suggestions) ?? 'declare it under environments, e.g. environments: { dev: {} }',
      }),
    );
    return false;
  }
  if (env.cloud) {
    file.cloud = file.cloud ?? {};
    deepMerge(file.cloud as Record<string, unknown>, env.cloud as Record<string, unknown>, ['cloud'], ['environments', name, 'cloud'], doc);
  }
  for (const [serviceName, sizing] of Object.entries(env.overrides ?? {})) {
    const index = file.services.findIndex((s) => s.name === serviceName);
    const service = file.services[index];
    if (!service) continue; // reported by semantic validation (AF4002), with or without --env
    deepMerge(service as Record<string, unknown>, sizing as Record<string, unknown>, ['services', index], ['environments', name, 'overrides', serviceName], doc);
  }
  return true;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>, targetPath: (string | number)[], sourcePath: (string | number)[], doc: SourceDocument): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (isRecord(v) && isRecord(cur)) {
      deepMerge(cur, v, [...targetPath, k], [...sourcePath, k], doc);
    } else {
      setOwn(target, k, structuredClone(v));
      doc.map.alias([...targetPath, k], [...sourcePath, k]);
    }
  }
}

/** Build the resolved model from a schema-valid, defaulted file. */
export function resolveModel(file: ArchitectureFile, options: ResolveOptions = {}): ResolvedArchitecture {
  const target = options.target ?? file.cloud?.primary ?? 'aws';
  const d = TARGET_DEFAULTS[target];
  const settings = file.settings ?? {};
  const defaultDatabase = settings.default_database ?? d.default_database;
  const baseCompute: Compute = target === 'aws' ? (file.cloud?.aws?.compute ?? d.compute) : d.compute;
  const res = file.resilience ?? {};
  const services = file.services.map((spec, index): ResolvedService => {
    const kind = canonicalKind(spec.type);
    const info = ARCHETYPES[kind];
    const requestedCompute = spec.compute ?? baseCompute;
    const compute = TARGET_CAPABILITIES[target].translates[requestedCompute] ?? requestedCompute;
    // CRUD entities and saga instances are state; so are idempotency records, an outbox and CRDT documents.
    const needsState = kind === 'stateless' || kind === 'saga-orchestrator' || spec.idempotency?.enabled === true || spec.messaging?.pattern === 'outbox' || (kind === 'websocket-gateway' && spec.websocket?.crdt !== undefined);
    const eventStore = kind === 'event-sourced' ? (spec.cqrs?.event_store ?? (defaultDatabase !== 'none' ? defaultDatabase : d.default_database)) : undefined;
    return {
      index,
      name: spec.name,
      kind,
      spec,
      compute,
      requestedCompute,
      protocols: spec.protocols ?? (info.serves ? (kind === 'websocket-gateway' ? ['websocket'] : ['rest']) : []),
      database: spec.database ? (spec.database.type ?? defaultDatabase) : needsState ? defaultDatabase : 'none',
      ...(eventStore ? { eventStore } : {}),
      resilience: {
        circuit_breaker: { ...res.circuit_breaker, ...spec.circuit_breaker } as Resilience['circuit_breaker'],
        retry: { ...res.retry, ...spec.retry } as Resilience['retry'],
        bulkhead: { ...res.bulkhead, ...spec.bulkhead } as Resilience['bulkhead'],
        rate_limit: { ...res.rate_limit, ...spec.rate_limit } as Resilience['rate_limit'],
      },
      sizing: resolveSizing(spec, kind, compute, target),
      ...(spec.storage
        ? {
            storage: {
              // Tigris (fly) keeps no object versions: there the default is off, and `true` is refused (refusals.ts).
              versioning: spec.storage.versioning ?? target !== 'fly',
              retention_days: spec.storage.retention_days ?? 0,
              readers: spec.storage.readers ?? [],
            },
          }
        : {}),
    };
  });
  return {
    target,
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
    file,
    eventBus: settings.event_bus ?? d.event_bus,
    defaultDatabase,
    secretsManager: file.security?.secrets_manager ?? d.secrets_manager,
    metrics: file.observability?.metrics ?? d.metrics,
    nodeMajor: NODE_RUNTIMES[settings.runtime ?? DEFAULT_NODE_RUNTIME],
    platform: resolvePlatform(file, options.environment),
    services,
  };
}

/**
 * The resolved model as a complete architecture document: every default written out, inherited values made
 * explicit, aliases canonical. This is what `allframe validate --print` shows.
 */
export function resolvedDocument(model: ResolvedArchitecture): Record<string, unknown> {
  const file = structuredClone(model.file) as Record<string, unknown> & ArchitectureFile;
  file.settings = { ...file.settings, event_bus: model.eventBus, default_database: model.defaultDatabase };
  file.security = { ...file.security, secrets_manager: model.secretsManager };
  file.observability = { ...file.observability, metrics: model.metrics };
  file.cloud = { ...file.cloud, primary: model.target };
  file.services = model.services.map((s) => {
    const spec = structuredClone(s.spec);
    const out: ServiceSpec = { ...spec, type: s.kind };
    if (ARCHETYPES[s.kind].compute) {
      out.compute = s.compute;
      out.protocols = [...s.protocols];
    }
    if (s.database !== 'none' || spec.database) out.database = { ...spec.database, type: s.database };
    out.circuit_breaker = { ...s.resilience.circuit_breaker };
    out.retry = { ...s.resilience.retry };
    out.bulkhead = { ...s.resilience.bulkhead };
    out.rate_limit = { ...s.resilience.rate_limit };
    if (s.storage) out.storage = { ...spec.storage, versioning: s.storage.versioning, retention_days: s.storage.retention_days, readers: [...s.storage.readers] };
    return out;
  });
  delete file.$schema;
  delete file.environments;
  return { ...file, ...(model.environment !== undefined ? { environment: model.environment } : {}) };
}
