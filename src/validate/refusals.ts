/**
 * The honest "not yet" list: for each target, every key of the format that the target does not honour yet,
 * why, and what to do instead. Validation refuses a key of this table that the file sets (AF5010), unless the
 * value is one the entry accepts (the default, which describes what the target does anyway, or a value it
 * honours). test/validate/key-coverage.test.ts walks every key of the JSON Schema and fails when a key is
 * neither read by a target's code nor listed here for that target; later work shrinks this table.
 */
import { GRAPHQL_ARCHETYPES, GRPC_ARCHETYPES } from '../model/archetypes';
import type { TargetId } from '../model/constants';
import { type DiagnosticInit, type DocPath, formatPath } from '../model/diagnostics';
import { runsWithoutRequests, type ResolvedArchitecture, type ResolvedService } from '../resolve/model';

export interface RefusalContext {
  readonly model: ResolvedArchitecture;
  /** The service the key belongs to, for `services[].` keys. */
  readonly service?: ResolvedService;
}

export interface Refusal {
  /** The key as docs/architecture-reference.md names it: `deployment.strategy`, `services[].protocols`. */
  readonly path: string;
  /** Why the target does not honour it (yet). */
  readonly reason: string;
  /** What to do, ending the message: "remove it or use rolling". */
  readonly hint: string;
  /** The values that pass, for the docs: "`rolling` (the default)". */
  readonly passes: string;
  /** Whether the value set in the file passes: honoured, or the default that changes nothing. */
  readonly accepts: (value: unknown, ctx: RefusalContext) => boolean;
  /** The offending part of the value for the message (e.g. the refused protocols). @default - the value */
  readonly show?: (value: unknown, ctx: RefusalContext) => string;
}

export interface TargetRefusals {
  /** The whole target is refused (by another check); every key is then "not yet". @default - keys are checked one by one */
  readonly whole?: string;
  readonly keys: readonly Refusal[];
}

const is = (expected: unknown) => (v: unknown) => v === expected;
const servesGraphql = (s: ResolvedService | undefined) => s !== undefined && GRAPHQL_ARCHETYPES.includes(s.kind);
const servesGrpc = (s: ResolvedService | undefined) => s !== undefined && GRPC_ARCHETYPES.includes(s.kind);
/** The protocols of a list that the service's archetype does not serve. */
const unserved = (v: readonly unknown[], s: ResolvedService | undefined) => v.filter((p) => (p === 'grpc' && !servesGrpc(s)) || (p === 'graphql' && !servesGraphql(s)));
/** The protocols refused: those the archetype does not serve, and gRPC with architecture.multi_tenant. */
const refusedProtocols = (v: readonly unknown[], { model, service }: RefusalContext) => v.filter((p) => unserved([p], service).length > 0 || (p === 'grpc' && model.file.architecture.multi_tenant === true));
const isEmpty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
const dflt = (v: unknown) => `\`${JSON.stringify(v)}\` (the default)`;
const GRAPHQL_LIST = `${GRAPHQL_ARCHETYPES.slice(0, -1).join(', ')} and ${GRAPHQL_ARCHETYPES[GRAPHQL_ARCHETYPES.length - 1]!}`;
const GRPC_LIST = GRPC_ARCHETYPES.length > 1 ? `${GRPC_ARCHETYPES.slice(0, -1).join(', ')} and ${GRPC_ARCHETYPES[GRPC_ARCHETYPES.length - 1]!}` : GRPC_ARCHETYPES.join('');
const PROTOCOLS_BUILT = `GraphQL is served by the ${GRAPHQL_LIST} archetypes, gRPC by the ${GRPC_LIST} archetypes; other archetypes serve REST. With architecture.multi_tenant gRPC is refused: it is served apart from the HTTP app, without the tenant middleware`;

/**
 * The archetypes that keep to a tenant with architecture.multi_tenant (row-level): their repositories, idempotency
 * keys and events; a gateway's keys at its provider too, a BFF's calls, cache and rate limit.
 */
