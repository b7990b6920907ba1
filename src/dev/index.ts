/**
 * `allframe dev`: the whole architecture on loopback. The emulators the target needs start first (moto for the AWS
 * APIs, PostgreSQL, Redis), the infrastructure is created on them from the synthesized templates (aws-local.ts),
 * then every service's container entry (`src/entry/server.ts`, bundled with esbuild) runs with the environment its
 * workload has in the cloud, pointed at the emulators. See docs/dev.md.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputFile } from '../model/output-file';
import type { ResolvedArchitecture, ResolvedService } from '../resolve/model';
import { awsLocalPlan, type AwsLocalPlan } from './aws-plan';
import type { Flavour, RunPlace } from './flavour';
import { createDatabases } from './databases';
import { flyFlavour } from './fly-flavour';
import { filterProxy, gcpFlavour, provisionPubsub, pushThrough } from './gcp-flavour';
import { COMPOSE_BUCKETS, COMPOSE_FILTER_PROXY_PORT, COMPOSE_GCP_HOSTS, COMPOSE_HOSTS, COMPOSE_SERVICE_USER, composeFlyPlan, composeGcpPlan, composePlan } from './compose';
import { createLocalBuckets } from './buckets';
import { DEFAULT_PORT_BASE, EMULATOR_PORTS, SERVICE_PORT_OFFSET } from './constants';
import { awsClients, provisionAws, putSecret, type AwsClients, type AwsSdk } from './aws-provision';
import { startBridges } from './bridge';
import { startMoto } from './emulators';
import { answers200, reapRecorded, Supervisor, waitUntil, type LogLine } from './processes';
import { scheduleEnvironment, triggerRun, type TriggerResult } from './schedule';
import { dataServers, localDatabases, localSecretDefault } from './servers';
import { requireTools } from './tools';

/** A user mistake or a missing precondition: reported without a stack trace, exit code 2. */
export class DevError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevError';
  }
}

export { DEFAULT_PORT_BASE };

export interface DevOptions {
  /** The validated model (target aws). */
  readonly model: ResolvedArchitecture;
  /** What `allframe synth` made of it: the infrastructure is read from here. */
  readonly outputs: readonly OutputFile[];
  /** The generated workspace on disk, installed (`npm install` there). */
  readonly workspace: string;
  /** Start only these services (the emulators and the whole topology still come up). @default every service */
  readonly only?: readonly string[];
  /** @default DEFAULT_PORT_BASE */
  readonly portBase?: number;
  /** The environment allframe runs in: tools are found on its PATH, external secrets' local values read from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every line a process prints, and what the runner says. */
  readonly log: (line: LogLine) => void;
  /** Told when a process ends by itself while the run is up. */
  readonly onUnexpectedExit?: (name: string, code: number | string) => void;
  /** Scheduled services fire their job on their cron (SCHEDULE_CRON, see schedule.ts). @default true */
  readonly scheduler?: boolean;
}

/** A service of the local run. */
export interface DevService {
  readonly name: string;
  readonly kind: ResolvedService['kind'];
  readonly port: number;
  readonly url: string;
  /** Whether the run started it (`--only` leaves the others out). */
  readonly started: boolean;
  /** The environment it runs with (the cloud's, resolved locally), secrets aside. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface DevRun {
  readonly services: readonly DevService[];
  /** The emulators, by name, with their URLs. */
  readonly emulators: ReadonlyMap<string, string>;
  /** What the local run does differently from the cloud, for the start-up output. */
  readonly notes: readonly string[];
  /** Stops every process (SIGTERM, then SIGKILL after the grace period). */
  stop(): Promise<void>;
  /** Kills every process outright; resolves once they have ended. */
  kill(): Promise<void>;
  /** Stops one service (politely), or kills it outright with `kill`. */
  stopService(name: string, options?: { kill?: boolean }): Promise<void>;
  /** Starts a stopped service again, and waits until it is ready. */
  startService(name: string): Promise<void>;
  /** Runs a scheduled service's job now (POST /run, as its scheduler does), with what it answered. */
  trigger(name: string): Promise<TriggerResult>;
}

