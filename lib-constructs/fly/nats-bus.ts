/**
 * The NATS JetStream event bus of an architecture on Fly.io: the names every party agrees on (streams, subjects,
 * durable consumers, users, the environment variables holding their passwords) and the nats-server configuration
 * of the bus app. Pure: no I/O, usable on its own.
 *
 * Who creates what. nats-server cannot declare streams or consumers in its configuration, so the services create
 * them, idempotently, when they start (the platform package, src/skeletons/platform/src/nats.ts): a publisher makes
 * sure the events stream exists (`STREAM.INFO`, then `STREAM.CREATE` when it is missing); a consumer makes sure of
 * the events stream, the DLQ stream and its own durable consumers (`CONSUMER.INFO`, then create or update). The
 * stream limits are the platform's, so every service creates the same streams; an existing stream is never
 * updated by a service (no `STREAM.UPDATE`): changing its limits is the operator's job, as the admin user.
 *
 * Least privilege. Each service is a user of its own, whose password the bus app reads from the environment
 * variable `NATS_PASSWORD_<SERVICE>` (a Fly secret of the bus app; the service gets the same value as its own
 * NATS_PASSWORD). A user may publish only
 * - its own events: `<arch>.events.<service>.>`;
 * - when it consumes, its own dead letters: `<arch>.dlq.<service>`;
 * - the JetStream API calls of those streams it needs (`STREAM.INFO` and `STREAM.CREATE` of the events stream,
 *   and of the DLQ stream when it consumes), and for its own durable consumers only: `CONSUMER.INFO`,
 *   `CONSUMER.MSG.NEXT` (pulling), the create call and the acknowledgements (`$JS.ACK.<stream>.<durable>.>`, and
 *   the form with a domain and an account hash in front).
 *   A durable with one filter subject is created through `CONSUMER.CREATE.<stream>.<durable>.<subject>`, so the
 *   permission pins its filter; one with several (`filter_subjects`, NATS 2.10+) through
 *   `CONSUMER.DURABLE.CREATE.<stream>.<durable>`, whose filters the server cannot check against permissions.
 * It may subscribe only to its own inbox (`_INBOX.<service>.>`: the platform connects with that inbox prefix, so
 * no service sees another's replies, pulled messages included) and to the max-deliveries advisories of its own
 * durables. No one subscribes to the event subjects themselves: events are read through consumers.
 *
 * Broadcasts. A service whose every instance must get every message of a subject (a WebSocket gateway's
 * subscriptions: each Machine holds its own connections) follows it with an ephemeral consumer per instance and
 * subject, pushing to the instance's inbox without acknowledgements (the platform's `startJetStreamBroadcast`). The
 * names are made at run time, so the permission is `CONSUMER.CREATE.<stream>.*.<subject>`: any name, but only that
 * filter, and nothing to pull, acknowledge or delete; the server drops the consumers nobody listens to.
 * Nothing grants `STREAM.MSG.GET` or `DIRECT.GET`: they read any message of a stream by sequence, whatever its
 * subject, so any consumer could read every event of the architecture.
 *
 * Durables. One per consuming service, named after it, filtering the subjects it consumes. `filter_subjects`
 * (several) needs NATS 2.10; on an older server (Debian's 2.9, used by local runs and tests) the platform falls back
 * to one durable per subject, `<service>-<n>` with n from the subjects' sorted order ({@link natsFallbackDurables}),
 * and logs that it does. The configuration allows both, whatever the server.
 */
import { NATS_ADMIN_PASSWORD_VARIABLE, NATS_ADMIN_USER, natsBusDefaults } from '../core/nats-defaults';

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** An event type: one subject token, no wildcard or separator. */
const EVENT_TYPE = /^[A-Za-z0-9_-]+$/;

/** The events stream of `architecture`: upper-cased, `-` as `_`, plus `_EVENTS` (`shop` → `SHOP_EVENTS`). */
export function natsStreamName(architecture: string): string {
  return `${streamPrefix(architecture)}_EVENTS`;
}