export const TENANT_ARCHETYPES: ReadonlySet<string> = new Set(['stateless', 'consumer', 'gateway', 'bff']);
const TENANT_LIST = `${[...TENANT_ARCHETYPES].slice(0, -1).join(', ')} and ${[...TENANT_ARCHETYPES].slice(-1)[0]!}`;

/** Keys no target honours yet: the same entry on aws and gcp. */
const NOWHERE: readonly Refusal[] = [
  {
    path: 'services[].type',
    reason: `with architecture.multi_tenant, ${TENANT_LIST} services keep to the tenant of each request or event; the other archetypes (their event stores, sagas, windows, schedules, connections, cache entries) do not keep tenants apart yet`,
    hint: 'remove the service, or set architecture.multi_tenant to false',
    passes: `any archetype without architecture.multi_tenant; ${TENANT_LIST} with it`,
    accepts: (_v, { model, service }) => model.file.architecture.multi_tenant !== true || (service !== undefined && TENANT_ARCHETYPES.has(service.kind)),
    show: (_v, { service }) => `${service?.kind ?? ''} with architecture.multi_tenant`,
  },
  { path: 'security.mtls', reason: 'calls between services are authenticated by the cloud (IAM-signed on aws, Google ID tokens on gcp) over TLS, not with client certificates', hint: 'remove it or set it to false', passes: dflt(false), accepts: is(false) },
  { path: 'compliance.audit_logging', reason: 'no audit trail of state changes is generated', hint: 'remove it or set it to false', passes: dflt(false), accepts: is(false) },
  { path: 'observability.tracing', reason: 'services trace through the OpenTelemetry API (and Lambda functions and state machines with X-Ray); another tracer or none is not selectable', hint: 'remove it or use opentelemetry', passes: dflt('opentelemetry'), accepts: is('opentelemetry') },
  {
    path: 'observability.sampling.strategy',
    reason: 'OpenTelemetry SDKs have no standard rate-limiting sampler',
    hint: 'remove it or use probabilistic, always or never',
    passes: '`probabilistic` (the default), `always`, `never`',
    accepts: (v) => v !== 'rate-limiting',
  },
  {
    path: 'observability.sampling.rate',
    reason: 'with strategy probabilistic the rate is the sampled fraction, at most 1; with always or never it has no effect',
    hint: 'use a fraction from 0 to 1 with strategy probabilistic, or remove it',
    passes: 'a fraction from 0 to 1 with strategy `probabilistic`; `0.1` (the default) with any strategy',
    accepts: (v, { model }) => {
      const strategy = model.file.observability?.sampling?.strategy ?? 'probabilistic';
      return v === 0.1 || (strategy === 'probabilistic' && typeof v === 'number' && v <= 1) || strategy === 'rate-limiting';
    },
  },
  { path: 'observability.logging', reason: 'services log JSON lines (pino), which both clouds parse; other formats are not built', hint: 'remove it or use json', passes: dflt('json'), accepts: is('json') },
  { path: 'testing.contract_testing', reason: 'no Pact tests are generated', hint: 'remove it or set it to false', passes: dflt(false), accepts: is(false) },
  { path: 'testing.load_testing.tool', reason: 'no load tests are generated', hint: 'remove testing.load_testing', passes: dflt('k6'), accepts: is('k6') },
  { path: 'testing.load_testing.baseline_rps', reason: 'no load tests are generated', hint: 'remove testing.load_testing', passes: dflt(100), accepts: is(100) },
  { path: 'testing.load_testing.p99_ms', reason: 'no load tests are generated', hint: 'remove testing.load_testing', passes: dflt(500), accepts: is(500) },
  { path: 'testing.chaos_engineering', reason: 'no fault-injection experiments are generated', hint: 'remove it or set it to false', passes: dflt(false), accepts: is(false) },
  { path: 'feature_flags.provider', reason: 'no feature-flag client is generated; with env, flags are plain environment variables your code reads', hint: 'remove it or use env', passes: dflt('env'), accepts: is('env') },
  { path: 'deployment.strategy', reason: 'a new version replaces the old one as the cloud does by default (Lambda and Cloud Run switch traffic to the new version, ECS replaces tasks in a rolling update); traffic shifting is not built', hint: 'remove it or use rolling', passes: dflt('rolling'), accepts: is('rolling') },
  { path: 'deployment.canary_percentage', reason: 'canary rollouts are not built', hint: 'remove it', passes: dflt(10), accepts: is(10) },
  { path: 'deployment.canary_duration_minutes', reason: 'canary rollouts are not built', hint: 'remove it', passes: dflt(10), accepts: is(10) },
  { path: 'deployment.rollback_on_failure', reason: 'no alarm-driven rollback is built (a failed CloudFormation update rolls back; a failed Terraform apply does not)', hint: 'remove it', passes: dflt(true), accepts: is(true) },
  {
    path: 'services[].protocols',
    reason: PROTOCOLS_BUILT,
    hint: 'remove graphql and grpc from services of archetypes that do not serve them (the service serves REST), and grpc with architecture.multi_tenant',
    passes: `\`graphql\` on ${GRAPHQL_LIST} services; \`grpc\` on ${GRPC_LIST} services`,
    accepts: (v, ctx) => Array.isArray(v) && refusedProtocols(v, ctx).length === 0,
    show: (v, ctx) => (Array.isArray(v) ? refusedProtocols(v, ctx).join(', ') : String(v)),
  },
  {
    path: 'services[].consumes[].filter.<name>',
    reason: 'publishers set only the event type as a message attribute, so a filter on another attribute would never match; a consumer receives every event it names',
    hint: 'remove the filter and filter in the handler',
    passes: 'none (an empty filter)',
    accepts: () => false,
  },
  { path: 'services[].domain.events', reason: 'domain events are modelled by `publishes` (and `cqrs`); this list generates nothing', hint: 'move the events to publishes, or remove it', passes: dflt([]), accepts: isEmpty },
  { path: 'services[].consumer.dlq', reason: 'every consumer dead-letters messages that keep failing (SQS redrive, Pub/Sub dead-letter topic); switching it off is not built', hint: 'remove it', passes: dflt(true), accepts: is(true) },
  { path: 'services[].websocket.max_connections_per_instance', reason: 'connections per instance are not limited by the generated gateway', hint: 'remove it', passes: dflt(1000), accepts: is(1000) },
  { path: 'services[].websocket.idle_timeout_seconds', reason: 'idle connections are closed by the cloud (API Gateway after 10 minutes, Cloud Run at the request timeout), not by this setting', hint: 'remove it', passes: dflt(600), accepts: is(600) },
  { path: 'resilience.circuit_breaker.success_threshold', reason: 'the generated circuit breaker closes after one successful trial call', hint: 'remove it', passes: dflt(3), accepts: is(3) },
  { path: 'services[].circuit_breaker.success_threshold', reason: 'the generated circuit breaker closes after one successful trial call', hint: 'remove it', passes: 'absent, or `3` (the default of resilience.circuit_breaker)', accepts: (v) => v === undefined || v === 3 },
];

