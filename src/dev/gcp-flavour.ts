/**
 * The gcp flavour of `allframe dev`: Google's Pub/Sub and Firestore emulators (the Google Cloud CLI's components),
 * PostgreSQL and Redis; topics and subscriptions created from the synthesized Terraform (gcp-plan.ts) through the
 * emulator's Pub/Sub REST API; each Cloud Run service's environment, resolved locally.
 *
 * The Pub/Sub emulator ignores subscription filters. Filtering is unambiguous (a message passes or it is acked for
 * the subscriber), so the runner makes up for it: a filtered push subscription pushes to the runner's filter proxy,
 * which acknowledges what the filter excludes and forwards the rest to the service, answering with its status (a
 * failure is retried, then dead-lettered by the emulator as in the cloud).
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { ResolvedArchitecture } from '../resolve/model';
import type { OutputFile } from '../model/output-file';
import { createLocalBuckets, LOCAL_BUCKETS_DIR, usesBuckets } from './buckets';
import { EMULATOR_PORTS } from './constants';
import type { Flavour, RunPlace } from './flavour';
import { gcpLocalPlan, passesFilter, type GcpLocalPlan, type PlannedSubscription } from './gcp-plan';
import { answers200, waitUntil, type Supervisor } from './processes';
import { dataServers, localSecretDefault } from './servers';

/** The filter proxy's port, from the base. */
const PROXY_PORT = 5;

/** Quiets the Pub/Sub emulator's per-request log, keeping its start-up line. */
const PUBSUB_LOGGING = ['handlers=java.util.logging.ConsoleHandler', 'java.util.logging.ConsoleHandler.level=ALL', '.level=INFO', 'io.gapi.emulators.level=WARNING', 'io.grpc.level=SEVERE', ''].join('\n');

/** The Google Cloud SDK's root: gcloud is <root>/bin/gcloud. */
function sdkRoot(gcloud: string): string {
  return dirname(dirname(realpathSync(gcloud)));
}

async function startPubsub(supervisor: Supervisor, root: string, port: number, state: string, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(state, { recursive: true });
  const logging = join(state, 'pubsub-logging.properties');
  writeFileSync(logging, PUBSUB_LOGGING);
  const p = supervisor.start('pubsub', join(root, 'platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator'), [`--host=127.0.0.1`, `--port=${port}`], {
    env: { ...env, JAVA_OPTS: `-Djava.util.logging.config.file=${logging} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC` },
  });
  await waitUntil('the Pub/Sub emulator', () => answers200(`http://127.0.0.1:${port}/`), { timeoutMs: 60_000, intervalMs: 100, process: p });
}

async function startFirestore(supervisor: Supervisor, root: string, port: number, env: NodeJS.ProcessEnv): Promise<void> {
  const p = supervisor.start('firestore', join(root, 'platform', 'cloud-firestore-emulator', 'cloud_firestore_emulator'), ['start', '--host=127.0.0.1', `--port=${port}`], { env });
  await waitUntil('the Firestore emulator', () => answers200(`http://127.0.0.1:${port}/`), { timeoutMs: 60_000, intervalMs: 100, process: p });
}

