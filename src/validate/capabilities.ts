import { ARCHETYPES } from '../model/archetypes';
import type { TargetId } from '../model/constants';
import { Diagnostic, DiagnosticInit, DocPath } from '../model/diagnostics';
import { LIMITS, TARGET_CAPABILITIES, targetNotAvailable } from '../model/targets';
import { AWS_REGION_MAX_LENGTH, FLY_CPU_KINDS, flyCpusFor, flyVmFits } from '../../lib-constructs/core/cloud-limits';
import { FLY_BUS_SERVICE_NAME } from '../model/names';
import { SourceDocument, isRecord } from '../parse';
import type { ResolvedArchitecture, ResolvedService } from '../resolve';
import { singleProcessReason } from '../resolve/model';
import { toEventBridgeCron } from '../../lib-constructs/core/cron';
import { isCronProblem, parseCron } from './cron';
import { checkRefusals } from './refusals';
import { svcPath } from './semantic';

/**
 * What the selected target can honour. Anything it cannot is an error naming the service and the target
 * (AF5001, AF5002, AF5003, and AF5010 for the keys of its refusal table), never a silent downgrade.
 */
export function checkTarget(doc: SourceDocument, raw: unknown, model: ResolvedArchitecture, diags: Diagnostic[]): void {
  const report = (init: DiagnosticInit) => diags.push(doc.diagnostic(init));
  const t = model.target;
  const caps = TARGET_CAPABILITIES[t];
  const file = model.file;
  const rawFile = isRecord(raw) ? raw : {};
  /** Whether the file itself (not a default) has a value at `path`. */
  const set = (...path: (string | number)[]) => {
    let cur: unknown = rawFile;
    for (const p of path) cur = Array.isArray(cur) && typeof p === 'number' ? cur[p] : isRecord(cur) && typeof p === 'string' ? cur[p] : undefined;
    return cur !== undefined;
  };
  const list = (xs: readonly string[]) => xs.join(', ');

  // A target not built yet is refused, and still checked below for what it will honour.
  if (!caps.available) {
    const names = (...path: (string | number)[]) => set(...path) && path.reduce<unknown>((cur, p) => (isRecord(cur) ? cur[p] : undefined), rawFile) === t;
    const inEnvironment = model.environment !== undefined ? ['environments', model.environment, 'cloud', 'primary'] : undefined;
    const primaryPath = inEnvironment !== undefined && names(...inEnvironment) ? inEnvironment : names('cloud', 'primary') ? ['cloud', 'primary'] : undefined;
    report(targetNotAvailable(t, primaryPath));
  }

  // The target's own block and limits: one function per target (TARGET_CHECKS).
  /** Whether the file itself (the service, or the selected environment's override of it) sets `key`, not a default. */
  const explicitlySet = (s: ResolvedService, key: string): boolean =>
    set('services', s.index, key) || (model.environment !== undefined && set('environments', model.environment, 'overrides', s.name, key));
  const checks = TARGET_CHECKS[t];
  const ctx: TargetCheckContext = { model, report, explicitlySet };
  checks.file?.(ctx);

  // Platform-wide choices
  const usesBus = model.services.filter((s) => (s.spec.publishes ?? []).length > 0 || (s.spec.consumes ?? []).length > 0 || s.kind === 'stream-processor');
  if (!caps.eventBuses.includes(model.eventBus)) {
    for (const s of usesBus) {
      const what = (s.spec.consumes ?? []).length > 0 ? 'consumes' : s.kind === 'stream-processor' ? 'stream' : 'publishes';
      report({
        code: 'AF5001',
        message: `service "${s.name}" (${s.kind}) ${what === 'publishes' ? 'publishes' : 'consumes'} events over ${model.eventBus}, which target ${t} (${caps.title}) cannot provide; it supports: ${list(caps.eventBuses)}`,
        path: svcPath(s, what),
        at: 'key',
        hint: set('settings', 'event_bus') ? `set settings.event_bus to ${caps.eventBuses[0]} for ${t}, or choose another target` : `choose another target`,
      });
    }
  }
  if (set('security', 'secrets_manager') && !caps.secretsManagers.includes(model.secretsManager)) {
    report({ code: 'AF5001', message: `secrets manager ${model.secretsManager} is not available on target ${t}; it supports: ${list(caps.secretsManagers)}`, path: ['security', 'secrets_manager'], hint: `remove it to use the target's default (${caps.secretsManagers[0]})` });
  }
  if (set('observability', 'metrics') && !caps.metrics.includes(model.metrics)) {
    report({ code: 'AF5001', message: `metrics backend ${model.metrics} is not available on target ${t}; it supports: ${list(caps.metrics)}`, path: ['observability', 'metrics'], hint: `remove it to use the target's default (${caps.metrics[0]})` });
  }
  const registry = file.settings?.events?.schema_registry ?? 'none';
  if (!caps.schemaRegistries.includes(registry)) {
    report({ code: 'AF5001', message: `schema registry ${registry} is not available on target ${t}; it supports: ${list(caps.schemaRegistries)}`, path: ['settings', 'events', 'schema_registry'] });
  }
  if (set('settings', 'default_database') && !caps.databases.includes(model.defaultDatabase)) {
    const users = model.services.filter((s) => (s.database === model.defaultDatabase && !s.spec.database?.type) || (s.eventStore === model.defaultDatabase && !s.spec.cqrs?.event_store));
    if (users.length > 0) {
      report({
        code: 'AF5001',
        message: `default database ${model.defaultDatabase} is not available on target ${t}, and ${users.map((s) => s.name).join(', ')} ${users.length === 1 ? 'uses' : 'use'} it; ${t} supports: ${list(caps.databases)}`,
        path: ['settings', 'default_database'],
        hint: `use ${caps.databases[0]!} on ${t}, or remove it to use the target's default`,
      });
    }
  }


  for (const s of model.services) checkService(s);
  // Keys the target does not honour yet (refusals.ts): AF5010 where the file sets them.
  checkRefusals(raw, model, report);

  function checkService(s: ResolvedService): void {
    const spec = s.spec;
    const info = ARCHETYPES[s.kind];
    if (!caps.archetypes.includes(s.kind)) {
      report({ code: 'AF5001', message: `service "${s.name}": archetype ${s.kind} is not supported on target ${t}`, path: svcPath(s, 'type') });
      return;
    }
    if (spec.database?.type !== undefined && !caps.databases.includes(spec.database.type)) {
      report({ code: 'AF5001', message: `service "${s.name}" uses database ${spec.database.type}, which target ${t} (${caps.title}) does not provide; it supports: ${list(caps.databases)}`, path: svcPath(s, 'database', 'type'), hint: `use database.type ${caps.databases[0]!}, or choose another target` });
    }
    const store = spec.cqrs?.event_store;
    if (store !== undefined && !caps.databases.includes(store)) {
      report({ code: 'AF5001', message: `service "${s.name}" keeps its events in ${store}, which target ${t} does not provide; it supports: ${list(caps.databases.filter((d) => d !== 'none'))}`, path: svcPath(s, 'cqrs', 'event_store'), hint: `use cqrs.event_store ${caps.databases[0]!}, or choose another target` });
    }
    if (info.compute && !caps.computes.includes(s.compute)) {
      report({
        code: 'AF5001',
        message: `service "${s.name}" asks for compute ${s.requestedCompute}, which target ${t} (${caps.title}) does not run; it runs: ${list([...caps.computes, ...Object.keys(caps.translates)])}`,
        path: svcPath(s, 'compute'),
        hint: `remove compute to use the target's default, or set it per environment`,
      });
      return;
    }

    // Numeric limits of the cloud services, and what else the target decides per service
    checks.service?.(s, ctx);
  }
}