/** security.authentication on a target that validates no JWT: public services are open to everyone. */
function noJwtValidation(target: TargetId, why: string): Refusal[] {
  const absent = { hint: 'remove it', passes: 'absent', accepts: (v: unknown) => v === undefined };
  return [
    { path: 'security.authentication.provider', reason: `public services on ${target} are open to everyone: ${why}`, hint: 'remove it or set it to none, or choose target aws', passes: dflt('none'), accepts: is('none') },
    { path: 'security.authentication.jwt_issuer', reason: `no JWT validation is built on ${target} (see security.authentication.provider)`, ...absent },
    { path: 'security.authentication.audience', reason: `no JWT validation is built on ${target} (see security.authentication.provider)`, ...absent },
    { path: 'tenant.claim', reason: `no JWT validation is built on ${target}, so there are no verified claims to take the tenant from`, hint: 'remove it: the tenant comes from tenant.header', passes: 'absent', accepts: (v: unknown) => v === undefined },
  ];
}

/** The entries of NOWHERE that fly honours, or refuses with its own reasons. */
const FLY_HONOURS = new Set(['deployment.strategy', 'deployment.rollback_on_failure', 'services[].websocket.max_connections_per_instance', 'security.mtls', 'services[].consumer.dlq', 'deployment.canary_percentage', 'deployment.canary_duration_minutes', 'services[].websocket.idle_timeout_seconds']);

