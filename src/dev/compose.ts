/**
 * `compose.yaml`: the architecture on Docker for teams that have it, with the same topology as `allframe dev` (one
 * plan, aws-plan.ts): the emulator images, a one-shot `provision` service that creates the infrastructure on them
 * (`allframe dev --provision compose`, the code `allframe dev` runs), and every service built from its Dockerfile
 * with the environment `allframe dev` gives it, the emulators and callees named by their compose hostnames.
 * Healthchecks everywhere, and `depends_on` with `condition: service_healthy` (the provision: completed).
 */
import { stringify } from 'yaml';
import { calleesOf } from '../model/environment';
import { managed, type OutputFile } from '../model/output-file';
import type { ResolvedArchitecture } from '../resolve/model';
import { awsLocalPlan, type AwsLocalPlan } from './aws-plan';
import { localSecretDefault, localServers } from './servers';
import { gcpLocalPlan, type GcpLocalPlan } from './gcp-plan';
import { flyLocalPlan, type FlyLocalPlan } from './fly-plan';
import { scheduleEnvironment } from './schedule';
import { usesBuckets } from './buckets';
import { natsPasswordVariable } from '../../lib-constructs/fly/nats-bus';
import { NATS_ADMIN_PASSWORD_VARIABLE, NATS_ADMIN_USER } from '../../lib-constructs/core/nats-defaults';
import { NATS_CONFIG_PATH, NATS_IMAGE, NATS_MONITOR_PORT } from '../targets/fly/bus';
import { flyDir } from '../targets/fly/naming';
import { DEFAULT_PORT_BASE, EMULATOR_PORTS, PG_SERVICE_USER, PG_USER, SERVICE_PORT_OFFSET } from './constants';

/** The images of the emulators: public, pinned, none needing a licence or an account. */
export const COMPOSE_IMAGES = {
  moto: 'motoserver/moto:5.2.1',
  postgres: 'postgres:15-bookworm',
  redis: 'redis:7-bookworm',
  node: 'node:24-bookworm-slim',
  gcloud: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-emulators',
} as const;

/** Where the services reach the emulators inside the compose network. */
export const COMPOSE_HOSTS = {
  moto: 'http://moto:5000',
  /** The admin's URL (the superuser, which creates the services' user and databases). */
  postgres: (db: string) => `postgres://${PG_USER}@postgres:5432/${db}`,
  /** A service's URL: its own database as the services' user (no superuser: row-level security holds). */
  servicePostgres: (db: string) => `postgres://${PG_SERVICE_USER}@postgres:5432/${db}`,
  redis: 'redis://redis:6379',
} as const;

/** The port every service container listens on (its Dockerfile's EXPOSE). */
const CONTAINER_PORT = 8080;

/**
 * The buckets on gcp and fly (no Cloud Storage or Tigris emulator): the named volume `buckets`, mounted here in every
 * service that owns or reads one (OBJECT_STORE_DIR) and in the provision service, which creates a directory per bucket.
 */
export const COMPOSE_BUCKETS = { volume: 'buckets', dir: '/buckets' } as const;

/** The user the service images run as (`USER node` of node's images), who owns the buckets' directories. */
export const COMPOSE_SERVICE_USER = { uid: 1000, gid: 1000 } as const;

/** The local plan with the compose network's names. */
export function composePlan(model: ResolvedArchitecture, outputs: readonly OutputFile[]): AwsLocalPlan {
  return awsLocalPlan(model, outputs, {
    endpoint: COMPOSE_HOSTS.moto,
    serviceUrl: (name) => `http://${name}:${CONTAINER_PORT}`,
    port: () => CONTAINER_PORT,
    databaseUrl: COMPOSE_HOSTS.servicePostgres,
    cacheUrl: COMPOSE_HOSTS.redis,
  });
}

/** `$` starts an interpolation in a compose file: a literal one is `$$`. */
function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

const healthy = { condition: 'service_healthy' } as const;
/** The port of the filter proxy the gcp provision service serves. */
export const COMPOSE_FILTER_PROXY_PORT = 8090;

/** A healthcheck run by `test` every 2 s, for a minute. */
function healthcheck(test: readonly string[], interval = '2s'): Record<string, unknown> {
  return { test: [...test], interval, timeout: '3s', retries: 30 };
}

/** The compose network's names for the gcp flavour's plan. */
export const COMPOSE_GCP_HOSTS = { pubsub: 'pubsub:8085', firestore: 'firestore:8086', filterProxy: 'http://provision:8090' } as const;

/** The gcp flavour's local plan with the compose network's names; secrets come from the environment compose runs in. */
export function composeGcpPlan(model: ResolvedArchitecture, outputs: readonly OutputFile[]): GcpLocalPlan {
  return gcpLocalPlan(model, outputs, {
    pubsubHost: COMPOSE_GCP_HOSTS.pubsub,
    firestoreHost: COMPOSE_GCP_HOSTS.firestore,
    serviceUrl: (name) => `http://${name}:${CONTAINER_PORT}`,
    port: () => CONTAINER_PORT,
    databaseUrl: COMPOSE_HOSTS.servicePostgres,
    cacheUrl: COMPOSE_HOSTS.redis,
    bucketsDir: COMPOSE_BUCKETS.dir,
    secret: (variable) => `\${${variable}:-${localSecretDefault(variable)}}`,
  });
}

