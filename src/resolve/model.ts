/**
 * The resolved architecture as the later stages see it, and the questions they ask of it. Kept apart from the
 * resolver (index.ts) so that a target loads no parser: synthesis needs the model, not the YAML or TOML it came from.
 */
import type { ArchetypeKind } from '../model/archetypes';
import type { Compute, Database, EventBus, Metrics, Protocol, SecretManagement, SecretsManager, TargetId } from '../model/constants';
import type { ArchitectureFile, ServiceSpec } from '../model/schema';

type Required2<T> = { [K in keyof T]-?: NonNullable<T[K]> };

export interface Resilience {
  readonly circuit_breaker: Required2<NonNullable<ServiceSpec['circuit_breaker']>>;
  readonly retry: Required2<NonNullable<ServiceSpec['retry']>>;
  readonly bulkhead: Required2<NonNullable<ServiceSpec['bulkhead']>>;
  readonly rate_limit: Required2<NonNullable<ServiceSpec['rate_limit']>>;
}

/** One service with every default applied and every inherited value made explicit. */
export interface ResolvedService {
  /** Index in `services`, for locating problems. */
  readonly index: number;
  readonly name: string;
  readonly kind: ArchetypeKind;
  /** The service block with schema defaults and environment overrides applied. */
  readonly spec: ServiceSpec;
  /** What the service runs on, for the selected target (translated: lambda on gcp is cloud-run). */
  readonly compute: Compute;
  /** The compute the file asked for, before translation. */
  readonly requestedCompute: Compute;
  readonly protocols: readonly Protocol[];
  readonly database: Database;
  /** Where an event-sourced service keeps its events (cqrs.event_store, else the default database). */
  readonly eventStore?: Exclude<Database, 'none'>;
  readonly resilience: Resilience;
}

/** The architecture as the later stages see it: for one target and (optionally) one environment. */
export interface ResolvedArchitecture {
  readonly target: TargetId;
  readonly environment?: string;
  /** The file with schema defaults and the selected environment merged in. */
  readonly file: ArchitectureFile;
  readonly eventBus: EventBus;
  readonly defaultDatabase: Database;
  readonly secretsManager: SecretsManager;
  readonly metrics: Metrics;
  /** Node.js major of every service (settings.runtime): Lambda nodejs<major>.x, node:<major> images, bundle target. */
  readonly nodeMajor: number;
  readonly services: readonly ResolvedService[];
}

/** Events a service publishes: `publishes`, and for a stream processor its output events. */
export function publishedEvents(s: ResolvedService): readonly string[] {
  return [...(s.spec.publishes ?? []), ...(s.spec.stream?.output_events ?? [])];
}

/** Names of the services publishing `event` (only `from`, when a subscription names it). */
export function publishersOf(model: ResolvedArchitecture, event: string, from?: string): string[] {
  return model.services.filter((s) => (from === undefined || s.name === from) && publishedEvents(s).includes(event)).map((s) => s.name);
}

/** A secret of a service with its settings: `secrets: [NAME]` is `{ name: NAME, managed: allframe }`. */
export interface ServiceSecretSpec {
  readonly name: string;
  /** allframe: generated and rotated by allframe; external: issued and rotated by a third party. */
  readonly managed: SecretManagement;
}

/** The secrets a service reads, in file order, each with its settings. */
export function serviceSecrets(s: { readonly spec: Pick<ServiceSpec, 'secrets'> }): readonly ServiceSecretSpec[] {
  return (s.spec.secrets ?? []).map((x) => (typeof x === 'string' ? { name: x, managed: 'allframe' } : { name: x.name, managed: x.managed ?? 'allframe' }));
}

/** The names of the secrets a service reads, in file order. */
export function secretNamesOf(s: { readonly spec: Pick<ServiceSpec, 'secrets'> }): readonly string[] {
  return serviceSecrets(s).map((x) => x.name);
}