const SCHEMA_FORMAT: readonly Refusal[] = [
  { path: 'settings.events.format', reason: 'event schemas are registered only with schema_registry glue on aws', hint: 'remove it', passes: dflt('json-schema'), accepts: (v, { model }) => v === 'json-schema' || (model.target === 'aws' && model.file.settings?.events?.schema_registry === 'glue') },
  { path: 'settings.events.compatibility', reason: 'compatibility is enforced only by a schema registry (glue on aws)', hint: 'remove it', passes: dflt('backward'), accepts: (v, { model }) => v === 'backward' || (model.target === 'aws' && model.file.settings?.events?.schema_registry === 'glue') },
];

export const REFUSALS: Record<TargetId, TargetRefusals> = {
  aws: {
    keys: [
      ...NOWHERE,
      ...SCHEMA_FORMAT,
      {
        path: 'tenant.claim',
        reason: 'the claims the HTTP API\'s JWT authorizer verified reach a Lambda function with each request, but not a container on fargate compute (its load balancer integration passes the request, not the claims)',
        hint: 'remove it, or run the public services on compute: lambda',
        passes: 'any claim when every public service runs on lambda',
        accepts: (v, { model }) => v === undefined || !model.services.some((s) => s.spec.public === true && s.compute === 'fargate'),
      },
      { path: 'services[].concurrency', reason: 'a Lambda function takes one request per instance, and a Fargate task behind a load balancer has no per-task request limit', hint: 'remove it (or set it to 1 on lambda)', passes: '`1` on lambda', accepts: (v, { service }) => v === 1 && service?.compute === 'lambda' },
      { path: 'services[].min_instances', reason: 'a Lambda function keeps no instances warm: provisioned concurrency is not built', hint: 'remove it, or use compute: fargate', passes: 'any value on fargate; `0` (the default) on lambda', accepts: (v, { service }) => service?.compute !== 'lambda' || v === 0 },
      { path: 'services[].max_instances', reason: 'a Lambda function scales with its load: reserved concurrency is not built', hint: 'remove it, or use compute: fargate', passes: 'any value on fargate; `10` (the default) on lambda', accepts: (v, { service }) => service?.compute !== 'lambda' || v === 10 },
    ],
  },
  gcp: {
    keys: [
      ...NOWHERE,
      ...SCHEMA_FORMAT,
      ...noJwtValidation('gcp', 'no JWT validation (API Gateway, IAP) is built yet'),
      {
        path: 'services[].concurrency',
        reason: 'the archetype sets Cloud Run concurrency itself: consumer.concurrency for a consumer, every connection for a websocket-gateway, one request for a scheduled job whose overlap_policy is not allow',
        hint: 'remove it (use consumer.concurrency on a consumer)',
        passes: 'any value on other archetypes (it is the Cloud Run concurrency)',
        accepts: (v, { service }) => v === undefined || !(service?.kind === 'consumer' || service?.kind === 'websocket-gateway' || (service?.kind === 'scheduled' && service.sizing.schedule.overlap_policy !== 'allow')),
      },
      { path: 'services[].consumer.visibility_timeout_seconds', reason: 'Pub/Sub has no visibility timeout: the ack deadline is timeout_seconds', hint: 'remove it and set timeout_seconds', passes: 'absent', accepts: (v) => v === undefined },
      {
        path: 'security.api_key_rotation_days',
        reason: 'secrets allframe manages (secrets[].managed: allframe) are created without a value on gcp and are not rotated: no rotation is built for Secret Manager yet (on aws they rotate on this period)',
        hint: 'remove it, or mark the secrets managed: external and rotate them where they are issued',
        passes: dflt(90),
        accepts: is(90),
      },
    ],
  },
  fly: {
    keys: [
      // Fly rolls out with its own deploy strategies (rolling, canary, bluegreen, immediate) and rolls a failed deploy
      // back; a WebSocket gateway's connections per Machine are its proxy's hard limit. The rest is as elsewhere.
      ...NOWHERE.filter((r) => !FLY_HONOURS.has(r.path)),
      ...SCHEMA_FORMAT,
      { path: 'security.mtls', reason: 'calls between services are signed with a key pair per caller and callee (Ed25519) over Fly\'s private WireGuard network, not made with client certificates (docs/fly.md)', hint: 'remove it or set it to false', passes: dflt(false), accepts: is(false) },
      { path: 'services[].consumer.dlq', reason: 'every consumer dead-letters messages that keep failing (into the bus\'s DLQ stream after max_retries deliveries); switching it off is not built', hint: 'remove it', passes: dflt(true), accepts: is(true) },
      { path: 'deployment.canary_percentage', reason: 'Fly\'s canary deploy starts one Machine of the new version, waits for its checks, then replaces the others: it has no traffic percentage', hint: 'remove it', passes: dflt(10), accepts: is(10) },
      { path: 'deployment.canary_duration_minutes', reason: 'Fly\'s canary deploy moves on as soon as the new Machine passes its checks: it has no bake time', hint: 'remove it', passes: dflt(10), accepts: is(10) },
      { path: 'services[].websocket.idle_timeout_seconds', reason: 'idle connections are closed by the Fly proxy, not by this setting', hint: 'remove it', passes: dflt(600), accepts: is(600) },
      ...noJwtValidation('fly', 'no JWT validation is built on fly yet'),
      {
        path: 'services[].concurrency',
        reason: 'a websocket-gateway\'s Machines take websocket.max_connections_per_instance connections each (the Fly proxy\'s hard limit), which concurrency would contradict',
        hint: 'remove it and set websocket.max_connections_per_instance',
        passes: 'any value on other archetypes (the Fly proxy\'s hard limit of requests per Machine)',
        accepts: (v, { service }) => v === undefined || service?.kind !== 'websocket-gateway',
      },
      {
        path: 'services[].max_instances',
        reason: 'a service that works without requests (a consumer, a stream processor, a schedule, subscriptions) runs min_instances Machines (at least one) all the time on fly: nothing starts a stopped Machine for it, so there is no range to scale in',
        hint: 'remove it and set min_instances to the Machines you want running',
        passes: 'any value on services that serve requests only',
        accepts: (v, { service }) => v === undefined || service === undefined || !runsWithoutRequests(service),
      },
      { path: 'services[].consumer.visibility_timeout_seconds', reason: 'JetStream has no visibility timeout: a message is redelivered when its ack wait (timeout_seconds) runs out', hint: 'remove it and set timeout_seconds', passes: 'absent', accepts: (v) => v === undefined },
      {
        path: 'security.api_key_rotation_days',
        reason: 'secrets allframe manages (secrets[].managed: allframe) are generated once by deploy.sh and kept by Fly; they are not rotated on a period',
        hint: 'remove it, or rotate by unsetting the secret (flyctl secrets unset) and running deploy.sh',
        passes: dflt(90),
        accepts: is(90),
      },
      { path: 'compliance.data_retention_days', reason: 'Fly.io keeps a Machine\'s logs briefly and has no retention setting: keep them as long as you need where you ship them (the fly-log-shipper app)', hint: 'remove it', passes: 'absent', accepts: (v) => v === undefined },
      { path: 'observability.alarms_email', reason: 'Fly.io has no alerting service of its own: alert from its managed Grafana on the Machines\' and the proxy\'s metrics', hint: 'remove it or leave it empty', passes: 'absent or empty', accepts: (v) => v === undefined || v === '' },
      { path: 'observability.metrics', reason: 'the services expose no Prometheus metrics yet; Fly\'s own metrics of the Machines and the proxy are kept without it', hint: 'remove it', passes: 'absent', accepts: (v) => v === undefined },
      // Object storage on fly is a Tigris bucket made by deploy.sh (fly storage create), which keeps no versions,
      // takes no lifecycle, and hands its keys (read-write) to one app only.
      { path: 'services[].storage.versioning', reason: 'Tigris, the object storage on fly, keeps no earlier versions of objects', hint: 'remove it or set it to false', passes: '`false` (the default on fly)', accepts: is(false) },
      {
        path: 'services[].storage.retention_days',
        reason: 'deploy.sh creates the Tigris bucket with fly storage create, which sets no lifecycle; allframe does not apply an expiration rule to it yet',
        hint: 'remove it, and expire objects with a Tigris lifecycle rule (tigris buckets lifecycle create) if you need to',
        passes: dflt(0),
        accepts: is(0),
      },
      {
        path: 'services[].storage.readers',
        reason: 'fly storage create gives the keys of a Tigris bucket (read-write) to one app; allframe makes no read-only keys for other apps yet',
        hint: 'remove it: let the owner serve what the readers need over its API',
        passes: dflt([]),
        accepts: isEmpty,
      },
    ],
  },
};

