/**
 * The local plan of the fly flavour: each service's environment as the Fly target gives its app (the `[env]` of its
 * fly.toml and the secrets deploy.sh sets, both from one plan: src/targets/fly/app.ts), with every address pointed
 * at its local counterpart and every secret given a local value; and the event bus's nats-server configuration,
 * the bus app's own (the same users and permissions) listening on loopback.
 *
 * Secrets, by where deploy.sh takes them from:
 * - a secret of the file: the variable of its name in your environment, else `local-<name>`;
 * - a service's password on the bus: generated for the run, set on the bus and the service alike;
 * - the signing keys of calls: one Ed25519 key pair per caller and callee, generated for the run, so calls are
 *   signed and checked as on Fly;
 * - DATABASE_URL and CACHE_URL: the local PostgreSQL database of the service, the local Redis;
 * - a Tigris bucket's name, endpoint and keys: none; its bucket is a directory (buckets.ts: OBJECT_STORE=fs).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { natsPasswordVariable } from '../../lib-constructs/fly/nats-bus';
import { NATS_ADMIN_PASSWORD_VARIABLE, NATS_ADMIN_USER } from '../../lib-constructs/core/nats-defaults';
import { calleeUrlVariable, calleesOf } from '../model/environment';
import { databaseName } from '../model/names';
import type { ResolvedArchitecture } from '../resolve/model';
import { planServices, type SecretSource } from '../targets/fly/app';
import { busServerConfig } from '../targets/fly/bus-config';
import { busUrl, flyBucketName } from '../targets/fly/naming';
import { isObjectStoreVariable, localBucketEnvironment, localBucketNames } from './buckets';
import { localSecretDefault } from './servers';

export interface FlyPlace {
  /** Where the services reach the bus. @default '127.0.0.1' */
  readonly natsHost?: string;
  readonly natsPort: number;
  readonly natsMonitorPort: number;
  /** Where JetStream keeps its streams. */
  readonly natsStoreDir: string;
  readonly serviceUrl: (service: string) => string;
  readonly port: (service: string) => number;
  readonly databaseUrl: (database: string) => string;
  readonly cacheUrl: string;
  /** Where the buckets are kept, a directory each (OBJECT_STORE_DIR): no Tigris runs locally. */
  readonly bucketsDir: string;
  /** A secret of the file's, by its name: your environment's value, if any. */
  readonly secret: (name: string) => string | undefined;
  /** A service's bus password, and the admin's (`_admin`). @default - generated for the run */
  readonly busPassword?: (user: string) => string;
  /**
   * Whether calls are signed with key pairs made for the run; without, nothing is signed or checked
   * (OUTBOUND_AUTH and INBOUND_AUTH `none`, no keys): a file (compose.yaml) cannot hold keys made for each run.
   * @default true
   */
  readonly signedCalls?: boolean;
}

export interface FlyLocalPlan {
  readonly environments: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The bus, when any service publishes or consumes: its configuration, and the variables its passwords are in. */
  readonly bus?: { readonly config: string; readonly env: Readonly<Record<string, string>>; readonly adminPassword: string };
  /** Whether a service's calls are signed (a service calls another). */
  readonly signed: boolean;
  /** The buckets (each a directory of `bucketsDir`), by their Tigris names. */
  readonly buckets: readonly string[];
}

/** A bus password: letters and digits starting with a letter, as the server reads its variables (see nats-bus.ts). */
function newBusPassword(): string {
  return `p${randomBytes(24).toString('hex')}`;
}

/** The variables a local run sets itself or leaves out: the schedule is the runner's (`--no-scheduler` turns it off). */
const RUNNER_OWNED = new Set(['SCHEDULE_CRON', 'SCHEDULE_TIMEZONE']);

