/**
 * One handler per archetype: what each kind of service becomes on GCP (the Record makes a missing one a type
 * error). Every service runs on Cloud Run as its own account (app.ts); handlers add its data, its subscriptions,
 * schedules and workflows, and the configuration the generated code reads.
 */
import { databaseName } from '../../model/names';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Fn, dependable } from 'cdktf';
import { RUN_MAX_CONCURRENCY, RUN_MAX_TIMEOUT_SECONDS, WORKFLOWS_MAX_CALL_TIMEOUT_SECONDS } from '../../../lib-constructs/core/cloud-limits';
import { everyCron } from '../../../lib-constructs/core/cron';
import type { WorkflowRetry } from '../../../lib-constructs/core/gcp-data-defaults';
import { fitName, runServiceAccountId } from '../../../lib-constructs/core/gcp-run-defaults';
import { sagaSteps } from '../../../lib-constructs/core/saga';
import type { ArchetypeKind } from '../../model/archetypes';
import { LIMITS } from '../../model/targets';
import { crdtOf, keepsIdempotencyRecords, type Resilience } from '../../resolve/model';
import type { GcpServicePlan } from './app';
import { projectRole } from './project-role';
import { load } from './lazy';
import { gcpProject, gcpRegion } from './naming';

export type GcpHandler = (plan: GcpServicePlan) => void;

/** Cloud Scheduler's HTTP targets wait at most 30 minutes for an answer. */
const SCHEDULER_MAX_ATTEMPT_SECONDS = 1800;
/** Where a cache service finds its Memorystore instance's server CA. */
const CACHE_CA_DIR = '/etc/allframe/cache-ca';
/** Pub/Sub ack deadlines: 10 to 600 seconds. */
const ACK_DEADLINE = { min: 10, max: LIMITS.pubsubMaxAckDeadlineSeconds };

/** The email of a service's account as a literal (`plan.email` is its reference, for grants). */
function serviceAccountEmail(plan: GcpServicePlan): string {
  return `${runServiceAccountId(plan.name)}@${gcpProject(plan.stack.model)}.iam.gserviceaccount.com`;
}

const made = new WeakMap<GcpServicePlan, Set<string>>();

/** Runs `make` once per plan and key. */
function once(plan: GcpServicePlan, key: string, make: () => void): void {
  const done = made.get(plan) ?? new Set<string>();
  made.set(plan, done);
  if (done.has(key)) return;
  done.add(key);
  make();
}

/** The collections whose documents expire: the outbox (outbox pattern) and idempotency records. */
function expiringCollections(plan: GcpServicePlan): string[] {
  const s = plan.service;
  const out: string[] = [];
  if (keepsIdempotencyRecords(s)) out.push('idempotency');
  if (s.spec.messaging?.pattern === 'outbox') out.push('outbox');
  return out;
}

/** A Firestore database of the service's own; its account is a Datastore user of that database only. */
function firestore(plan: GcpServicePlan): void {
  once(plan, 'firestore', () => {
    const model = plan.stack.model;
    const db = new (load.database())(plan.stack, `${plan.service.name}-firestore`, { engine: 'firestore', name: plan.name, location: gcpRegion(model) });
    plan.setEnv('FIRESTORE_DATABASE', plan.name);
    // Outbox entries and idempotency records carry expiresAt: Firestore deletes them past it.
    for (const collection of expiringCollections(plan)) {
      new (load.firestoreField())(plan.stack, `${plan.service.name}-${collection}-ttl`, {
        database: db.firestoreDatabase!.name,
        collection: `${plan.name}-${collection}`,
        field: 'expiresAt',
        ttlConfig: {},
      });
    }
    const grant = projectRole(plan, 'firestore-user', 'roles/datastore.user', plan.email, {
      title: 'own-firestore-database',
      expression: `resource.name == "projects/${gcpProject(model)}/databases/${plan.name}"`,
    });
    plan.dependsOn.push(db.firestoreDatabase!, grant);
  });
}

/**
 * A Cloud SQL PostgreSQL instance of the service's own, private IP only in the architecture's VPC; the service's
 * account is its IAM database user (no password exists) and a Cloud SQL client of that instance only.
 */