/** A value as the message shows it: `canary`, `[rest, graphql]`, `true`. */
function showValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (const p of path) cur = Array.isArray(cur) ? (cur as unknown[])[Number(p)] : isObject(cur) && Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : undefined;
  return cur;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `services[].consumes[].filter.<name>` as steps: keys, `[]` (every item) and `<name>` (every key of a map). */
function steps(path: string): string[] {
  return path.split('.').flatMap((p) => (p.endsWith('[]') ? [p.slice(0, -2), '[]'] : [p]));
}

/** The concrete paths under `base` (in `root`) where the file has a value for `rest`. */
function expand(root: unknown, base: DocPath, rest: readonly string[]): DocPath[] {
  const here = valueAt(root, base.map(String));
  if (here === undefined) return [];
  if (rest.length === 0) return [base];
  const [step, ...more] = rest as [string, ...string[]];
  if (step === '[]') return Array.isArray(here) ? here.flatMap((_, i) => expand(root, [...base, i], more)) : [];
  if (step === '<name>') return isObject(here) ? Object.keys(here).flatMap((k) => expand(root, [...base, k], more)) : [];
  return expand(root, [...base, step], more);
}

/**
 * Every key of the target's refusal table that the file itself sets (in the service, or in the selected
 * environment's override of it) to a value the entry does not accept, as AF5010 at the place it is set.
 */
