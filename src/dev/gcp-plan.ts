/**
 * The local plan of the gcp flavour: the Terraform JSON `allframe synth` writes (infrastructure/gcp/<env>/cdk.tf.json)
 * read as what to create on the Pub/Sub emulator (topics, subscriptions with their filters, dead-letter policies,
 * ack deadlines and push endpoints), and each Cloud Run service's environment with every reference resolved to its
 * local counterpart. As on AWS, a variable that points at something no emulator runs is replaced by name or fails.
 * There is no Cloud Storage emulator: a bucket is a directory (buckets.ts, OBJECT_STORE=fs).
 */
import { InternalError } from '../model/diagnostics';
import { calleesOf, calleeUrlVariable } from '../model/environment';
import { databaseName } from '../model/names';
import type { OutputFile } from '../model/output-file';
import type { ResolvedArchitecture, ResolvedService } from '../resolve/model';
import { gcpBucketName, gcpPrefix } from '../targets/gcp/naming';
import { isObjectStoreVariable, localBucketEnvironment, localBucketNames } from './buckets';
import { localDatabases } from './servers';

interface TfResource {
  readonly name?: string;
  readonly [key: string]: unknown;
}

type TfConfig = { readonly resource?: Readonly<Record<string, Readonly<Record<string, TfResource>>>> };

/** A subscription to create on the Pub/Sub emulator. */
export interface PlannedSubscription {
  readonly name: string;
  readonly topic: string;
  /** The subscription's filter as the cloud has it (the emulator ignores filters: the runner applies it). */
  readonly filter?: string;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveryAttempts: number };
  readonly ackDeadlineSeconds?: number;
  /** Where pushes go (a local URL), and whether the body is the raw message with its attributes as headers. */
  readonly push?: { readonly endpoint: string; readonly noWrapper: boolean; readonly writeMetadata: boolean };
}

export interface GcpPlace {
  readonly pubsubHost: string;
  readonly firestoreHost: string;
  readonly serviceUrl: (service: string) => string;
  readonly port: (service: string) => number;
  readonly databaseUrl: (database: string) => string;
  readonly cacheUrl: string;
  /** Where the buckets are kept, a directory each (OBJECT_STORE_DIR). */
  readonly bucketsDir: string;
  /** A secret's local value, by the variable it is given as. */
  readonly secret: (variable: string) => string;
}

export interface GcpLocalPlan {
  readonly project: string;
  readonly topics: readonly string[];
  readonly subscriptions: readonly PlannedSubscription[];
  readonly environments: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly databases: readonly string[];
  /** The buckets, each a directory of `bucketsDir`. */
  readonly buckets: readonly string[];
}

/** A bucket's local name (a directory): its name on Cloud Storage (`<project>-<architecture>-<owner>`). */
export function localGcsBucketName(model: ResolvedArchitecture, owner: ResolvedService): string {
  return gcpBucketName(model, owner);
}

const REF = /\$\{([^}]+)\}/g;

function terraform(outputs: readonly OutputFile[]): TfConfig {
  const file = outputs.find((f) => /^infrastructure\/gcp\/[^/]+\/cdk\.tf\.json$/.test(f.path));
  if (file === undefined) throw new InternalError('no infrastructure/gcp/<env>/cdk.tf.json among the synthesized files');
  return JSON.parse(file.content) as TfConfig;
}