/** The dead-letter stream of `architecture` (`shop` → `SHOP_DLQ`). */
export function natsDlqStreamName(architecture: string): string {
  return `${streamPrefix(architecture)}_DLQ`;
}

function streamPrefix(architecture: string): string {
  return architecture.toUpperCase().replace(/-/g, '_');
}

/** The subjects of the events stream: `<arch>.events.>`. */
export function natsEventSubjects(architecture: string): string {
  return `${architecture}.events.>`;
}

/** The subjects of the DLQ stream: `<arch>.dlq.>`. */
export function natsDlqSubjects(architecture: string): string {
  return `${architecture}.dlq.>`;
}

/** Where service `publisher` publishes, its EVENT_TARGET: `<arch>.events.<publisher>` (an event adds `.<type>`). */
export function natsPublisherPrefix(architecture: string, publisher: string): string {
  return `${architecture}.events.${publisher}`;
}

/** The subject of events of `type` published by `publisher`: `<arch>.events.<publisher>.<type>`. */
export function natsEventSubject(architecture: string, publisher: string, type: string): string {
  return `${natsPublisherPrefix(architecture, publisher)}.${type}`;
}

/** Where consumer service `consumer` dead-letters, its NATS_DLQ_SUBJECT: `<arch>.dlq.<consumer>`. */
export function natsDlqSubject(architecture: string, consumer: string): string {
  return `${architecture}.dlq.${consumer}`;
}

/** The environment variable of the bus app holding `service`'s password: `NATS_PASSWORD_ORDER_SERVICE`. */
export function natsPasswordVariable(service: string): string {
  return `NATS_PASSWORD_${service.toUpperCase().replace(/-/g, '_')}`;
}

/** The inbox prefix `service` connects with (the platform sets it from NATS_USER): `_INBOX.<service>`. */
export function natsInboxPrefix(service: string): string {
  return `_INBOX.${service}`;
}

/** A durable consumer and the subjects it filters. */
export interface NatsDurable {
  readonly name: string;
  readonly subjects: readonly string[];
}

/** The consumed subjects in their stable order: sorted, without duplicates. */
export function natsSortedSubjects(subjects: readonly string[]): string[] {
  return [...new Set(subjects)].sort();
}

/** NATS 2.10+: the one durable of `service`, named after it, filtering every subject it consumes. */
export function natsDurable(service: string, subjects: readonly string[]): NatsDurable {
  return { name: service, subjects: natsSortedSubjects(subjects) };
}

/** Before NATS 2.10 (no `filter_subjects`): one durable per subject, `<service>-<n>`, n from 1 in sorted order. */
export function natsFallbackDurables(service: string, subjects: readonly string[]): NatsDurable[] {
  return natsSortedSubjects(subjects).map((subject, i) => ({ name: `${service}-${i + 1}`, subjects: [subject] }));
}

/** A service on the bus. */
export interface NatsBusService {
  /** The service's name (kebab-case): its user name on the bus. */
  readonly name: string;
  /** Whether it publishes events (on `<arch>.events.<name>.>`). */
  readonly publishes: boolean;
  /** The subjects of the events it consumes (`<arch>.events.<publisher>.<type>`); empty when it consumes none. */
  readonly consumes: readonly string[];
  /**
   * The subjects every instance of it follows, each with an ephemeral consumer of its own (a broadcast, e.g. a
   * WebSocket gateway's subscriptions), as opposed to `consumes`' durables, where each message goes to one instance.
   * @default - none
   */
  readonly broadcasts?: readonly string[];
}

