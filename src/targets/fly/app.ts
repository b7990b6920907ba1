/**
 * The architecture on Fly.io: one app per service on Fly Machines (its fly.toml), one NATS JetStream app carrying
 * the events, and what deploy.sh needs to create and wire them (secrets by name, databases, caches, machine
 * counts). One handler per archetype says what the service needs (its configuration, background work, machines);
 * app.ts gives every service what all share (logging, tracing, the bus, its callees, its secrets).
 */
import { flyVm, serviceApp, type FlyAppConfig, type FlyDeployStrategy } from '../../../lib-constructs/fly/fly-app';
import { calleeUrlVariable, calleesOf } from '../../model/environment';
import type { ArchitectureFile } from '../../model/schema';
import { consumedEvents, publishedEvents, runsWithoutRequests, serviceSecrets, singleProcessReason, type ResolvedArchitecture, type ResolvedService } from '../../resolve/model';
import { plainEnvironment, samplerEnvironment } from '../telemetry';
import { busUrl, callerKeyVariable, flyAppName, flyBucketName, flycastUrl, signingKeyVariable } from './naming';
import { dlqSubject, eventSubjectPrefix, natsStreamName, subjectOf } from './subjects';

/** The port every generated service listens on. */
export const SERVICE_PORT = 8080;
/** The command of a process that serves HTTP only (no background work): the image's own command with the role. */
export const HTTP_ONLY_COMMAND = 'node index.js --role=http';
/** The command of the process that runs the background work (and answers health checks): the image's own. */
export const WORKER_COMMAND = 'node index.js';

/** Where a secret's value comes from when deploy.sh sets it. */
export type SecretSource =
  /** a service secret of the file: from the environment, or generated when allframe manages it and none is set yet */
  | { readonly kind: 'file'; readonly managed: 'allframe' | 'external' }
  /** the service's password on the event bus (generated once, set on the bus and the service) */
  | { readonly kind: 'nats-password' }
  /** the caller's Ed25519 private key for its calls to one callee (one key pair per edge, generated once) */
  | { readonly kind: 'signing-key'; readonly callee: string }
  /** the public key of one caller, at its callee (the other half of that edge's key pair) */
  | { readonly kind: 'caller-key'; readonly caller: string }
  /** DATABASE_URL: set by `fly mpg attach` */
  | { readonly kind: 'postgres' }
  /** CACHE_URL: the Upstash Redis URL, from the environment */
  | { readonly kind: 'cache' }
  /** the service's Tigris bucket (its name, the S3 endpoint, its read-write keys): set by `fly storage create` */
  | { readonly kind: 'bucket'; readonly bucket: string };

/** The secrets `fly storage create` sets on the app it creates a Tigris bucket for. */
export const TIGRIS_SECRETS: readonly string[] = ['AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_S3', 'AWS_SECRET_ACCESS_KEY', 'BUCKET_NAME'];

/** What deploy.sh does for one service's app. */
export interface FlyAppPlan {
  readonly service: string;
  readonly app: string;
  /** The fly.toml, relative to the environment's directory. */
  readonly config: string;
  readonly public: boolean;
  /** Machines per process group (`app`, and `worker` when there is one). */
  readonly machines: Readonly<Record<string, number>>;
  readonly secrets: readonly { readonly name: string; readonly source: SecretSource }[];
  /** The services deployed before this one: its callees. */
  readonly after: readonly string[];
  /** The Tigris bucket deploy.sh creates for the app (services[].storage). @default - none */
  readonly bucket?: string;
}

/** A service's plan, as its archetype handler fills it in. */
export class FlyServicePlan {
  readonly env = new Map<string, string>();
  readonly secrets = new Map<string, SecretSource>();
  /** Background work beside an HTTP API that scales to zero: a `worker` process group of its own. */
  worker = false;
  /** Exactly one Machine: state in memory (windows), or one run at a time. */
  single = false;
  concurrencyType: 'requests' | 'connections' = 'requests';
  /** Its Tigris bucket (services[].storage), which deploy.sh creates. */
  bucket: string | undefined;
  /** The event subjects its durable consumer takes (the bus lets its user consume exactly these). */
  consumedSubjects: readonly string[] = [];
  /** The event subjects each of its Machines follows with consumers of its own (a broadcast; the bus allows exactly these). */
  broadcastSubjects: readonly string[] = [];
  concurrency: number;
  h2c = false;