/** What a target's own checks get: the model, the reporter and whether the file itself sets a service key. */
export interface TargetCheckContext {
  readonly model: ResolvedArchitecture;
  readonly report: (init: DiagnosticInit) => void;
  /** Whether the file itself (the service, or the selected environment's override of it) sets `key`, not a default. */
  readonly explicitlySet: (s: ResolvedService, key: string) => boolean;
}

/** A target's own checks: its block of the file, and each service's limits on that target. */
export interface TargetChecks {
  readonly file?: (ctx: TargetCheckContext) => void;
  readonly service?: (s: ResolvedService, ctx: TargetCheckContext) => void;
}

/** One entry per target, so that a new target gets its checks or says it has none (a missing one fails tsc). */
export const TARGET_CHECKS: Record<TargetId, TargetChecks> = {
  aws: { service: checkAwsService },
  gcp: { file: checkGcpFile, service: checkGcpService },
  fly: { file: checkFlyFile, service: checkFlyService },
};

function checkAwsService(s: ResolvedService, { model, report }: TargetCheckContext): void {
  const spec = s.spec;
  const info = ARCHETYPES[s.kind];
  const timeout = s.sizing.timeout_seconds;
  const certificate = model.file.cloud?.aws?.certificate_arn;
  const region = model.file.cloud?.aws?.region;
  if (s.storage !== undefined) {
    // <prefix>-<service>-<account>-<region>: the account has 12 digits; an unknown region counts as the longest.
    const prefix = model.environment !== undefined ? `${model.file.architecture.name}-${model.environment}` : model.file.architecture.name;
    const length = `${prefix}-${s.name}`.length + 1 + 12 + 1 + (region?.length ?? AWS_REGION_MAX_LENGTH);
    if (length > LIMITS.bucketName) {
      report({
        code: 'AF5002',
        message: `service "${s.name}": its bucket's name <architecture>-<service>-<account>-<region> would have ${length} characters; S3 allows ${LIMITS.bucketName} on target aws`,
        path: svcPath(s, 'storage'),
        at: 'key',
        hint: 'shorten the service or architecture name',
      });
    }
  }
  if (s.compute === 'fargate' && s.protocols.includes('grpc') && certificate !== undefined && region !== undefined && certificate.split(':')[3] !== region) {
    report({
      code: 'AF5001',
      message: `service "${s.name}" serves grpc on Fargate in ${region}, but cloud.aws.certificate_arn is a certificate of ${certificate.split(':')[3] ?? '?'}: a load balancer uses certificates of its own region only`,
      path: svcPath(s, 'protocols'),
      hint: `set cloud.aws.certificate_arn to a certificate in ${region} (in environments.<name>.cloud.aws for an environment in another region)`,
    });
  }
  if (s.compute === 'fargate' && s.protocols.includes('grpc') && certificate === undefined) {
    report({
      code: 'AF5001',
      message: `service "${s.name}" serves grpc on Fargate, which needs an HTTPS listener on its load balancer on target aws (an Application Load Balancer carries gRPC over HTTPS only)`,
      path: svcPath(s, 'protocols'),
      hint: 'set cloud.aws.certificate_arn to an ACM certificate for the listener, or remove grpc',
    });
  }
  if (s.compute === 'lambda' && info.compute) {
    if (timeout > LIMITS.lambdaTimeoutSeconds) {
      report({ code: 'AF5002', message: `service "${s.name}": timeout_seconds ${timeout} is above Lambda's limit of ${LIMITS.lambdaTimeoutSeconds} s on target aws`, path: svcPath(s, 'timeout_seconds'), hint: 'use compute: fargate for long-running work' });
    } else if (info.serves && s.kind !== 'websocket-gateway' && timeout > LIMITS.httpApiTimeoutSeconds) {
      report({ code: 'AF5002', message: `service "${s.name}": timeout_seconds ${timeout} is above the ${LIMITS.httpApiTimeoutSeconds} s API Gateway allows for a request on target aws`, path: svcPath(s, 'timeout_seconds'), hint: 'lower it to 30, or use compute: fargate (behind a load balancer)' });
    }
    const mem = s.sizing.memory_mb;
    if (mem > LIMITS.lambdaMemoryMb.max) {
      report({ code: 'AF5002', message: `service "${s.name}": memory_mb ${mem} is above Lambda's limit of ${LIMITS.lambdaMemoryMb.max} MiB on target aws`, path: svcPath(s, 'memory_mb') });
    }
    if (s.protocols.includes('grpc')) {
      report({ code: 'AF5001', message: `service "${s.name}" serves grpc, which API Gateway in front of Lambda cannot carry on target aws`, path: svcPath(s, 'protocols'), hint: 'use compute: fargate: a load balancer carries gRPC to the tasks over HTTP/2' });
    }
    if (spec.schedule && s.sizing.schedule.timeout_minutes * 60 > LIMITS.lambdaTimeoutSeconds) {
      report({ code: 'AF5002', message: `service "${s.name}": schedule.timeout_minutes ${s.sizing.schedule.timeout_minutes} is above Lambda's 15 minutes on target aws`, path: svcPath(s, 'schedule', 'timeout_minutes'), hint: 'use compute: fargate for longer jobs' });
    }
    if (spec.consumer && s.sizing.consumer.batch_size > LIMITS.lambdaSqsMaxBatchWithoutWindow) {
      report({ code: 'AF5002', message: `service "${s.name}": consumer.batch_size ${s.sizing.consumer.batch_size} is above the ${LIMITS.lambdaSqsMaxBatchWithoutWindow} messages a Lambda queue consumer receives per batch without a batching window on target aws`, path: svcPath(s, 'consumer', 'batch_size'), hint: `use ${LIMITS.lambdaSqsMaxBatchWithoutWindow} or less, or compute: fargate` });
    }
    if (spec.consumer && s.sizing.consumer.concurrency < LIMITS.lambdaSqsMinConcurrency) {
      report({ code: 'AF5002', message: `service "${s.name}": consumer.concurrency ${s.sizing.consumer.concurrency} is below the minimum of ${LIMITS.lambdaSqsMinConcurrency} for a Lambda queue consumer on target aws`, path: svcPath(s, 'consumer', 'concurrency') });
    }
  }
  if (s.compute === 'fargate' && info.compute) {
    const { cpu, memory_mb: mem } = s.sizing;
    const allowed = LIMITS.fargate[cpu];
    if (!allowed) {
      report({ code: 'AF5002', message: `service "${s.name}": cpu ${cpu} is not a Fargate size on target aws; use ${Object.keys(LIMITS.fargate).join(', ')}`, path: svcPath(s, 'cpu') });
    } else if (!allowed.includes(mem)) {
      report({ code: 'AF5002', message: `service "${s.name}": memory_mb ${mem} does not fit cpu ${cpu} on Fargate (target aws); with cpu ${cpu} use ${allowed[0]}..${allowed[allowed.length - 1]}${allowed.length > 2 ? ` in steps of ${allowed[1]! - allowed[0]!}` : ''}`, path: svcPath(s, 'memory_mb') });
    }
  }
  if (spec.consumer) {
    const visibility = s.sizing.consumer.visibility_timeout_seconds ?? 6 * timeout;
    if (visibility > LIMITS.sqsMaxVisibilitySeconds) {
      report({ code: 'AF5002', message: `service "${s.name}": the queue visibility timeout would be ${visibility} s (6 × timeout_seconds), above SQS's ${LIMITS.sqsMaxVisibilitySeconds} s on target aws`, path: svcPath(s, 'timeout_seconds') });
    }
  }
  if (spec.schedule) {
    const parsed = parseCron(spec.schedule.cron);
    if (!isCronProblem(parsed) && parsed.fields[2] !== '*' && parsed.fields[4] !== '*') {
      report({ code: 'AF5001', message: `service "${s.name}": the schedule restricts both day-of-month and day-of-week, which EventBridge cron cannot express on target aws`, path: svcPath(s, 'schedule', 'cron'), hint: 'restrict only one of the two and use * for the other' });
    } else if (!isCronProblem(parsed)) {
      try {
        toEventBridgeCron(spec.schedule.cron);
      } catch (e) {
        report({ code: 'AF5001', message: `service "${s.name}": ${(e as Error).message} (target aws)`, path: svcPath(s, 'schedule', 'cron'), hint: 'write the days as a list or a range without a step, e.g. 1,3,5 or MON-FRI' });
      }
    }
  }
}