export function checkRefusals(raw: unknown, model: ResolvedArchitecture, report: (init: DiagnosticInit) => void): void {
  const t = model.target;
  const table = REFUSALS[t];
  if (table.whole !== undefined) return;
  for (const r of table.keys) {
    const [head, ...rest] = steps(r.path);
    const found: { at: DocPath; value: unknown; service?: ResolvedService }[] = [];
    if (head === 'services' && rest[0] === '[]') {
      for (const s of model.services) {
        const inEnvironment = model.environment !== undefined ? expand(raw, ['environments', model.environment, 'overrides', s.name], rest.slice(1)) : [];
        // The environment's value is the one that applies (resolve merged it over the service's).
        const ats = inEnvironment.length > 0 ? inEnvironment : expand(raw, ['services', s.index], rest.slice(1));
        const offset = inEnvironment.length > 0 ? 4 : 2;
        for (const at of ats) found.push({ at, value: valueAt(s.spec, at.slice(offset).map(String)), service: s });
      }
    } else {
      for (const at of expand(raw, [head!], rest)) found.push({ at, value: valueAt(model.file, at.map(String)) });
    }
    for (const { at, value, service } of found) {
      const ctx = { model, ...(service ? { service } : {}) };
      if (r.accepts(value, ctx)) continue;
      report({
        code: 'AF5010',
        message: `${formatPath(at)} ${r.show ? r.show(value, ctx) : showValue(value)} is not yet supported on ${t}; ${r.hint}`,
        path: at,
        hint: `${r.reason} (docs/target-support.md)`,
      });
    }
  }
}