  constructor(
    readonly model: ResolvedArchitecture,
    readonly service: ResolvedService,
  ) {
    this.concurrency = service.sizing.concurrency;
  }

  /** Whether it connects to the event bus (publishes or consumes): a user of the bus, with its password. */
  onBus = false;

  get app(): string {
    return flyAppName(this.model, this.service);
  }

  /** Background work that runs without requests: the Machines are never stopped for being idle (validation's rule too). */
  get alwaysOn(): boolean {
    return runsWithoutRequests(this.service);
  }

  setEnv(name: string, value: string): void {
    this.env.set(name, value);
  }

  /** The service's own data: PostgreSQL (Fly Managed Postgres, attached by deploy.sh), where the code keeps its tables. */
  data(): void {
    const s = this.service;
    if (s.database === 'none' && s.eventStore === undefined) return;
    if (s.database !== 'none') this.setEnv('STORE', s.database);
    this.setEnv('TABLE_PREFIX', this.app);
    this.secrets.set('DATABASE_URL', { kind: 'postgres' });
  }

  /**
   * A JetStream consumer of the given events: `durable` (the default) is one consumer shared by the Machines, each
   * message going to one of them and dead-lettered after `maxDeliver` failed deliveries; `broadcast` is an ephemeral
   * consumer per Machine, so that every Machine gets every message (nothing to acknowledge or dead-letter).
   */
  consume(events: readonly { readonly event: string; readonly from: readonly string[] }[], delivery: { kind?: 'durable'; maxDeliver: number; ackWaitSeconds: number } | { kind: 'broadcast' }): void {
    const subjects = [...new Set(events.flatMap((e) => e.from.map((p) => subjectOf(this.model, p, e.event))))].sort();
    if (subjects.length === 0) return;
    this.bus();
    this.setEnv('NATS_STREAM', natsStreamName(this.model));
    this.setEnv('NATS_CONSUMER', this.service.name);
    this.setEnv('NATS_FILTER_SUBJECTS', subjects.join(','));
    if (delivery.kind === 'broadcast') {
      this.broadcastSubjects = subjects;
      return;
    }
    this.consumedSubjects = subjects;
    this.setEnv('NATS_MAX_DELIVER', String(delivery.maxDeliver));
    this.setEnv('NATS_ACK_WAIT_SECONDS', String(delivery.ackWaitSeconds));
    this.setEnv('NATS_DLQ_SUBJECT', dlqSubject(this.model, this.service.name));
  }

  /**
   * Its own bucket (services[].storage): one Tigris bucket for the app, reached over the S3 API. `fly storage create`
   * (deploy.sh) sets its name, endpoint and keys as secrets; the region is Tigris's `auto`. Validation refuses what
   * Tigris does not do (versioning, retention, readers: refusals.ts).
   */
  storage(): void {
    if (this.service.storage === undefined) return;
    this.bucket = flyBucketName(this.model, this.service);
    this.setEnv('OBJECT_STORE', 's3');
    this.setEnv('AWS_REGION', 'auto');
    for (const name of TIGRIS_SECRETS) this.secrets.set(name, { kind: 'bucket', bucket: this.bucket });
  }

  /** The connection to the event bus: its address, the service's user and password. */
  bus(): void {
    this.onBus = true;
    this.setEnv('NATS_URL', busUrl(this.model));
    this.setEnv('NATS_USER', this.service.name);
    this.secrets.set('NATS_PASSWORD', { kind: 'nats-password' });
  }
}

export type FlyHandler = (plan: FlyServicePlan) => void;