function postgres(plan: GcpServicePlan): void {
  once(plan, 'postgres', () => {
    const model = plan.stack.model;
    const network = plan.shared.network();
    const db = new (load.database())(plan.stack, `${plan.service.name}-postgres`, {
      engine: 'postgres',
      name: plan.name,
      location: gcpRegion(model),
      network: network.networkId,
      databaseName: databaseName(plan.service.name),
    });
    // Cloud SQL takes its private IP from the peered range: the peering comes first.
    db.sqlInstance!.dependsOn = [dependable(network.privateServicesConnection)];
    // Cloud SQL names an IAM service-account user by its email without the domain suffix: the user resource takes it
    // from the account (so it waits for it), the connection string as the literal it resolves to.
    const user = serviceAccountEmail(plan).replace(/\.gserviceaccount\.com$/, '');
    const dbUser = new (load.sqlUser())(plan.stack, `${plan.service.name}-db-user`, {
      name: Fn.trimsuffix(plan.email, '.gserviceaccount.com'),
      instance: db.sqlInstance!.name,
      type: 'CLOUD_IAM_SERVICE_ACCOUNT',
    });
    // Logging in with IAM (the service connects to the private IP directly, no connector): instanceUser is enough.
    const grant = projectRole(plan, 'sql-instance-user', 'roles/cloudsql.instanceUser', plan.email, {
      title: 'own-sql-instance',
      expression: `resource.type == "sqladmin.googleapis.com/Instance" && resource.name == "projects/${gcpProject(model)}/instances/${plan.name}"`,
    });
    plan.dependsOn.push(dbUser, grant);
    plan.useVpc('PRIVATE_RANGES_ONLY');
    plan.setEnv('DATABASE_URL', `postgres://${encodeURIComponent(user)}@${db.privateIpAddress!}:5432/${db.databaseName}`);
    // TLS is checked against the instance's own CA (its certificate does not name the private IP).
    plan.setEnv('PG_SERVER_CA', db.sqlInstance!.serverCaCert.get(0).cert);
    plan.setEnv('PG_IAM_AUTH', 'true');
    plan.setEnv('PG_IAM_PROVIDER', 'gcp');
  });
}

/** The service's own data, as `database` says, and where the generated code keeps its tables. */
function serviceData(plan: GcpServicePlan): void {
  const s = plan.service;
  if (s.database === 'none') return;
  plan.setEnv('STORE', s.database);
  plan.setEnv('TABLE_PREFIX', plan.name);
  if (s.database === 'firestore') firestore(plan);
  else if (s.database === 'postgres') postgres(plan);
}

/** An HTTP service: with the outbox pattern its relay runs on a timer, so the CPU stays allocated. */
function httpService(plan: GcpServicePlan): void {
  if (plan.service.spec.messaging?.pattern === 'outbox') plan.cpuAlwaysAllocated = true;
  serviceData(plan);
}