/** PUT a Pub/Sub REST resource on the emulator (a topic or a subscription); one that exists already is fine. */
async function put(host: string, path: string, body: object): Promise<void> {
  const response = await fetch(`http://${host}/v1/${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok && response.status !== 409) throw new Error(`the Pub/Sub emulator refused PUT ${path}: ${response.status} ${await response.text()}`);
}

/** Creates the topics, then the subscriptions, of `plan` on the emulator at `host`; `push` gives each push subscription's local endpoint. */
export async function provisionPubsub(host: string, plan: GcpLocalPlan, push: (s: PlannedSubscription) => string | undefined): Promise<void> {
  for (const topic of plan.topics) await put(host, `projects/${plan.project}/topics/${topic}`, {});
  for (const s of plan.subscriptions) {
    const endpoint = push(s);
    await put(host, `projects/${plan.project}/subscriptions/${s.name}`, {
      topic: `projects/${plan.project}/topics/${s.topic}`,
      ...(s.filter !== undefined ? { filter: s.filter } : {}),
      ...(s.ackDeadlineSeconds !== undefined ? { ackDeadlineSeconds: s.ackDeadlineSeconds } : {}),
      ...(s.deadLetter !== undefined ? { deadLetterPolicy: { deadLetterTopic: `projects/${plan.project}/topics/${s.deadLetter.topic}`, maxDeliveryAttempts: s.deadLetter.maxDeliveryAttempts } } : {}),
      ...(endpoint !== undefined ? { pushConfig: { pushEndpoint: endpoint, ...(s.push?.noWrapper === true ? { noWrapper: { writeMetadata: s.push.writeMetadata } } : {}) } } : {}),
    });
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The attributes of a pushed message: headers when unwrapped with metadata, else the JSON wrapper's. */
function pushedAttributes(s: PlannedSubscription, req: IncomingMessage, body: Buffer): Record<string, string> {
  if (s.push?.noWrapper === true) return Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
  try {
    return (JSON.parse(body.toString('utf8')) as { message?: { attributes?: Record<string, string> } }).message?.attributes ?? {};
  } catch {
    return {};
  }
}

/** The filter proxy (see the module comment): POST /push/<subscription>, and GET /healthz. */
export function filterProxy(subscriptions: readonly PlannedSubscription[], port: number, host = '127.0.0.1'): Promise<Server> {
  const byName = new Map(subscriptions.map((s) => [s.name, s]));
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200).end('ok');
      return;
    }
    const s = byName.get(decodeURIComponent((req.url ?? '').replace(/^\/push\//, '')));
    readBody(req).then(
      async (body) => {
        if (s?.push === undefined || s.filter === undefined) {
          res.writeHead(404).end();
          return;
        }
        if (!passesFilter(s.filter, pushedAttributes(s, req, body))) {
          res.writeHead(204).end();
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' && k !== 'host' && k !== 'content-length' ? [[k, v]] : [])));
        const forwarded = await fetch(s.push.endpoint, { method: 'POST', headers, body }).catch(() => undefined);
        res.writeHead(forwarded?.status ?? 503).end(forwarded !== undefined ? Buffer.from(await forwarded.arrayBuffer()) : undefined);
      },
      () => res.writeHead(400).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Where a subscription pushes: through the filter proxy at `proxy` when it has a filter, else straight to the service. */
export function pushThrough(proxy: string): (s: PlannedSubscription) => string | undefined {
  return (s) => (s.push === undefined ? undefined : s.filter !== undefined ? `${proxy}/push/${encodeURIComponent(s.name)}` : s.push.endpoint);
}

/** The gcp flavour (see the module comment). */
export function gcpFlavour(model: ResolvedArchitecture, outputs: readonly OutputFile[], place: RunPlace, state: string): Flavour {
  const { base, ports } = place;
  const pubsubPort = base + EMULATOR_PORTS.pubsub;
  const firestorePort = base + EMULATOR_PORTS.firestore;
  const proxyPort = base + PROXY_PORT;
  const servers = dataServers(model, base);
  const bucketsDir = join(state, LOCAL_BUCKETS_DIR);
  const plan = gcpLocalPlan(model, outputs, {
    pubsubHost: `127.0.0.1:${pubsubPort}`,
    firestoreHost: `127.0.0.1:${firestorePort}`,
    serviceUrl: (name) => `http://127.0.0.1:${ports.get(name)}`,
    port: (name) => ports.get(name)!,
    databaseUrl: servers.databaseUrl,
    cacheUrl: servers.cacheUrl,
    bucketsDir,
    secret: (variable) => place.env[variable] ?? localSecretDefault(variable),
  });
  const kinds = new Set(model.services.map((s) => s.kind));
  const notes = [
    'every service runs its container entry (src/entry/server.ts) on Node, as Cloud Run runs its image',
    'the Pub/Sub emulator ignores subscription filters: filtered push subscriptions go through allframe dev\'s filter proxy, which acknowledges what the filter excludes',
    'Pub/Sub redelivers without the subscriptions\' retry backoff (the number of delivery attempts before dead-lettering is the cloud\'s)',
    'pushes carry no OIDC token and services call each other without ID tokens (OUTBOUND_AUTH=none); secrets are given as the variables Cloud Run would set, from your environment or local-<name>',
  ];
  if (kinds.has('saga-orchestrator')) notes.push('sagas run their steps in process: there is no Workflows emulator');
  if (usesBuckets(model)) notes.push(`there is no Cloud Storage emulator: each bucket is a directory under ${bucketsDir} (OBJECT_STORE=fs), removed at the end of the run`);
  notes.push(...servers.notes);
  let proxy: Server | undefined;
  return {
    tools: ['gcloud', ...servers.tools],
    ports: [['pubsub', pubsubPort], ['firestore', firestorePort], ['filter proxy', proxyPort], ...servers.ports],
    sdkProbe: '@google-cloud/pubsub',
    environments: plan.environments,
    emulators: new Map([
      ['pubsub', `http://127.0.0.1:${pubsubPort}`],
      ['firestore', `http://127.0.0.1:${firestorePort}`],
      ...servers.emulators,
    ]),
    notes,
    async start(context) {
      const { supervisor, childEnv } = context;
      createLocalBuckets(bucketsDir, plan.buckets);
      const root = sdkRoot(context.tools.gcloud!);
      await Promise.all([startPubsub(supervisor, root, pubsubPort, join(state, 'pubsub'), childEnv), startFirestore(supervisor, root, firestorePort, childEnv)]);
      await servers.start(context);
      proxy = await filterProxy(plan.subscriptions, proxyPort);
      await provisionPubsub(`127.0.0.1:${pubsubPort}`, plan, pushThrough(`http://127.0.0.1:${proxyPort}`));
    },
    close: () => new Promise<void>((resolve) => (proxy !== undefined ? proxy.close(() => resolve()) : resolve())),
  };
}