/** The outbox relay of an HTTP service runs in a worker process, so the HTTP Machines may stop when idle. */
function httpService(plan: FlyServicePlan): void {
  plan.data();
  if (plan.service.spec.messaging?.pattern === 'outbox') plan.worker = true;
  if (plan.service.protocols.includes('grpc')) plan.h2c = true;
}

const HANDLERS: Record<ResolvedService['kind'], FlyHandler> = {
  stateless: httpService,
  'event-sourced': (plan) => {
    httpService(plan);
    const store = plan.service.eventStore;
    if (store === undefined) throw new Error(`the event store of ${plan.service.name} is not resolved`);
    plan.setEnv('EVENT_STORE', store);
  },
  'saga-orchestrator': (plan) => {
    httpService(plan);
    // Sagas run in the service's process on Fly: a worker process, always running, resumes those a stopped or killed
    // Machine left (its lease expired), while the HTTP Machines stop when idle.
    plan.worker = true;
  },
  gateway: httpService,
  producer: httpService,
  bff: httpService,
  consumer: (plan) => {
    const s = plan.service;
    plan.data();
    plan.consume(consumedEvents(plan.model, s).filter((e) => (s.spec.consumes ?? []).some((c) => c.event === e.event)), {
      maxDeliver: s.sizing.consumer.max_retries,
      ackWaitSeconds: s.sizing.timeout_seconds,
    });
  },
  'websocket-gateway': (plan) => {
    const s = plan.service;
    plan.concurrencyType = 'connections';
    plan.concurrency = s.sizing.websocket.max_connections_per_instance;
    plan.setEnv('CONNECTIONS_STORE', 'memory');
    plan.setEnv('SENDER', 'memory');
    // its database (websocket.crdt keeps its documents there); CRDT documents: every editor on one Machine
    plan.data();
    if (singleProcessReason(s) !== undefined) plan.single = true;
    // each Machine broadcasts to the connections it holds: every Machine must get every event
    plan.consume(consumedEvents(plan.model, s), { kind: 'broadcast' });
  },
  scheduled: (plan) => {
    const s = plan.service;
    plan.data();
    const cron = s.spec.schedule?.cron;
    if (cron === undefined) return;
    plan.setEnv('SCHEDULE_CRON', cron);
    plan.setEnv('SCHEDULE_TIMEZONE', s.sizing.schedule.timezone);
    // One run at a time is one process: the run lock lives in its memory.
    if (singleProcessReason(s) !== undefined) plan.single = true;
  },
  'legacy-adapter': (plan) => {
    httpService(plan);
    if (plan.service.sizing.acl.sync_strategy === 'polling') plan.worker = true;
  },
  'stream-processor': (plan) => {
    const s = plan.service;
    plan.data();
    // Open windows live in the process's memory: one Machine, always running.
    plan.single = singleProcessReason(s) !== undefined;
    plan.consume(consumedEvents(plan.model, s), { maxDeliver: s.sizing.consumer.max_retries, ackWaitSeconds: s.sizing.timeout_seconds });
  },
  cache: (plan) => {
    const s = plan.service;
    plan.setEnv('CACHE_BACKEND', 'redis');
    plan.secrets.set('CACHE_URL', { kind: 'cache' });
    plan.consume(consumedEvents(plan.model, s), { maxDeliver: s.sizing.consumer.max_retries, ackWaitSeconds: s.sizing.timeout_seconds });
  },
};

/** deployment.strategy as Fly's deploy strategy. */
const STRATEGIES: Record<NonNullable<NonNullable<ArchitectureFile['deployment']>['strategy']>, FlyDeployStrategy> = {
  rolling: 'rolling',
  canary: 'canary',
  'blue-green': 'bluegreen',
  'all-at-once': 'immediate',
};