/**
 * The unprivileged ports the Fetch standard blocks ("bad ports"): Node's fetch fails at once on them, so a service
 * there could never be reached, its readiness included.
 */
const FETCH_BLOCKED_PORTS = new Set([1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080]);

/** Whether 127.0.0.1:`port` is free to listen on. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The port of each service: the base + 10 + its place in the file, so that a port never depends on `--only`. */
export function servicePorts(model: ResolvedArchitecture, base = DEFAULT_PORT_BASE): Map<string, number> {
  return new Map(model.services.map((s, i) => [s.name, base + SERVICE_PORT_OFFSET + i]));
}

/** Loads a package from the workspace's installed dependencies (the platform package's). */
function workspaceRequire(workspace: string): NodeJS.Require {
  return createRequire(join(workspace, 'packages', 'platform', 'package.json'));
}

function awsSdk(req: NodeJS.Require): AwsSdk {
  return {
    sqs: req('@aws-sdk/client-sqs') as AwsSdk['sqs'],
    sns: req('@aws-sdk/client-sns') as AwsSdk['sns'],
    eventbridge: req('@aws-sdk/client-eventbridge') as AwsSdk['eventbridge'],
    dynamodb: req('@aws-sdk/client-dynamodb') as AwsSdk['dynamodb'],
    secrets: req('@aws-sdk/client-secrets-manager') as AwsSdk['secrets'],
    s3: () => {
      try {
        return req('@aws-sdk/client-s3') as ReturnType<AwsSdk['s3']>;
      } catch {
        throw new DevError('the workspace has no @aws-sdk/client-s3, which the local run needs to create the buckets on moto: run "npm install" there, then "allframe dev" again');
      }
    },
  };
}

/** Checks that the workspace is generated and installed, before anything starts. */
function checkWorkspace(workspace: string, model: ResolvedArchitecture, sdkProbe = '@aws-sdk/client-sqs'): NodeJS.Require {
  const missing = model.services.filter((s) => !existsSync(join(workspace, 'services', s.name, 'src', 'entry', 'server.ts'))).map((s) => s.name);
  if (missing.length > 0) throw new DevError(`${workspace} has no container entry (services/<name>/src/entry/server.ts) for ${missing.join(', ')}: run "allframe synth" first`);
  const req = workspaceRequire(workspace);
  try {
    req.resolve(sdkProbe);
    req.resolve('hono');
  } catch {
    throw new DevError(`the workspace ${workspace} is not installed: run "npm install" there (once), then "allframe dev" again`);
  }
  return req;
}

/** What the AWS flavour does differently from AWS, said at start-up (docs/dev.md explains each). */
function awsNotes(model: ResolvedArchitecture): string[] {
  const kinds = new Set(model.services.map((s) => s.kind));
  const notes = ['every service runs its container entry (src/entry/server.ts) on Node, including those that run on Lambda in the cloud; moto runs no Lambda code and no event source mapping'];
  if (kinds.has('saga-orchestrator')) notes.push('sagas run their steps in process: moto does not run Step Functions tasks');
  if (kinds.has('websocket-gateway')) notes.push('WebSocket connections are served by the gateway\'s container entry itself (SENDER=memory), not by API Gateway');
  if (kinds.has('websocket-gateway')) notes.push('the queue of events a WebSocket gateway pushes to its connections is not drained locally (POST /broadcast and the heartbeat reach its connections)');
  notes.push('encryption keys (KMS) are left out: the emulators keep everything in memory');
  const node = Number(process.versions.node.split('.')[0]);
  if (node < model.nodeMajor) notes.push(`services run on this machine's Node ${process.versions.node}; their containers and functions run Node ${model.nodeMajor} (the AWS SDK's releases after January 2027 need Node 22)`);
  return notes;
}