function checkGcpFile({ model, report }: TargetCheckContext): void {
  const file = model.file;
  for (const key of ['project_id', 'state_bucket'] as const) {
    if (file.cloud?.gcp?.[key] === undefined) {
      report({ code: 'AF5003', message: `target gcp needs cloud.gcp.${key}`, path: file.cloud?.gcp ? ['cloud', 'gcp'] : file.cloud ? ['cloud'] : [], at: 'key', hint: key === 'project_id' ? 'add cloud: { gcp: { project_id: my-project } }' : 'add cloud.gcp.state_bucket: the GCS bucket that holds the Terraform state' });
    }
  }
}

function checkGcpService(s: ResolvedService, { model, report, explicitlySet }: TargetCheckContext): void {
  const spec = s.spec;
  const info = ARCHETYPES[s.kind];
  const timeout = s.sizing.timeout_seconds;
  const file = model.file;
  const retries = spec.consumer?.max_retries;
  if (spec.consumer && spec.consumer.dlq !== false && retries !== undefined && (retries < LIMITS.pubsubDeliveryAttempts.min || retries > LIMITS.pubsubDeliveryAttempts.max)) {
    report({ code: 'AF5002', message: `service "${s.name}": consumer.max_retries ${retries} is outside the ${LIMITS.pubsubDeliveryAttempts.min}..${LIMITS.pubsubDeliveryAttempts.max} delivery attempts Pub/Sub dead-lettering allows on target gcp`, path: svcPath(s, 'consumer', 'max_retries') });
  }
  if (spec.consumer && timeout > LIMITS.pubsubMaxAckDeadlineSeconds) {
    report({ code: 'AF5002', message: `service "${s.name}": timeout_seconds ${timeout} is above Pub/Sub's longest ack deadline (${LIMITS.pubsubMaxAckDeadlineSeconds} s) on target gcp`, path: svcPath(s, 'timeout_seconds') });
  }
  if (s.kind === 'cache' && s.sizing.cache.backend !== 'redis') {
    report({ code: 'AF5001', message: `service "${s.name}": cache backend ${s.sizing.cache.backend} is not available on target gcp (Memorystore for Redis); it supports: redis`, path: svcPath(s, 'cache', 'backend'), hint: 'use backend: redis, or choose another target' });
  }
  if (s.kind === 'websocket-gateway' && (spec.subscriptions?.events ?? []).length > 0 && explicitlySet(s, 'max_instances') && s.sizing.max_instances > 1) {
    report({
      code: 'AF5002',
      message: `service "${s.name}": max_instances ${spec.max_instances} with subscriptions.events on target gcp: a Pub/Sub push reaches one Cloud Run instance, so connections held by the others would miss the broadcast`,
      path: svcPath(s, 'max_instances'),
      hint: 'set max_instances: 1 (one instance holds every connection), or drop subscriptions.events',
    });
  }
  // Archetypes that run on exactly one Cloud Run instance: instance counts above one would be lowered silently.
  const reason = singleProcessReason(s);
  const single =
    reason === 'windows'
      ? 'its open windows live in one instance\'s memory'
      : reason === 'documents'
        ? 'a CRDT document\'s updates reach the connections of the instance that took them, so one instance holds every editor'
      : reason === 'one-run-at-a-time'
        ? `one run at a time (overlap_policy ${s.sizing.schedule.overlap_policy}) is one instance`
        : s.kind === 'websocket-gateway' && (spec.subscriptions?.events ?? []).length > 0
          ? 'a Pub/Sub push reaches one instance, which must hold every connection'
          : undefined;
  for (const key of ['min_instances', 'max_instances'] as const) {
    if (single === undefined || !explicitlySet(s, key) || s.sizing[key] <= 1) continue;
    if (key === 'max_instances' && s.kind === 'websocket-gateway' && (spec.subscriptions?.events ?? []).length > 0) continue; // reported above, with its own hint
    report({ code: 'AF5002', message: `service "${s.name}": ${key} ${spec[key]} on target gcp, where a ${s.kind} service runs on one instance: ${single}`, path: svcPath(s, key), hint: `remove ${key} or set it to 1${s.kind === 'scheduled' ? ', or use overlap_policy: allow' : ''}` });
  }
  if (spec.schedule && s.sizing.schedule.timeout_minutes > LIMITS.scheduledRunMinutes) {
    report({ code: 'AF5002', message: `service "${s.name}": schedule.timeout_minutes ${s.sizing.schedule.timeout_minutes} is above the ${LIMITS.scheduledRunMinutes} minutes Cloud Scheduler waits for a run (one request to Cloud Run) on target gcp`, path: svcPath(s, 'schedule', 'timeout_minutes'), hint: `lower it to ${LIMITS.scheduledRunMinutes} or less` });
  }
  const full = `${file.architecture.name}-${s.name}`;
  if (info.compute && full.length > LIMITS.cloudRunServiceName) {
    report({ code: 'AF5002', message: `service "${s.name}": the Cloud Run service name "${full}" would have ${full.length} characters; Cloud Run allows ${LIMITS.cloudRunServiceName} on target gcp`, path: svcPath(s, 'name'), hint: 'shorten the service or architecture name' });
  }
  // The bucket is <project>-<architecture>-<service> (cut to 63 characters with a hash when longer); project ids
  // never contain "google", Cloud Storage refuses bucket names that do.
  if (s.storage !== undefined && full.includes('google')) {
    report({ code: 'AF5002', message: `service "${s.name}": its bucket's name (${file.cloud?.gcp?.project_id ?? '<project>'}-${full}) would contain "google", which Cloud Storage refuses on target gcp`, path: svcPath(s, 'storage'), at: 'key', hint: 'rename the service or the architecture' });
  }
}