/** Every service's plan, filled in. */
export function planServices(model: ResolvedArchitecture): FlyServicePlan[] {
  return model.services.map((s) => {
    const plan = new FlyServicePlan(model, s);
    for (const [k, v] of plainEnvironment(s)) plan.setEnv(k, v);
    plan.setEnv('SERVICE_NAME', s.name);
    plan.setEnv('LOG_LEVEL', 'info');
    plan.setEnv('PORT', String(SERVICE_PORT));
    for (const [k, v] of Object.entries(samplerEnvironment(model))) plan.setEnv(k, v);
    if (publishedEvents(s).length > 0) {
      plan.bus();
      plan.setEnv('EVENT_BUS', 'nats');
      plan.setEnv('EVENT_TARGET', eventSubjectPrefix(model, s.name));
    }
    // Calls to other services go over the private network, signed with the caller's key; a callee admits the
    // callers the file declares, and nobody else.
    const callees = calleesOf(s.spec);
    for (const callee of callees) plan.setEnv(calleeUrlVariable(callee), flycastUrl(model, callee));
    if (callees.length > 0) plan.setEnv('OUTBOUND_AUTH', 'ed25519');
    for (const callee of callees) plan.secrets.set(signingKeyVariable(callee), { kind: 'signing-key', callee });
    const callers = model.services.filter((o) => calleesOf(o.spec).includes(s.name)).map((o) => o.name).sort();
    // An internal service takes signed calls from its declared callers only (none: it is called by nobody); a public
    // one also serves the internet: unsigned requests pass, signed ones are checked.
    plan.setEnv('INBOUND_AUTH', s.spec.public === true ? 'ed25519-optional' : 'ed25519');
    plan.setEnv('TRUSTED_CALLERS', callers.join(','));
    for (const caller of callers) plan.secrets.set(callerKeyVariable(caller), { kind: 'caller-key', caller });
    const secrets = serviceSecrets(s);
    for (const { name, managed } of secrets) plan.secrets.set(name, { kind: 'file', managed });
    if (secrets.length > 0) plan.setEnv('SECRETS_SOURCE', 'env');
    plan.storage();
    HANDLERS[s.kind](plan);
    return plan;
  });
}

/** The fly.toml of a service's app. */
export function appConfig(plan: FlyServicePlan): FlyAppConfig {
  const { model, service: s } = plan;
  const fly = model.platform.fly;
  const vm = flyVm(fly.cpu_kind, s.sizing.cpu, s.sizing.memory_mb);
  // validation refuses sizes Fly does not offer (AF5002)
  if ('problem' in vm) throw new Error(`${s.name}: ${vm.problem}`);
  return serviceApp({
    app: plan.app,
    primaryRegion: fly.primary_region,
    dockerfile: `../../../../services/${s.name}/Dockerfile`,
    internalPort: SERVICE_PORT,
    public: s.spec.public === true,
    minMachinesRunning: s.sizing.min_instances,
    alwaysOn: plan.alwaysOn,
    ...(plan.worker ? { worker: { httpCommand: HTTP_ONLY_COMMAND, command: WORKER_COMMAND } } : {}),
    concurrency: { type: plan.concurrencyType, limit: plan.concurrency },
    h2c: plan.h2c,
    timeoutSeconds: s.sizing.timeout_seconds,
    strategy: STRATEGIES[model.platform.deployment.strategy],
    autoRollback: model.platform.deployment.rollback_on_failure,
    cpuKind: fly.cpu_kind,
    vm,
    env: Object.fromEntries([...plan.env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  });
}

/** What deploy.sh does for the service. */
export function appPlan(plan: FlyServicePlan): FlyAppPlan {
  const s = plan.service;
  // Machines that serve requests start and stop between min_instances and max_instances; Machines that work without
  // requests all run, min_instances of them (at least one): nothing would start a stopped one.
  const count = plan.single ? 1 : plan.alwaysOn && !plan.worker ? Math.max(1, s.sizing.min_instances) : s.sizing.max_instances;
  return {
    service: s.name,
    app: plan.app,
    config: `${s.name}/fly.toml`,
    public: s.spec.public === true,
    machines: plan.worker ? { app: count, worker: 1 } : { app: count },
    secrets: [...plan.secrets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, source]) => ({ name, source })),
    after: calleesOf(s.spec).sort(),
    ...(plan.bucket !== undefined ? { bucket: plan.bucket } : {}),
  };
}