/**
 * Creates what `plan` holds on moto: the infrastructure, then the secrets, each with the value of the variable of
 * its name in `env` when set (the developer's own test key, say), else a placeholder.
 */
async function provisionPlan(plan: AwsLocalPlan, sdk: AwsSdk, clients: AwsClients, env: DevOptions['env']): Promise<void> {
  await provisionAws(sdk, clients, plan.templates, plan.planned, plan.attributes, plan.where);
  for (const secret of plan.secrets) await putSecret(sdk, clients, secret.id, env[secret.variable] ?? localSecretDefault(secret.variable));
}

/** The buckets' directories on the compose volume (gcp, fly), owned by the services' user: the provision service runs as root. */
function createComposeBuckets(names: readonly string[]): void {
  if (names.length === 0) return;
  createLocalBuckets(COMPOSE_BUCKETS.dir, names, process.getuid?.() === 0 ? COMPOSE_SERVICE_USER : undefined);
}

/**
 * `allframe dev --provision compose`, the compose file's provision service: creates the infrastructure, secrets and
 * databases of the compose plan on the compose network's emulators. On GCP it then serves the filter proxy the
 * filtered push subscriptions go through, and returns it (the caller keeps it up until it is stopped).
 */
export async function provisionCompose(options: Pick<DevOptions, 'model' | 'outputs' | 'workspace' | 'env'>): Promise<{ close(): Promise<void> } | undefined> {
  const { model, outputs, workspace, env } = options;
  if (model.target === 'fly') {
    // the services create their streams and durables on the bus themselves: only the databases (and the buckets'
    // directories) are made here
    createComposeBuckets(composeFlyPlan(model).buckets);
    const databases = localDatabases(model);
    if (databases.length > 0) await createDatabases(checkWorkspace(workspace, model, 'pg'), COMPOSE_HOSTS.postgres('postgres'), databases);
    return undefined;
  }
  if (model.target === 'gcp') {
    const req = checkWorkspace(workspace, model, '@google-cloud/pubsub');
    const plan = composeGcpPlan(model, outputs);
    createComposeBuckets(plan.buckets);
    await provisionPubsub(COMPOSE_GCP_HOSTS.pubsub, plan, pushThrough(COMPOSE_GCP_HOSTS.filterProxy));
    if (plan.databases.length > 0) await createDatabases(req, COMPOSE_HOSTS.postgres('postgres'), plan.databases);
    const server = await filterProxy(plan.subscriptions, COMPOSE_FILTER_PROXY_PORT, '0.0.0.0');
    return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const req = checkWorkspace(workspace, model);
  const plan = composePlan(model, outputs);
  const sdk = awsSdk(req);
  const clients = awsClients(sdk, plan.where.endpoint, plan.where.region);
  try {
    await provisionPlan(plan, sdk, clients, env);
    if (plan.databases.length > 0) await createDatabases(req, COMPOSE_HOSTS.postgres('postgres'), plan.databases);
  } finally {
    clients.destroy();
  }
  return undefined;
}

/** The aws flavour: moto, PostgreSQL, Redis; the infrastructure from the CloudFormation templates. */
function awsFlavour(model: ResolvedArchitecture, outputs: readonly OutputFile[], place: RunPlace): Flavour {
  const { base, ports } = place;
  const motoEndpoint = `http://127.0.0.1:${base + EMULATOR_PORTS.moto}`;
  const servers = dataServers(model, base);
  const plan = awsLocalPlan(model, outputs, {
    endpoint: motoEndpoint,
    serviceUrl: (name) => `http://127.0.0.1:${ports.get(name)}`,
    port: (name) => ports.get(name)!,
    databaseUrl: servers.databaseUrl,
    cacheUrl: servers.cacheUrl,
  });
  const notes = [...awsNotes(model), ...servers.notes];
  let aws: { sdk: AwsSdk; clients: AwsClients } | undefined;
  let bridges: { stop(): Promise<void> } | undefined;
  if (plan.bridges.length > 0) notes.push(`queues an event source mapping drains in the cloud are drained by allframe dev into the service's /events route: ${plan.bridges.map((b) => b.service).join(', ')}`);
  return {
    tools: ['moto_server', ...servers.tools],
    ports: [['moto', base + EMULATOR_PORTS.moto], ...servers.ports],
    sdkProbe: '@aws-sdk/client-sqs',
    environments: plan.environments,
    emulators: new Map([['moto', motoEndpoint], ...servers.emulators]),
    notes,
    async start(context) {
      await startMoto(context.supervisor, context.tools.moto_server!, base + EMULATOR_PORTS.moto, context.childEnv);
      await servers.start(context);
      const sdk = awsSdk(context.req);
      aws = { sdk, clients: awsClients(sdk, motoEndpoint, plan.where.region) };
      await provisionPlan(plan, aws.sdk, aws.clients, place.env);
    },
    servicesReady({ log }) {
      if (aws !== undefined) bridges = startBridges(aws.sdk, aws.clients, plan.bridges.filter((b) => place.only.has(b.service)).map((b) => ({ ...b, url: `http://127.0.0.1:${ports.get(b.service)}` })), log);
    },
    close: async () => {
      await bridges?.stop();
      aws?.clients.destroy();
    },
  };
}

/**
 * Starts the architecture locally (see the module comment) and resolves once every started service answers 200 on
 * /readyz. On any failure, everything started so far is stopped before the error is thrown.
 */
export async function startDev(options: DevOptions): Promise<DevRun> {
  const { model, workspace, log } = options;
  const unknown = (options.only ?? []).filter((n) => !model.services.some((s) => s.name === n));
  if (unknown.length > 0) throw new DevError(`--only names no service of the architecture: ${unknown.join(', ')}`);
  const base = options.portBase ?? DEFAULT_PORT_BASE;
  const only = new Set(options.only ?? model.services.map((s) => s.name));
  const ports = servicePorts(model, base);
  const place = { base, ports, env: options.env, only };
  const state = join(tmpdir(), `allframe-dev-${process.pid}-${base}`);
  const flavour = model.target === 'gcp' ? gcpFlavour(model, options.outputs, place, state) : model.target === 'fly' ? flyFlavour(model, place, state) : awsFlavour(model, options.outputs, place);
  const tools = requireTools(flavour.tools, options.env);
  const req = checkWorkspace(workspace, model, flavour.sdkProbe);
  const needed: (readonly [string, number])[] = [...flavour.ports];
  for (const s of model.services) if (only.has(s.name)) needed.push([s.name, ports.get(s.name)!]);
  // What a run killed outright (SIGKILL) left running is stopped first: the next plain run repairs it.
  // (recorded by port base, the thing two runs contend for, whichever workspace they run)
  const recordFile = join(tmpdir(), `allframe-dev-ports-${base}.json`);
  const reaped = await reapRecorded(recordFile);
  if (reaped > 0) log({ source: 'allframe', stream: 'stderr', text: `stopped ${reaped} process${reaped === 1 ? '' : 'es'} an earlier allframe dev left running` });
  const blocked = needed.filter(([, port]) => FETCH_BLOCKED_PORTS.has(port));
  if (blocked.length > 0) throw new DevError(`${blocked.map(([name, port]) => `port ${port} (${name})`).join(', ')}: fetch refuses to connect to ${blocked.length === 1 ? 'it' : 'them'} (the Fetch standard's blocked ports), so nothing could reach ${blocked.length === 1 ? 'it' : 'them'}: choose other ports with --port-base`);
  const busy: string[] = [];
  for (const [name, port] of needed) if (!(await portFree(port))) busy.push(`port ${port} (${name}) is in use`);
  if (busy.length > 0) throw new DevError(`${busy.join('; ')}: stop what uses it, or choose other ports with --port-base`);

  const scratch = join(workspace, 'node_modules', '.cache', 'allframe-dev');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  rmSync(state, { recursive: true, force: true });
  const childEnv: NodeJS.ProcessEnv = { PATH: options.env.PATH, HOME: options.env.HOME, LANG: options.env.LANG ?? 'C.UTF-8', TMPDIR: options.env.TMPDIR };
  const supervisor = new Supervisor(log, options.onUnexpectedExit, recordFile);
  try {
    const bundles = bundleServices(workspace, model, [...only], scratch);
    bundles.catch(() => undefined); // awaited below; a failure must not go unhandled while the emulators start
    const context = { supervisor, tools, req, state, childEnv, log };
    await flavour.start(context);
    const services: DevService[] = model.services.map((s) => ({ name: s.name, kind: s.kind, port: ports.get(s.name)!, url: `http://127.0.0.1:${ports.get(s.name)}`, started: only.has(s.name), environment: flavour.environments.get(s.name)! }));
    const urls = new Map(services.map((s) => [s.name, s.url]));
    const byName = new Map(model.services.map((s) => [s.name, s]));
    const serviceEnv = (s: DevService): NodeJS.ProcessEnv => ({ ...childEnv, ...s.environment, ...(options.scheduler !== false ? scheduleEnvironment(byName.get(s.name)!) : {}) });
    const built = await bundles;
    const launch = async (s: DevService): Promise<void> => {
      const p = supervisor.start(s.name, process.execPath, ['--enable-source-maps', built.get(s.name)!], { env: serviceEnv(s), cwd: join(workspace, 'services', s.name) });
      await waitUntil(s.name, () => answers200(`${s.url}/readyz`), { timeoutMs: 60_000, intervalMs: 100, process: p });
    };
    await Promise.all(services.filter((s) => s.started).map(launch));
    flavour.servicesReady?.(context);
    const finish = async () => {
      await flavour.close();
      await supervisor.stopAll(5000, new Set(model.services.map((x) => x.name)));
      rmSync(state, { recursive: true, force: true });
    };
    return {
      services,
      emulators: flavour.emulators,
      notes: flavour.notes,
      stop: finish,
      kill: async () => {
        void flavour.close();
        await supervisor.killAll();
        rmSync(state, { recursive: true, force: true });
      },
      stopService: (name, o) => (o?.kill === true ? supervisor.killOne(name) : supervisor.stopOne(name)),
      startService: async (name) => {
        const s = services.find((x) => x.name === name);
        if (s === undefined) throw new DevError(`no service ${name}`);
        await launch(s);
      },
      trigger: (name) => {
        const s = model.services.find((x) => x.name === name);
        if (s?.kind !== 'scheduled') throw new DevError(`${name} is not a scheduled service of the architecture`);
        return triggerRun(urls.get(name)!);
      },
    };
  } catch (e) {
    await flavour.close();
    await supervisor.stopAll(2000, new Set(model.services.map((x) => x.name)));
    rmSync(state, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Bundles each service's container entry with esbuild (in process) into `dir`/<service>.cjs. The workspace's own
 * packages are bundled from their TypeScript; every other package stays external, loaded from the workspace's
 * node_modules as the container's `npm ci` would install it.
 */
async function bundleServices(workspace: string, model: ResolvedArchitecture, names: readonly string[], dir: string): Promise<Map<string, string>> {
  const esbuild = await import('esbuild');
  const scope = `@${model.file.architecture.name}/`;
  const out = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const outfile = join(dir, `${name}.cjs`);
      await esbuild.build({
        entryPoints: [join(workspace, 'services', name, 'src', 'entry', 'server.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile,
        sourcemap: 'linked',
        keepNames: true,
        logLevel: 'silent',
        plugins: [
          {
            name: 'externals',
            setup(build) {
              build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith(scope) || args.path.startsWith('node:') ? undefined : { path: args.path, external: true }));
            },
          },
        ],
      });
      out.set(name, outfile);
    }),
  );
  return out;
}