/** The bus's client port in the compose network. */
const COMPOSE_NATS_PORT = 4222;

/** A bus password in the compose file: read from the environment compose runs in, with a local default (letters only, as nats-server reads it). */
function composeBusPassword(user: string): string {
  const variable = user === NATS_ADMIN_USER ? NATS_ADMIN_PASSWORD_VARIABLE : natsPasswordVariable(user);
  return `\${${variable}:-local${user.replace(/[^a-z0-9]/gi, '')}}`;
}

/**
 * The fly flavour's local plan with the compose network's names: the bus at `nats:4222`, secrets and bus passwords
 * read from the environment compose runs in; calls are not signed (keys cannot be made for each run in a file).
 */
export function composeFlyPlan(model: ResolvedArchitecture): FlyLocalPlan {
  const plan = flyLocalPlan(model, {
    natsHost: 'nats',
    natsPort: COMPOSE_NATS_PORT,
    natsMonitorPort: NATS_MONITOR_PORT,
    natsStoreDir: '/data',
    serviceUrl: (name) => `http://${name}:${CONTAINER_PORT}`,
    port: () => CONTAINER_PORT,
    databaseUrl: COMPOSE_HOSTS.servicePostgres,
    cacheUrl: COMPOSE_HOSTS.redis,
    bucketsDir: COMPOSE_BUCKETS.dir,
    secret: (variable) => (variable === NATS_ADMIN_PASSWORD_VARIABLE ? undefined : `\${${variable}:-${localSecretDefault(variable)}}`),
    busPassword: composeBusPassword,
    signedCalls: false,
  });
  // a scheduled service's app runs its own scheduler on Fly, and so in its container (no allframe dev runner here)
  const environments = new Map([...plan.environments].map(([name, env]) => [name, { ...env, ...scheduleEnvironment(model.services.find((s) => s.name === name)!) }]));
  return { ...plan, environments };
}

/** The secrets of `model`, by the variable they are given as: a compose value read from the environment compose runs in. */
function secretVariables(model: ResolvedArchitecture): string[] {
  return [...new Set(model.services.flatMap((s) => (s.spec.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.name))))].sort();
}

/**
 * The compose file of an architecture (every target has a local flavour). `sourceFile` is the architecture file
 * relative to the workspace root, as the provision service reads it.
 */