/** The plan of `model`'s local run on the GCP emulators at `place`. */
export function gcpLocalPlan(model: ResolvedArchitecture, outputs: readonly OutputFile[], place: GcpPlace): GcpLocalPlan {
  const tf = terraform(outputs);
  const resources = tf.resource ?? {};
  const project = model.file.cloud?.gcp?.project_id ?? 'local-project';
  const prefix = gcpPrefix(model);
  const topics = resources.google_pubsub_topic ?? {};
  const runs = resources.google_cloud_run_v2_service ?? {};
  /** Resolves `${type.id.attribute}` references the local run knows; anything else throws naming it. */
  const resolve = (value: string, where: string): string =>
    value.replace(REF, (_, expr: string) => {
      const [type, id, attribute] = expr.split('.');
      if (type === 'google_pubsub_topic' && topics[id!] !== undefined) {
        const name = topics[id!]!.name!;
        return attribute === 'id' ? `projects/${project}/topics/${name}` : name;
      }
      if (type === 'google_cloud_run_v2_service' && runs[id!] !== undefined && attribute === 'uri') {
        const service = model.services.find((s) => `${prefix}-${s.name}` === runs[id!]!.name);
        if (service !== undefined) return place.serviceUrl(service.name);
      }
      throw new InternalError(`${where}: the local run does not resolve \${${expr}}`);
    });
  const subscriptions: PlannedSubscription[] = Object.entries(resources.google_pubsub_subscription ?? {}).map(([id, s]) => {
    const dead = s.dead_letter_policy as { dead_letter_topic: string; max_delivery_attempts?: number } | undefined;
    const push = s.push_config as { push_endpoint: string; no_wrapper?: { write_metadata?: boolean } } | undefined;
    const topicOf = (ref: string) => resolve(ref, id).replace(/^projects\/[^/]+\/topics\//, '');
    return {
      name: s.name!,
      topic: topicOf(String(s.topic)),
      ...(typeof s.filter === 'string' && s.filter !== '' ? { filter: s.filter } : {}),
      ...(dead !== undefined ? { deadLetter: { topic: topicOf(dead.dead_letter_topic), maxDeliveryAttempts: dead.max_delivery_attempts ?? 5 } } : {}),
      ...(typeof s.ack_deadline_seconds === 'number' ? { ackDeadlineSeconds: s.ack_deadline_seconds } : {}),
      ...(push !== undefined ? { push: { endpoint: resolve(push.push_endpoint, id), noWrapper: push.no_wrapper !== undefined, writeMetadata: push.no_wrapper?.write_metadata === true } } : {}),
    };
  });
  const databases = localDatabases(model);
  const environments = new Map<string, Record<string, string>>();
  for (const s of model.services) {
    const run = Object.values(runs).find((r) => r.name === `${prefix}-${s.name}`);
    const containers = ((run?.template as { containers?: { env?: { name: string; value?: string; value_source?: unknown }[] }[] } | undefined)?.containers ?? []);
    const callees = new Map(calleesOf(s.spec).map((c) => [calleeUrlVariable(c), c]));
    const env: Record<string, string> = {};
    for (const e of containers.flatMap((c) => c.env ?? [])) {
      const callee = callees.get(e.name);
      if (callee !== undefined) env[e.name] = place.serviceUrl(callee);
      else if (e.name === 'DATABASE_URL') env[e.name] = place.databaseUrl(databaseName(s.name));
      else if (e.name === 'CACHE_URL') env[e.name] = place.cacheUrl;
      else if (e.name === 'PG_IAM_AUTH') env[e.name] = 'false';
      else if (e.name === 'OUTBOUND_AUTH') env[e.name] = 'none';
      // the object store's variables name Cloud Storage buckets: locally they are the directories' (below)
      else if (e.name === 'PG_SERVER_CA' || e.name === 'SAGA_WORKFLOW' || isObjectStoreVariable(e.name)) continue;
      else if (e.value_source !== undefined) env[e.name] = place.secret(e.name);
      else env[e.name] = resolve(e.value ?? '', `${s.name}: ${e.name}`);
    }
    environments.set(s.name, {
      ...env,
      ...localBucketEnvironment(model, s, place.bucketsDir, (owner) => localGcsBucketName(model, owner)),
      PUBSUB_EMULATOR_HOST: place.pubsubHost,
      FIRESTORE_EMULATOR_HOST: place.firestoreHost,
      GOOGLE_CLOUD_PROJECT: env.GOOGLE_CLOUD_PROJECT ?? project,
      // no metadata server locally: the Google clients would look for one
      METADATA_SERVER_DETECTION: 'none',
      PORT: String(place.port(s.name)),
      API_DOCS: 'true',
      NODE_ENV: 'development',
    });
  }
  const buckets = localBucketNames(model, (owner) => localGcsBucketName(model, owner));
  return { project, topics: Object.values(topics).map((t) => t.name!), subscriptions, environments, databases, buckets };
}

/**
 * Whether a message with `attributes` passes a subscription filter of the forms allframe writes: `attributes.KEY =
 * "VALUE"` terms joined by OR. Another form is an internal error, never a filter silently ignored.
 */
export function passesFilter(filter: string, attributes: Readonly<Record<string, string>>): boolean {
  const terms = filter.split(/\s+OR\s+/);
  return terms.some((term) => {
    const m = /^\(?\s*attributes\.([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*\)?$/.exec(term.trim());
    if (m === null) throw new InternalError(`the local run does not evaluate the subscription filter ${JSON.stringify(filter)}`);
    return attributes[m[1]!] === m[2]!.replace(/\\(.)/g, '$1');
  });
}