/** A Cloud Scheduler job calling `path` of the service with an OIDC token of its own account. */
function schedule(plan: GcpServicePlan, id: string, props: { cron: string; path: string; timeZone: string; retryCount: number; attemptSeconds: number }): void {
  new (load.scheduledJob())(plan.stack, `${plan.service.name}-${id}`, {
    name: `${plan.name}-${id}`,
    schedule: props.cron,
    serviceUrl: plan.shared.urlOf(plan.service.name),
    path: props.path,
    serviceAccountEmail: plan.email,
    region: gcpRegion(plan.stack.model),
    timeZone: props.timeZone,
    retry: { retryCount: props.retryCount },
    attemptDeadlineSeconds: Math.min(SCHEDULER_MAX_ATTEMPT_SECONDS, Math.max(15, props.attemptSeconds)),
    description: `Runs ${plan.service.name} (${props.path})`,
  });
  plan.then((run) => run.grantInvoke(run.serviceAccount.email));
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

const stateless: GcpHandler = (plan) => httpService(plan);

const eventSourced: GcpHandler = (plan) => {
  httpService(plan);
  // The resolver sets the event store of every event-sourced service.
  const store = plan.service.eventStore;
  if (store === undefined) throw new Error(`the event store of ${plan.service.name} is not resolved`);
  plan.setEnv('EVENT_STORE', store);
  if (store === 'postgres') postgres(plan);
  else firestore(plan);
  if (plan.env.get('TABLE_PREFIX') === undefined) plan.setEnv('TABLE_PREFIX', plan.name);
};

/** Workflows' longest wait between retries, as the construct checks it (seconds). */
const WORKFLOW_MAX_DELAY_SECONDS = 3600;

/**
 * The service's retry settings (`resilience.retry`, or the service's own `retry`) as a Workflows retry policy:
 * `max_attempts` counts the first call, so the retries are one fewer; the delays in whole seconds (at least 1, as
 * the Step Functions retry on AWS), the longest at least the first.
 */
export function workflowStepRetry(r: Resilience['retry']): WorkflowRetry {
  const initialDelaySeconds = clamp(Math.ceil(r.initial_interval_ms / 1000), 1, WORKFLOW_MAX_DELAY_SECONDS);
  return {
    maxRetries: clamp(r.max_attempts - 1, 0, 100),
    initialDelaySeconds,
    maxDelaySeconds: clamp(Math.ceil(r.max_interval_ms / 1000), initialDelaySeconds, WORKFLOW_MAX_DELAY_SECONDS),
    multiplier: r.multiplier,
  };
}

const saga: GcpHandler = (plan) => {
  httpService(plan);
  const spec = plan.service.spec.saga;
  if (!spec) return;
  const model = plan.stack.model;
  const region = gcpRegion(model);
  // The workflow runs as an account of its own that may call this service, and nothing else.
  const runner = new ServiceAccount(plan.stack, `${plan.service.name}-saga-runner`, {
    accountId: runServiceAccountId(`${plan.name}-saga`),
    displayName: `Saga ${spec.name} of ${plan.service.name}`,
    description: `Runs the ${spec.name} workflow; may invoke ${plan.name} only.`,
  });
  new (load.sagaWorkflow())(plan.stack, `${plan.service.name}-saga`, {
    name: plan.name,
    region,
    sagaName: spec.name,
    steps: sagaSteps(spec.steps, spec.compensation ?? []),
    serviceUrl: plan.shared.urlOf(plan.service.name),
    serviceAccountEmail: runner.email,
    callTimeoutSeconds: clamp(plan.service.sizing.timeout_seconds, 1, WORKFLOWS_MAX_CALL_TIMEOUT_SECONDS),
    // Step calls retry as the file says (as the Step Functions steps on AWS); compensations keep the construct's
    // more persistent policy.
    retry: workflowStepRetry(plan.service.resilience.retry),
  });
  plan.setEnv('SAGA_WORKFLOW', `projects/${gcpProject(model)}/locations/${region}/workflows/${plan.name}`);
  plan.then((run) => {
    run.grantInvoke(runner.email);
    // Workflows has neither per-workflow IAM nor IAM conditions on resources: the grant covers the project's workflows.
    projectRole(plan, 'workflows-invoker', 'roles/workflows.invoker', run.serviceAccount.email);
    projectRole(plan, 'saga-runner-logs', 'roles/logging.logWriter', runner.email);
  });
};

const gateway: GcpHandler = (plan) => httpService(plan);

const consumer: GcpHandler = (plan) => {
  const s = plan.service;
  const c = s.sizing.consumer;
  serviceData(plan);
  plan.concurrency = clamp(c.concurrency, 1, RUN_MAX_CONCURRENCY);
  plan.subscribe(s.spec.consumes ?? [], '/events', {
    maxDeliveryAttempts: clamp(c.max_retries, LIMITS.pubsubDeliveryAttempts.min, LIMITS.pubsubDeliveryAttempts.max),
    ackDeadlineSeconds: clamp(s.sizing.timeout_seconds, ACK_DEADLINE.min, ACK_DEADLINE.max),
  });
};

const producer: GcpHandler = (plan) => httpService(plan);

const bff: GcpHandler = (plan) => httpService(plan);

const websocket: GcpHandler = (plan) => {
  const s = plan.service;
  // A connection lives as long as its request: the longest Cloud Run allows, on the instance that took it.
  plan.sessionAffinity = true;
  plan.cpuAlwaysAllocated = true;
  plan.timeoutSeconds = RUN_MAX_TIMEOUT_SECONDS;
  // Every open connection is a request in flight: as many as an instance takes.
  plan.concurrency = RUN_MAX_CONCURRENCY;
  plan.setEnv('CONNECTIONS_STORE', 'memory');
  plan.setEnv('SENDER', 'memory');
  // its database (websocket.crdt keeps its documents there)
  serviceData(plan);
  // CRDT documents: an update reaches the connections of the instance that took it, so one instance holds them all.
  if (crdtOf(s) !== undefined) plan.maxInstances = 1;
  const events = s.spec.subscriptions?.events ?? [];
  if (events.length > 0) {
    // A push reaches one instance, and connections live in instances: one instance sees every connection.
    plan.maxInstances = 1;
    plan.subscribe(events.map((event) => ({ event })), '/broadcast', { unwrapped: true });
  }
};

const scheduled: GcpHandler = (plan) => {
  const cron = plan.service.spec.schedule?.cron;
  serviceData(plan);
  if (cron === undefined) return;
  const sched = plan.service.sizing.schedule;
  const overlap = sched.overlap_policy;
  const seconds = sched.timeout_minutes * 60;
  plan.timeoutSeconds = Math.min(RUN_MAX_TIMEOUT_SECONDS, seconds);
  if (overlap !== 'allow') {
    // One run at a time: a run due while one runs is refused (429); skip drops it, queue retries it later.
    plan.maxInstances = 1;
    plan.concurrency = 1;
  }
  schedule(plan, 'schedule', {
    cron,
    path: '/run',
    timeZone: sched.timezone,
    retryCount: overlap === 'skip' ? 0 : sched.retry_attempts,
    attemptSeconds: seconds,
  });
};

const legacyAdapter: GcpHandler = (plan) => {
  const s = plan.service;
  httpService(plan);
  if (s.sizing.acl.sync_strategy !== 'polling') return;
  schedule(plan, 'poll', {
    cron: everyCron(s.sizing.acl.polling_interval_seconds),
    path: '/sync',
    // An interval: it runs as often in any time zone.
    timeZone: 'UTC',
    retryCount: 0,
    attemptSeconds: s.sizing.timeout_seconds,
  });
};

const streamProcessor: GcpHandler = (plan) => {
  const inputs = plan.service.spec.stream?.input_events ?? [];
  serviceData(plan);
  // Open windows live in the instance's memory: one instance, CPU kept for the timers that close them.
  plan.maxInstances = 1;
  plan.minInstances = 1;
  plan.cpuAlwaysAllocated = true;
  plan.subscribe(inputs.map((event) => ({ event })), '/events', { unwrapped: true });
};

const cache: GcpHandler = (plan) => {
  const s = plan.service;
  const network = plan.shared.network();
  const store = new (load.cache())(plan.stack, `${s.name}-redis`, { name: fitName(plan.name, 40), region: gcpRegion(plan.stack.model), authorizedNetwork: network.networkId });
  // The URL carries the AUTH string: it reaches the service as a secret, never as plain configuration.
  const url = new (load.secret())(plan.stack, `${s.name}-cache-url`, { secretId: `${plan.name}-cache-url` });
  const urlVersion = new (load.secretVersion())(plan.stack, `${s.name}-cache-url-version`, {
    secret: url.secret.id,
    secretData: `rediss://:${store.instance.authString}@${store.host}:${store.port}`,
  });
  plan.secretEnv.set('CACHE_URL', { secret: url.secretId });
  // TLS to Memorystore verifies the instance's own server CA: mounted as a file that Node adds to its trust store.
  const ca = new (load.secret())(plan.stack, `${s.name}-cache-ca`, { secretId: `${plan.name}-cache-ca` });
  const caVersion = new (load.secretVersion())(plan.stack, `${s.name}-cache-ca-version`, { secret: ca.secret.id, secretData: store.instance.serverCaCerts.get(0).cert });
  // A revision reads the versions as it starts: they (and so the instance) come first.
  plan.dependsOn.push(urlVersion, caVersion);
  plan.secretFiles.set(CACHE_CA_DIR, { secret: ca.secretId, fileName: 'ca.pem' });
  plan.setEnv('NODE_EXTRA_CA_CERTS', `${CACHE_CA_DIR}/ca.pem`);
  plan.setEnv('CACHE_BACKEND', 'redis');
  plan.useVpc('PRIVATE_RANGES_ONLY');
  plan.subscribe((s.spec.cache?.invalidation ?? []).map((event) => ({ event })), '/events', { unwrapped: true });
};

export const GCP_HANDLERS: Record<ArchetypeKind, GcpHandler> = {
  stateless,
  'event-sourced': eventSourced,
  'saga-orchestrator': saga,
  gateway,
  consumer,
  producer,
  bff,
  'websocket-gateway': websocket,
  scheduled,
  'legacy-adapter': legacyAdapter,
  'stream-processor': streamProcessor,
  cache,
};