export interface NatsBusProps {
  /** The architecture's name (kebab-case). */
  readonly architecture: string;
  /** Every service publishing or consuming events; each is a user of the bus. */
  readonly services: readonly NatsBusService[];
  /**
   * The most JetStream may keep on disk, in bytes; keep it below the volume's size.
   * @default 805306368 (768 MiB, for a 1 GB volume)
   */
  readonly maxFileStore?: number;
  /**
   * The most JetStream may keep in memory, in bytes.
   * @default 67108864 (64 MiB)
   */
  readonly maxMemoryStore?: number;
  /**
   * Where JetStream keeps its files (on the bus app's volume).
   * @default '/data/jetstream'
   */
  readonly storeDir?: string;
  /**
   * The address the client and monitoring ports listen on.
   * @default '::' (IPv6, Fly's private network, and IPv4)
   */
  readonly host?: string;
  /**
   * The client port.
   * @default 4222
   */
  readonly port?: number;
  /**
   * The monitoring port (`/healthz` for Fly's checks, `/varz`, `/jsz`); reachable only on the private network.
   * @default 8222
   */
  readonly monitorPort?: number;
  /**
   * Add the operators' user `_admin`, with every permission, whose password is the bus app's NATS_ADMIN_PASSWORD.
   * @default true
   */
  readonly admin?: boolean;
  /**
   * The server's name (in its logs and monitoring).
   * @default '<architecture>-bus'
   */
  readonly serverName?: string;
}

/** What a user may publish and subscribe to. */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/**
 * The permissions of `service` (see the file's comment for why each is there). Its durables are both the 2.10 one
 * and the fallback ones, so the configuration fits whichever server runs it.
 */