function checkFlyFile({ model, report }: TargetCheckContext): void {
  const prefix = model.platform.fly.app_prefix;
  // The event bus's app is <prefix>-nats: a service of that name would take the bus's app.
  const bus = model.services.find((s) => s.name === FLY_BUS_SERVICE_NAME);
  if (bus !== undefined) {
    report({ code: 'AF5002', message: `service "${bus.name}" would be the Fly app ${prefix}-${bus.name}, which is the event bus's app on target fly`, path: svcPath(bus, 'name'), hint: 'rename the service' });
  }
  for (const s of model.services) {
    const app = `${prefix}-${s.name}`;
    if (app.length > LIMITS.flyAppName) {
      report({ code: 'AF5002', message: `service "${s.name}": the Fly app name "${app}" would have ${app.length} characters; Fly allows ${LIMITS.flyAppName} on target fly`, path: svcPath(s, 'name'), hint: 'shorten the service name, or set a shorter cloud.fly.app_prefix' });
    }
  }
}

function checkFlyService(s: ResolvedService, { model, report, explicitlySet }: TargetCheckContext): void {
  const info = ARCHETYPES[s.kind];
  if (!info.compute) return;
  const kind = model.platform.fly.cpu_kind;
  const limits = FLY_CPU_KINDS[kind];
  const cpus = flyCpusFor(kind, s.sizing.cpu);
  if (cpus === undefined) {
    report({ code: 'AF5002', message: `service "${s.name}": cpu ${s.sizing.cpu} is ${Math.ceil(s.sizing.cpu / 1024)} CPUs; Fly's ${kind} Machines have at most ${limits.cpus[limits.cpus.length - 1]!} on target fly`, path: svcPath(s, 'cpu'), hint: kind === 'shared' ? 'lower cpu, or set cloud.fly.cpu_kind: performance' : 'lower cpu' });
  } else if (!flyVmFits(kind, cpus, s.sizing.memory_mb)) {
    const [min, max] = [limits.minMemoryMbPerCpu * cpus, limits.maxMemoryMbPerCpu * cpus];
    report({
      code: 'AF5002',
      message: `service "${s.name}": memory_mb ${s.sizing.memory_mb} is not a size Fly offers with ${cpus} ${kind} CPU${cpus > 1 ? 's' : ''} (cpu ${s.sizing.cpu}) on target fly: ${min} to ${max} MB in steps of ${limits.memoryStepMb} MB`,
      path: svcPath(s, 'memory_mb'),
      hint: `use a multiple of ${limits.memoryStepMb} from ${min} to ${max}`,
    });
  }
  // Archetypes that run on exactly one Machine: more would be lowered silently.
  const reason = singleProcessReason(s);
  const single =
    reason === 'windows'
      ? 'its open windows live in one process\'s memory'
      : reason === 'documents'
        ? 'a CRDT document\'s updates reach the connections of the Machine that took them, so one Machine holds every editor'
        : reason === 'one-run-at-a-time'
          ? `one run at a time (overlap_policy ${s.sizing.schedule.overlap_policy}) is one scheduler process`
          : undefined;
  // (max_instances of a service working without requests is refused with AF5010: it runs min_instances Machines)
  if (single !== undefined && explicitlySet(s, 'min_instances') && s.sizing.min_instances > 1) {
    report({ code: 'AF5002', message: `service "${s.name}": min_instances ${s.sizing.min_instances} on target fly, where a ${s.kind} service runs on one Machine: ${single}`, path: svcPath(s, 'min_instances'), hint: `remove min_instances or set it to 1${s.kind === 'scheduled' ? ', or use overlap_policy: allow' : ''}` });
  }
}

export type { DocPath };