/** The plan of `model`'s local run at `place` (see the module comment). Passwords and keys are new on every call. */
export function flyLocalPlan(model: ResolvedArchitecture, place: FlyPlace): FlyLocalPlan {
  const plans = planServices(model);
  const busPassword = place.busPassword ?? newBusPassword;
  const signed = place.signedCalls ?? true;
  const passwords = new Map(plans.filter((p) => p.onBus).map((p) => [p.service.name, busPassword(p.service.name)]));
  /** One key pair per caller→callee edge, as deploy.sh makes them. */
  const edges = new Map<string, { privateKey: string; publicKey: string }>();
  const edge = (caller: string, callee: string) => {
    const id = `${caller}\u0000${callee}`;
    let pair = edges.get(id);
    if (pair === undefined) {
      const k = generateKeyPairSync('ed25519');
      pair = { privateKey: k.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), publicKey: k.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
      edges.set(id, pair);
    }
    return pair;
  };
  /** A secret's local value; undefined for what the local run leaves out (a Tigris bucket's secrets). */
  const local = (s: string, source: SecretSource, name: string): string | undefined => {
    switch (source.kind) {
      case 'file':
        return place.secret(name) ?? localSecretDefault(name);
      case 'nats-password':
        return passwords.get(s)!;
      case 'signing-key':
        return edge(s, source.callee).privateKey;
      case 'caller-key':
        return edge(source.caller, s).publicKey;
      case 'postgres':
        return place.databaseUrl(databaseName(s));
      case 'cache':
        return place.cacheUrl;
      case 'bucket':
        return undefined;
    }
  };
  const bus = `nats://${place.natsHost ?? '127.0.0.1'}:${place.natsPort}`;
  const environments = new Map<string, Record<string, string>>();
  for (const plan of plans) {
    const s = plan.service;
    const callees = new Map(calleesOf(s.spec).map((c) => [calleeUrlVariable(c), c]));
    const env: Record<string, string> = {};
    for (const [name, value] of plan.env) {
      // the bucket is a directory locally: its variables are the local object store's (below), Tigris's region goes
      if (RUNNER_OWNED.has(name) || isObjectStoreVariable(name) || (name === 'AWS_REGION' && s.storage !== undefined)) continue;
      const callee = callees.get(name);
      if (callee !== undefined) env[name] = place.serviceUrl(callee);
      else if (name === 'NATS_URL' && value === busUrl(model)) env[name] = bus;
      // An internal service checks every signed call as on Fly, and lets unsigned ones through: you call it with curl.
      else if (name === 'INBOUND_AUTH') env[name] = signed ? 'ed25519-optional' : 'none';
      else if (name === 'OUTBOUND_AUTH') env[name] = signed ? value : 'none';
      else if (name === 'TRUSTED_CALLERS' && !signed) continue;
      else env[name] = value;
    }
    for (const [name, source] of plan.secrets) {
      if (!signed && (source.kind === 'signing-key' || source.kind === 'caller-key')) continue;
      const value = local(s.name, source, name);
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, localBucketEnvironment(model, s, place.bucketsDir, (owner) => flyBucketName(model, owner)));
    environments.set(s.name, { ...env, PORT: String(place.port(s.name)), API_DOCS: 'true', NODE_ENV: 'development' });
  }
  const users = plans.filter((p) => p.onBus);
  const adminPassword = place.secret(NATS_ADMIN_PASSWORD_VARIABLE) ?? busPassword(NATS_ADMIN_USER);
  return {
    environments,
    signed: edges.size > 0,
    buckets: localBucketNames(model, (owner) => flyBucketName(model, owner)),
    ...(users.length > 0
      ? {
          bus: {
            config: busServerConfig(model, users, { host: '127.0.0.1', port: place.natsPort, monitorPort: place.natsMonitorPort, storeDir: place.natsStoreDir }),
            env: { ...Object.fromEntries(users.map((p) => [natsPasswordVariable(p.service.name), passwords.get(p.service.name)!])), [NATS_ADMIN_PASSWORD_VARIABLE]: adminPassword },
            adminPassword,
          },
        }
      : {}),
  };
}