export function natsUserPermissions(architecture: string, service: NatsBusService): NatsPermissions {
  const stream = natsStreamName(architecture);
  const api = '$JS.API';
  const publish: string[] = [];
  const subscribe: string[] = [`${natsInboxPrefix(service.name)}.>`];
  if (service.publishes) publish.push(`${natsPublisherPrefix(architecture, service.name)}.>`);
  publish.push(`${api}.STREAM.INFO.${stream}`, `${api}.STREAM.CREATE.${stream}`);
  const subjects = natsSortedSubjects(service.consumes);
  if (subjects.length > 0) {
    const dlqStream = natsDlqStreamName(architecture);
    publish.push(natsDlqSubject(architecture, service.name), `${api}.STREAM.INFO.${dlqStream}`, `${api}.STREAM.CREATE.${dlqStream}`);
    const single = natsDurable(service.name, subjects);
    for (const durable of [single, ...natsFallbackDurables(service.name, subjects)]) {
      const [only] = durable.subjects;
      publish.push(
        `${api}.CONSUMER.INFO.${stream}.${durable.name}`,
        durable.subjects.length === 1 && only !== undefined
          ? `${api}.CONSUMER.CREATE.${stream}.${durable.name}.${only}`
          : `${api}.CONSUMER.DURABLE.CREATE.${stream}.${durable.name}`,
        `${api}.CONSUMER.MSG.NEXT.${stream}.${durable.name}`,
        `$JS.ACK.${stream}.${durable.name}.>`,
        // the acknowledgement subjects' second form (domain and account hash first), which newer servers may use
        `$JS.ACK.*.*.${stream}.${durable.name}.>`,
      );
      subscribe.push(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable.name}`);
    }
  }
  // a broadcast: any name (each instance makes its own, and makes it again when lost), the filter pinned to one
  // subject; the messages come to its inbox, unacknowledged
  for (const subject of natsSortedSubjects(service.broadcasts ?? [])) publish.push(`${api}.CONSUMER.CREATE.${stream}.*.${subject}`);
  return { publish, subscribe };
}

/** Problems of `props`, each naming what is at fault. */
function problemsOf(props: NatsBusProps): string[] {
  const problems: string[] = [];
  const arch = props.architecture;
  if (!KEBAB.test(arch)) problems.push(`architecture ${JSON.stringify(arch)} is not kebab-case`);
  const seen = new Set<string>();
  for (const s of props.services) {
    if (!KEBAB.test(s.name)) problems.push(`service ${JSON.stringify(s.name)} is not kebab-case`);
    if (seen.has(s.name)) problems.push(`service ${s.name} is listed twice`);
    seen.add(s.name);
    for (const subject of [...s.consumes, ...(s.broadcasts ?? [])]) {
      const tokens = subject.split('.');
      const [a, events, publisher, type] = tokens;
      const ok = tokens.length === 4 && a === arch && events === 'events' && publisher !== undefined && KEBAB.test(publisher) && type !== undefined && EVENT_TYPE.test(type);
      if (!ok) problems.push(`service ${s.name} consumes ${JSON.stringify(subject)}, which is not ${arch}.events.<publisher>.<EventType>`);
    }
  }
  for (const [what, value] of [['maxFileStore', props.maxFileStore], ['maxMemoryStore', props.maxMemoryStore], ['port', props.port], ['monitorPort', props.monitorPort]] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) problems.push(`${what} must be a positive whole number, got ${value}`);
  }
  if (props.port !== undefined && props.port === props.monitorPort) problems.push('port and monitorPort must differ');
  // an empty user list would leave the server without authentication
  if (props.services.length === 0 && props.admin === false) problems.push('the bus has no user: no service and no admin');
  return problems;
}

/** A string in the configuration's syntax: double-quoted, so `$` starts no variable reference. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

function list(values: readonly string[], indent: string): string {
  return `[\n${values.map((v) => `${indent}  ${quoted(v)}`).join('\n')}\n${indent}]`;
}

function hostPort(host: string, port: number): string {
  return quoted(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
}

/**
 * The nats-server configuration of the bus app of `props.architecture`: the client port, the monitoring port
 * (`/healthz`), JetStream on the volume with its limits, and one user per service with least-privilege permissions
 * whose password the server reads from the environment (`$NATS_PASSWORD_<SERVICE>`, unquoted: a quoted `$` is
 * literal). The server refuses to start when one of those variables is unset, so every password must be a secret of
 * the bus app. The server parses a variable's value like a configuration value: passwords should be letters and
 * digits starting with a letter (a leading digit reads as a number; `#` starts a comment).
 * Throws listing every problem of the props.
 */
export function renderNatsServerConfig(props: NatsBusProps): string {
  const problems = problemsOf(props);
  if (problems.length > 0) throw new Error(`NATS bus of ${props.architecture}: ${problems.join('; ')}`);
  const d = natsBusDefaults();
  const host = props.host ?? d.host;
  const users = props.services.map((s) => {
    const p = natsUserPermissions(props.architecture, s);
    return [
      '    {',
      `      user: ${quoted(s.name)}`,
      `      password: $${natsPasswordVariable(s.name)}`,
      '      permissions: {',
      `        publish: { allow: ${list(p.publish, '        ')} }`,
      `        subscribe: { allow: ${list(p.subscribe, '        ')} }`,
      '      }',
      '    }',
    ].join('\n');
  });
  if (props.admin ?? true) users.push(`    # operators: every permission\n    { user: ${quoted(NATS_ADMIN_USER)}, password: $${NATS_ADMIN_PASSWORD_VARIABLE} }`);
  return [
    `# nats-server configuration of the event bus of ${props.architecture} (written by allframe).`,
    '# Streams and durable consumers are created by the services at start-up (allframe platform package);',
    '# each service is a user allowed only its own subjects, stream calls, consumers and inbox.',
    `server_name: ${quoted(props.serverName ?? `${props.architecture}-bus`)}`,
    `listen: ${hostPort(host, props.port ?? d.port)}`,
    '# monitoring: /healthz for the checks, /varz and /jsz for operators (private network only)',
    `http: ${hostPort(host, props.monitorPort ?? d.monitorPort)}`,
    '',
    'jetstream {',
    `  store_dir: ${quoted(props.storeDir ?? d.storeDir)}`,
    `  max_file_store: ${props.maxFileStore ?? d.maxFileStore}`,
    `  max_memory_store: ${props.maxMemoryStore ?? d.maxMemoryStore}`,
    '}',
    '',
    'authorization {',
    '  users: [',
    users.join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