export function renderCompose(model: ResolvedArchitecture, outputs: readonly OutputFile[], sourceFile: string): OutputFile | undefined {
  const gcp = model.target === 'gcp';
  const fly = model.target === 'fly';
  const flyPlan = fly ? composeFlyPlan(model) : undefined;
  const environments = flyPlan?.environments ?? (gcp ? composeGcpPlan(model, outputs).environments : composePlan(model, outputs).environments);
  const base = DEFAULT_PORT_BASE;
  const { postgres: usesPostgres, redis: usesRedis } = localServers(model);
  const services: Record<string, unknown> = {};
  if (gcp) {
    const project = model.file.cloud?.gcp?.project_id ?? 'local-project';
    services.pubsub = {
      image: COMPOSE_IMAGES.gcloud,
      command: ['gcloud', 'beta', 'emulators', 'pubsub', 'start', '--host-port=0.0.0.0:8085', `--project=${project}`],
      ports: [`${base + EMULATOR_PORTS.pubsub}:8085`],
      healthcheck: healthcheck(['CMD', 'curl', '-fs', 'http://127.0.0.1:8085/']),
    };
    services.firestore = {
      image: COMPOSE_IMAGES.gcloud,
      command: ['gcloud', 'emulators', 'firestore', 'start', '--host-port=0.0.0.0:8086'],
      ports: [`${base + EMULATOR_PORTS.firestore}:8086`],
      healthcheck: healthcheck(['CMD', 'curl', '-fs', 'http://127.0.0.1:8086/']),
    };
  } else if (fly) {
    if (flyPlan?.bus !== undefined) {
      // the bus app's own configuration (users, permissions, limits), its passwords from the environment compose runs in
      services.nats = {
        image: NATS_IMAGE,
        environment: flyPlan.bus.env,
        volumes: [`./${flyDir(model)}/nats/nats.conf:${NATS_CONFIG_PATH}:ro`],
        ports: [`${base + EMULATOR_PORTS.nats}:${COMPOSE_NATS_PORT}`, `${base + EMULATOR_PORTS.natsMonitor}:${NATS_MONITOR_PORT}`],
        healthcheck: healthcheck(['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${NATS_MONITOR_PORT}/healthz?js-enabled-only=true`]),
      };
    }
  } else {
    services.moto = {
      image: COMPOSE_IMAGES.moto,
      ports: [`${base + EMULATOR_PORTS.moto}:5000`],
      healthcheck: healthcheck(['CMD', 'python3', '-c', "import urllib.request as u; u.urlopen('http://127.0.0.1:5000/moto-api/')"]),
    };
  }
  if (usesPostgres) {
    services.postgres = {
      image: COMPOSE_IMAGES.postgres,
      environment: { POSTGRES_USER: PG_USER, POSTGRES_HOST_AUTH_METHOD: 'trust' },
      ports: [`${base + EMULATOR_PORTS.postgres}:5432`],
      healthcheck: healthcheck(['CMD', 'pg_isready', '-U', PG_USER, '-h', '127.0.0.1']),
    };
  }
  if (usesRedis) {
    services.redis = { image: COMPOSE_IMAGES.redis, ports: [`${base + EMULATOR_PORTS.redis}:6379`], healthcheck: healthcheck(['CMD', 'redis-cli', 'ping']) };
  }
  const emulators = [...(gcp ? ['pubsub', 'firestore'] : fly ? (flyPlan?.bus !== undefined ? ['nats'] : []) : ['moto']), ...(usesPostgres ? ['postgres'] : []), ...(usesRedis ? ['redis'] : [])];
  const secrets = secretVariables(model);
  // a bucket is a directory of the volume where no emulator keeps it (gcp, fly); on aws, moto keeps it
  const bucketVolume = (gcp || fly) && usesBuckets(model) ? `${COMPOSE_BUCKETS.volume}:${COMPOSE_BUCKETS.dir}` : undefined;
  // On GCP the provision service stays up as the filter proxy (the Pub/Sub emulator ignores filters: docs/dev.md).
  services.provision = {
    image: COMPOSE_IMAGES.node,
    working_dir: '/workspace',
    volumes: ['.:/workspace', ...(bucketVolume !== undefined ? [bucketVolume] : [])],
    command: ['npx', '--no-install', 'allframe', 'dev', sourceFile, '--no-synth', '--provision', 'compose'],
    ...(secrets.length > 0 && !gcp && !fly ? { environment: Object.fromEntries(secrets.map((v) => [v, `\${${v}:-${localSecretDefault(v)}}`])) } : {}),
    ...(gcp ? { healthcheck: healthcheck(['CMD', 'node', '-e', "fetch('http://127.0.0.1:8090/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]) } : {}),
    depends_on: Object.fromEntries(emulators.map((e) => [e, healthy])),
  };
  const provisioned = gcp ? healthy : { condition: 'service_completed_successfully' };
  // the variables whose value the plan wrote as a compose interpolation (`${NAME:-local default}`): secrets on gcp and
  // fly, and a service's bus password on fly; on aws the provision service holds the secrets, and all is literal
  const readFromEnvironment = new Set(gcp || fly ? [...secrets, ...(fly ? ['NATS_PASSWORD'] : [])] : []);
  model.services.forEach((s, i) => {
    // a secret's value is read from the environment compose runs in (never written here); everything else is literal
    const env = Object.fromEntries(Object.entries(environments.get(s.name) ?? {}).map(([k, v]) => [k, readFromEnvironment.has(k) ? v : literal(v)]));
    const callees = calleesOf(s.spec).filter((c) => model.services.some((x) => x.name === c));
    services[s.name] = {
      build: { context: '.', dockerfile: `services/${s.name}/Dockerfile` },
      environment: env,
      ...(bucketVolume !== undefined && env.OBJECT_STORE_DIR !== undefined ? { volumes: [bucketVolume] } : {}),
      ports: [`${base + SERVICE_PORT_OFFSET + i}:${CONTAINER_PORT}`],
      healthcheck: healthcheck(['CMD', 'node', '-e', `fetch('http://127.0.0.1:${CONTAINER_PORT}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`], '5s'),
      depends_on: { provision: provisioned, ...Object.fromEntries([...emulators, ...callees].map((d) => [d, healthy])) },
    };
  });
  const header = [
    `# ${model.file.architecture.name} on Docker, with the emulators allframe dev runs (docs/dev.md): docker compose up --build`,
    gcp
      ? '# The provision service creates the topics and subscriptions on the Pub/Sub emulator, then filters the pushes.'
      : fly
        ? '# The provision service creates the databases; the services create their streams and durable consumers on the bus.'
        : '# The provision service creates the queues, topics, subscriptions, tables, secrets and databases on them first.',
  ].join('\n');
  // No top-level `name` (the project is named after the directory, or -p): docker-compose 1.x refuses the key.
  const body = stringify({ services, ...(bucketVolume !== undefined ? { volumes: { [COMPOSE_BUCKETS.volume]: {} } } : {}) }, { lineWidth: 0, aliasDuplicateObjects: false });
  return managed('compose.yaml', `${header}\n${body}`);
}
