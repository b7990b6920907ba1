/**
 * The environment variables of a service's compute that are not the file's to set: those allframe sets itself (the
 * platform's wiring reads them: SERVICE_NAME, EVENT_TARGET, DATABASE_URL, ...), those the cloud sets (Cloud Run's
 * PORT, Lambda's AWS_REGION, ...), the base URL of each service it calls, and its secrets. Validation refuses a
 * `services[].environment` key among them (AF4013), the targets refuse to build one, and a test holds every
 * variable the targets set on a synthesized service to this list. No imports that load a CDK.
 */
import { FLY_RUNTIME_ENV_NAMES, LAMBDA_RESERVED_ENV_NAMES, RUN_RESERVED_ENV_NAMES } from '../../lib-constructs/core/cloud-limits';
import { constant } from './names';
import type { ServiceSpec } from './schema';

/** Every variable allframe's targets set on some service of some archetype (besides callee URLs and secrets). */
export const ALLFRAME_ENVIRONMENT: readonly string[] = [
  'AWS_ENDPOINT_URL_S3',
  'AWS_REGION',
  'BUCKET_NAME',
  'CACHE_BACKEND',
  'CACHE_URL',
  'CONNECTIONS_STORE',
  'CONNECTIONS_TABLE',
  'DATABASE_URL',
  'DLQ_URL',
  'EVENT_BUS',
  'EVENT_STORE',
  'EVENT_TARGET',
  'FIRESTORE_DATABASE',
  'GOOGLE_CLOUD_PROJECT',
  'INBOUND_AUTH',
  'LOG_LEVEL',
  'NATS_ACK_WAIT_SECONDS',
  'NATS_CONSUMER',
  'NATS_DLQ_SUBJECT',
  'NATS_FILTER_SUBJECTS',
  'NATS_MAX_DELIVER',
  'NATS_PASSWORD',
  'NATS_STREAM',
  'NATS_URL',
  'NATS_USER',
  'NODE_EXTRA_CA_CERTS',
  'OBJECT_STORE',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OUTBOUND_AUTH',
  'PG_IAM_AUTH',
  'PG_IAM_PROVIDER',
  'PG_SERVER_CA',
  'QUEUE_URL',
  'SAGA_STATE_MACHINE_ARN',
  'SAGA_STEPS_ENDPOINT',
  'SAGA_WORKFLOW',
  'SCHEDULE_CRON',
  'SCHEDULE_TIMEZONE',
  'SECRETS_PREFIX',
  'SECRETS_SOURCE',
  'SENDER',
  'SERVICE_NAME',
  'STORE',
  'TABLE_PREFIX',
  'TRUSTED_CALLERS',
  'WEBSOCKET_ENDPOINT',
];

/** Who sets a reserved variable: allframe, or the cloud's runtime. */
export type EnvironmentOwner = 'allframe' | 'Cloud Run' | 'AWS Lambda' | 'Fly.io';

/** The reserved names that do not depend on the service, each with who sets it (allframe first where both do). */
export const RESERVED_ENVIRONMENT: ReadonlyMap<string, EnvironmentOwner> = new Map<string, EnvironmentOwner>([
  ...LAMBDA_RESERVED_ENV_NAMES.map((n) => [n, 'AWS Lambda'] as const),
  ...RUN_RESERVED_ENV_NAMES.map((n) => [n, 'Cloud Run'] as const),
  ...FLY_RUNTIME_ENV_NAMES.map((n) => [n, 'Fly.io'] as const),
  ...ALLFRAME_ENVIRONMENT.map((n) => [n, 'allframe'] as const),
]);

/** The variable holding the base URL of `callee` in the services that call it: `order-service` → ORDER_SERVICE_URL. */
export function calleeUrlVariable(callee: string): string {
  return `${constant(callee)}_URL`;
}

/** Why a name is reserved on one service. */
export type ReservedReason = { readonly kind: 'set'; readonly by: EnvironmentOwner } | { readonly kind: 'callee'; readonly callee: string } | { readonly kind: 'secret' };

/** The services a service calls, whose URLs it is given: depends_on and bff.aggregates. */
export function calleesOf(spec: Pick<ServiceSpec, 'depends_on' | 'bff'>): string[] {
  return [...new Set([...(spec.depends_on ?? []), ...(spec.bff?.aggregates ?? [])])];
}

/** Why `name` is not the file's to set in this service's `environment`, or undefined when it is. */
export function reservedEnvironmentReason(spec: Pick<ServiceSpec, 'depends_on' | 'bff' | 'secrets'>, name: string): ReservedReason | undefined {
  const by = RESERVED_ENVIRONMENT.get(name);
  if (by !== undefined) return { kind: 'set', by };
  const callee = calleesOf(spec).find((c) => calleeUrlVariable(c) === name);
  if (callee !== undefined) return { kind: 'callee', callee };
  if ((spec.secrets ?? []).some((x) => (typeof x === 'string' ? x : x.name) === name)) return { kind: 'secret' };
  // the keys that sign calls between services on fly, one pair per caller and callee (SIGNING_KEY_<CALLEE>, CALLER_KEY_<CALLER>),
  // and the buckets a service reads (BUCKET_<OWNER>)
  if ([...SERVICE_KEY_PREFIXES, BUCKET_VARIABLE_PREFIX].some((p) => name.startsWith(p))) return { kind: 'set', by: 'allframe' };
  return undefined;
}

/** The prefix of the variables through which a service finds the buckets it reads (and its own, BUCKET_NAME). */
export const BUCKET_VARIABLE_PREFIX = 'BUCKET_';

/**
 * The variable through which a reader finds the bucket of `owner` (services[].storage.readers):
 * `archive-service` → BUCKET_ARCHIVE_SERVICE. The owner finds its own in BUCKET_NAME.
 */
export function bucketVariable(owner: string): string {
  return `${BUCKET_VARIABLE_PREFIX}${constant(owner)}`;
}

/** The prefixes of the variables holding the keys of signed calls between services (the Fly.io target's). */
export const SERVICE_KEY_PREFIXES: readonly string[] = ['SIGNING_KEY_', 'CALLER_KEY_'];

/** The `environment` keys of a service that are reserved (in file order). */
export function reservedEnvironmentKeys(spec: Pick<ServiceSpec, 'depends_on' | 'bff' | 'secrets' | 'environment'>): string[] {
  return Object.keys(spec.environment ?? {}).filter((name) => reservedEnvironmentReason(spec, name) !== undefined);
}
