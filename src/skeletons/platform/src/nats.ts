/**
 * Events on NATS JetStream (the Fly.io target): a publisher, and a consumer runner feeding pulled messages to the
 * same processing as SQS and Pub/Sub deliveries (consumer.ts: idempotency, contracts, per-message failures).
 *
 * The names are the bus's (allframe's lib-constructs/fly/nats-bus.ts writes the server's permissions from the same
 * rules; a test holds the two equal): one stream per architecture, `<ARCH>_EVENTS` on `<arch>.events.>`, where
 * service P publishes an event of type T on `<arch>.events.<P>.<T>`; one DLQ stream, `<ARCH>_DLQ` on `<arch>.dlq.>`,
 * where consumer C dead-letters on `<arch>.dlq.<C>`. Each service connects as its own user with the inbox prefix
 * `_INBOX.<user>` (the only inbox its permissions let it read).
 *
 * Services create what they use, idempotently, at start-up (the server's configuration cannot): the streams when
 * missing (never updated: their limits are the operator's once they exist), and a consumer's durables (created, or
 * updated when their ack wait, deliveries or filters changed).
 *
 * Dead letters. JetStream has no DLQ: the runner publishes a message that failed its last allowed delivery
 * (`maxDeliver`, the file's consumer.max_retries) to the DLQ subject, with headers saying where it came from and why,
 * then terminates it. The durable allows {@link DEAD_LETTER_DELIVERIES} deliveries more than `maxDeliver`, and a
 * delivery past `maxDeliver` is dead-lettered without running the handler: so a message whose final delivery was
 * never acknowledged (the consumer was killed, or the handler outlived the ack wait) reaches the DLQ too, from the
 * next instance that pulls it, and a failed DLQ publish is retried. The alternative, copying the message when the
 * server's max-deliveries advisory arrives, is not used: advisories are not stored, so when the only instance is the
 * one that was killed nobody hears it; and copying needs `STREAM.MSG.GET` or direct get on the events stream, which
 * read any message by sequence, whatever its subject, so every consumer could read every event of the architecture.
 * The runner still listens to the advisory of its durables: it now means a message ran out of deliveries without
 * reaching the DLQ (every dead-letter attempt failed), and is logged as an error with its stream sequence (the
 * message stays in the stream, within its retention, for an operator to recover).
 *
 * Several filter subjects on one durable (`filter_subjects`) need NATS 2.10. On an older server (Debian's 2.9, for
 * local runs and tests) the runner makes one durable per subject, `<consumer>-<n>` with n from the sorted subjects,
 * and logs that it does. The clients are loaded when first used, so services on other clouds never load them.
 */
import type { ConnectionOptions, Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Consumer, ConsumerConfig, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, StreamConfig } from '@nats-io/jetstream';
import type { BatchProcessor, QueueMessage } from './consumer';
import { PublishError, type EventEnvelope, type EventPublisher } from './events';
import type { Logger } from './logger';

/** How long the events stream keeps a message (acknowledged or not): 7 days, as a Pub/Sub topic or an SNS replay. */
export const NATS_EVENTS_MAX_AGE_SECONDS = 7 * 24 * 3600;
/** How long the DLQ stream keeps a dead letter: 14 days, as an SQS dead-letter queue at most. */
export const NATS_DLQ_MAX_AGE_SECONDS = 14 * 24 * 3600;
/** The window in which a second message with the same `Nats-Msg-Id` (the event id) is dropped as a duplicate. */
export const NATS_DUPLICATE_WINDOW_SECONDS = 120;
/** Deliveries a durable allows beyond `maxDeliver`, each only to dead-letter the message (see the file's comment). */
export const DEAD_LETTER_DELIVERIES = 3;

/** The headers of a dead letter (its data is the original message's). */
export const DLQ_HEADERS = {
  subject: 'Dlq-Original-Subject',
  stream: 'Dlq-Original-Stream',
  sequence: 'Dlq-Original-Sequence',
  consumer: 'Dlq-Original-Consumer',
  /** The failed deliveries: `maxDeliver`, the last one's failure being `error`. */
  deliveries: 'Dlq-Delivery-Count',
  error: 'Dlq-Last-Error',
} as const;

const NANOS_PER_SECOND = 1_000_000_000;
/** JetStream API error codes the runner handles. */
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NOT_FOUND = 10014;

function upperName(architecture: string): string {
  return architecture.toUpperCase().replace(/-/g, '_');
}

/** The events stream of `architecture` (`shop` → `SHOP_EVENTS`). */
export function natsStreamName(architecture: string): string {
  return `${upperName(architecture)}_EVENTS`;
}

/** The dead-letter stream of `architecture` (`shop` → `SHOP_DLQ`). */
export function natsDlqStreamName(architecture: string): string {
  return `${upperName(architecture)}_DLQ`;
}

/** The inbox prefix of user `user`: `_INBOX.<user>`, the only inbox the bus lets it subscribe to. */
export function natsInboxPrefix(user: string): string {
  return `_INBOX.${user}`;
}

/** The architecture a subject of the bus belongs to: its first token (`shop.events.orders.OrderPlaced` → `shop`). */
export function natsArchitectureOf(subject: string): string {
  return subject.split('.')[0] ?? '';
}

/** How to reach the bus. */
export interface NatsSettings {
  /** Server URLs (`nats://host:4222`); the client tries them in turn. */
  readonly servers: readonly string[];
  /** The user (the service's name); none connects without authentication. */
  readonly user?: string;
  readonly password?: string;
  /** The connection's name in the server's monitoring. @default - the user */
  readonly name?: string;
}

/** The settings in `env`: NATS_URL (a comma list allowed), NATS_USER, NATS_PASSWORD. Throws when NATS_URL is empty. */
export function natsSettingsFrom(env: Record<string, string | undefined>): NatsSettings {
  const servers = (env.NATS_URL ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) throw new Error('NATS_URL is required for EVENT_BUS=nats');
  const user = env.NATS_USER ?? '';
  return { servers, ...(user !== '' ? { user, password: env.NATS_PASSWORD ?? '' } : {}) };
}

/** Connects with `settings`: the user's inbox prefix, and reconnecting for ever once connected. */
export async function connectNats(settings: NatsSettings): Promise<NatsConnection> {
  const { connect } = await import('@nats-io/transport-node');
  const options: ConnectionOptions = { servers: [...settings.servers], maxReconnectAttempts: -1 };
  if (settings.user !== undefined) Object.assign(options, { user: settings.user, pass: settings.password ?? '', inboxPrefix: natsInboxPrefix(settings.user) });
  const name = settings.name ?? settings.user;
  if (name !== undefined) options.name = name;
  return connect(options);
}

const shared = new Map<string, Promise<NatsConnection>>();

/** One connection per server list and user, shared by the publishers of the process; a failed connect is retried by the next call. */
export function sharedNatsConnection(settings: NatsSettings): Promise<NatsConnection> {
  const key = `${settings.servers.join(',')}|${settings.user ?? ''}`;
  let connection = shared.get(key);
  if (!connection) {
    connection = connectNats(settings);
    connection.catch(() => shared.delete(key));
    shared.set(key, connection);
  }
  return connection;
}

/** Drains and closes every shared connection (the service's shutdown; closePools calls it). */
export async function closeNatsConnections(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(
    all.map(async (c) => {
      const nc = await c.catch(() => undefined);
      if (nc && !nc.isClosed()) await nc.drain();
    }),
  );
}

function apiErrorCode(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Creates stream `name` on `subjects` unless it exists (a stream that exists is left as it is). */
export async function ensureStream(jsm: JetStreamManager, name: string, subjects: readonly string[], maxAgeSeconds: number): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (err) {
    if (apiErrorCode(err) !== STREAM_NOT_FOUND) throw err;
  }
  const config: Partial<StreamConfig> & { name: string } = {
    name,
    subjects: [...subjects],
    retention: 'limits',
    storage: 'file',
    discard: 'old',
    num_replicas: 1,
    max_age: maxAgeSeconds * NANOS_PER_SECOND,
    duplicate_window: NATS_DUPLICATE_WINDOW_SECONDS * NANOS_PER_SECOND,
  };
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // another service created it in the meantime, perhaps with other limits: it is theirs
    if (apiErrorCode(err) !== STREAM_NAME_IN_USE) throw err;
  }
}

/** The events stream of `architecture` and, for a consumer, its DLQ stream, created when missing. */
async function ensureStreams(jsm: JetStreamManager, events: string, architecture: string, dlq?: { stream: string; architecture: string }): Promise<void> {
  await ensureStream(jsm, events, [`${architecture}.events.>`], NATS_EVENTS_MAX_AGE_SECONDS);
  if (dlq) await ensureStream(jsm, dlq.stream, [`${dlq.architecture}.dlq.>`], NATS_DLQ_MAX_AGE_SECONDS);
}

/**
 * Publishes each event with JetStream on `<prefix>.<type>` (the prefix is EVENT_TARGET, `<arch>.events.<service>`),
 * `Nats-Msg-Id` set to the event id so that the stream drops a second publish of the same event (within its
 * duplicate window), and waits for the stream's acknowledgement.
 */
export class NatsPublisher implements EventPublisher {
  constructor(
    private readonly js: Pick<JetStreamClient, 'publish'>,
    private readonly prefix: string,
  ) {}

  /**
   * A publisher on the shared connection of NATS_URL, NATS_USER and NATS_PASSWORD in `env`, once the events stream
   * (NATS_STREAM, else the one of the prefix's architecture) exists.
   */
  static async create(prefix: string, env: Record<string, string | undefined> = process.env): Promise<NatsPublisher> {
    const nc = await sharedNatsConnection(natsSettingsFrom(env));
    const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
    const architecture = natsArchitectureOf(prefix);
    const stream = env.NATS_STREAM !== undefined && env.NATS_STREAM !== '' ? env.NATS_STREAM : natsStreamName(architecture);
    await ensureStreams(await jetstreamManager(nc, { checkAPI: false }), stream, architecture);
    return new NatsPublisher(jetstream(nc), prefix);
  }

  /** Publishes every event (in order on the connection); throws {@link PublishError} naming those the stream did not take. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const results = await Promise.allSettled(events.map((e) => this.js.publish(`${this.prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id })));
    const failed = events.filter((_, i) => results[i]?.status === 'rejected').map((e) => e.id);
    if (failed.length > 0) throw new PublishError('NATS JetStream', failed);
  }
}

/** A durable consumer and the subjects it filters. */
export interface NatsDurable {
  readonly name: string;
  readonly subjects: readonly string[];
}

/** Whether a server of `version` takes several filter subjects on one consumer (`filter_subjects`, NATS 2.10+). */
export function supportsFilterSubjects(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > 2 || (major === 2 && minor >= 10);
}

/**
 * The durables of consumer `consumer` on a server of `serverVersion`: one named after it filtering every subject
 * (NATS 2.10+), else one per subject, `<consumer>-<n>` with n from 1 in the subjects' sorted order (`fallback`).
 */
export function planDurables(consumer: string, subjects: readonly string[], serverVersion: string): { durables: NatsDurable[]; fallback: boolean } {
  const sorted = [...new Set(subjects)].sort();
  if (supportsFilterSubjects(serverVersion)) return { durables: [{ name: consumer, subjects: sorted }], fallback: false };
  return { durables: sorted.map((subject, i) => ({ name: `${consumer}-${i + 1}`, subjects: [subject] })), fallback: true };
}

/** What a durable's configuration must say, whether new or updated. */
function durableSettings(durable: NatsDurable, maxDeliver: number, ackWaitSeconds: number): Partial<ConsumerConfig> {
  const [only] = durable.subjects;
  const filters: Partial<ConsumerConfig> = durable.subjects.length === 1 && only !== undefined ? { filter_subject: only, filter_subjects: undefined } : { filter_subject: undefined, filter_subjects: [...durable.subjects] };
  return { ack_wait: ackWaitSeconds * NANOS_PER_SECOND, max_deliver: maxDeliver + DEAD_LETTER_DELIVERIES, ...filters };
}

function sameFilters(config: Partial<ConsumerConfig>, durable: NatsDurable): boolean {
  const current = [...(config.filter_subjects ?? []), ...(config.filter_subject !== undefined && config.filter_subject !== '' ? [config.filter_subject] : [])].sort();
  return current.length === durable.subjects.length && current.every((s, i) => s === durable.subjects[i]);
}

/** Creates durable `durable` on `stream`, or updates it when its ack wait, deliveries or filters differ. */
export async function ensureDurable(jsm: JetStreamManager, stream: string, durable: NatsDurable, maxDeliver: number, ackWaitSeconds: number): Promise<void> {
  const wanted = durableSettings(durable, maxDeliver, ackWaitSeconds);
  let current: Partial<ConsumerConfig>;
  try {
    current = (await jsm.consumers.info(stream, durable.name)).config;
  } catch (err) {
    if (apiErrorCode(err) !== CONSUMER_NOT_FOUND) throw err;
    await jsm.consumers.add(stream, { durable_name: durable.name, ack_policy: 'explicit', deliver_policy: 'all', ...wanted });
    return;
  }
  if (current.ack_wait !== wanted.ack_wait || current.max_deliver !== wanted.max_deliver || !sameFilters(current, durable)) {
    await jsm.consumers.update(stream, durable.name, wanted);
  }
}

/** How the delay before a failed message's next delivery grows. */
export type RetryBackoff = 'exponential' | 'linear' | 'fixed';

const RETRY_BACKOFFS: readonly RetryBackoff[] = ['exponential', 'linear', 'fixed'];

/** `value` (NATS_RETRY_BACKOFF, the file's consumer.retry_backoff) as a {@link RetryBackoff}; throws naming the choices. */
export function retryBackoffOf(value: string): RetryBackoff {
  const found = RETRY_BACKOFFS.find((b) => b === value);
  if (found === undefined) throw new Error(`NATS_RETRY_BACKOFF must be one of ${RETRY_BACKOFFS.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

/** The delay after the `failures`-th failed delivery: `baseMs`, times `failures` (linear) or 2^(failures-1) (exponential), at most `maxMs`. */
export function retryDelayMs(backoff: RetryBackoff, failures: number, baseMs: number, maxMs: number): number {
  const n = Math.max(1, failures);
  const delay = backoff === 'fixed' ? baseMs : backoff === 'linear' ? baseMs * n : baseMs * 2 ** (n - 1);
  return Math.min(maxMs, delay);
}

/** Options of {@link startJetStreamConsumer}. */
export interface JetStreamConsumerOptions {
  /** Where to connect (the runner's own connection, drained by `stop`), or an open connection (left open). */
  readonly connection: NatsSettings | NatsConnection;
  /** The events stream (NATS_STREAM). */
  readonly stream: string;
  /** The durable's name (NATS_CONSUMER: the service's name); the fallback's durables are `<consumer>-<n>`. */
  readonly consumer: string;
  /** The subjects consumed (NATS_FILTER_SUBJECTS), `<arch>.events.<publisher>.<type>`. */
  readonly filterSubjects: readonly string[];
  /** Failed deliveries of a message before it is dead-lettered (NATS_MAX_DELIVER, the file's consumer.max_retries). */
  readonly maxDeliver: number;
  /** How long a delivery may go unacknowledged before it is delivered again (NATS_ACK_WAIT_SECONDS). */
  readonly ackWaitSeconds: number;
  /** Where dead letters go (NATS_DLQ_SUBJECT, `<arch>.dlq.<consumer>`); its stream is `<ARCH>_DLQ`. */
  readonly dlqSubject: string;
  /** Processes messages: the service's `createProcessor` (idempotency, contracts, dispatch). */
  readonly process: BatchProcessor;
  readonly logger: Logger;
  /** Messages each pull loop asks for at once. @default 10 */
  readonly batchSize?: number;
  /** Pull loops per durable, each processing one message at a time. @default 1 */
  readonly concurrency?: number;
  /** The growth of the delay before a failed message is delivered again. @default 'exponential' */
  readonly backoff?: RetryBackoff;
  /** The delay after the first failure, in ms. @default 1000 */
  readonly retryDelayMs?: number;
  /** The longest delay between deliveries, in ms. @default 600000 (10 minutes) */
  readonly maxRetryDelayMs?: number;
  /** The pause before a pull loop that failed starts again, in ms. @default 1000 */
  readonly errorDelayMs?: number;
}

/** A running JetStream consumer. */
export interface JetStreamConsumer {
  /** The durables it pulls from: one, or one per subject on a server older than 2.10. */
  readonly durables: readonly NatsDurable[];
  /**
   * Stops: waiting pulls end at once, a message being processed is finished (acknowledged or not), messages pulled
   * but not yet processed are handed back (nak) for another instance, then its own connection is drained.
   */
  stop(): Promise<void>;
}

function isConnection(c: NatsSettings | NatsConnection): c is NatsConnection {
  return typeof (c as Partial<NatsConnection>).drain === 'function';
}

function problemsOf(o: JetStreamConsumerOptions): string[] {
  const problems: string[] = [];
  if (o.stream === '') problems.push('NATS_STREAM is empty');
  if (o.consumer === '') problems.push('NATS_CONSUMER is empty');
  if (o.filterSubjects.length === 0) problems.push('NATS_FILTER_SUBJECTS names no subject');
  if (o.dlqSubject === '') problems.push('NATS_DLQ_SUBJECT is empty');
  if (!(Number.isInteger(o.maxDeliver) && o.maxDeliver >= 1)) problems.push(`NATS_MAX_DELIVER must be a whole number from 1, got ${o.maxDeliver}`);
  if (!(Number.isInteger(o.ackWaitSeconds) && o.ackWaitSeconds >= 1)) problems.push(`NATS_ACK_WAIT_SECONDS must be a whole number from 1, got ${o.ackWaitSeconds}`);
  return problems;
}

/** A header value on one line, at most 1000 characters. */
function headerValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1000);
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Starts consuming: connects (unless given a connection), makes sure of the events stream, the DLQ stream and the
 * durables (see the file's comment), then runs `concurrency` pull loops per durable. Each message is processed on
 * its own by `process`: on success it is acknowledged; on failure it is delivered again after the backoff, until its
 * `maxDeliver`-th failed delivery, which is published to the DLQ subject and terminated. Resolves once pulling.
 */
export async function startJetStreamConsumer(options: JetStreamConsumerOptions): Promise<JetStreamConsumer> {
  const problems = problemsOf(options);
  if (problems.length > 0) throw new Error(`JetStream consumer: ${problems.join('; ')}`);
  const { headers } = await import('@nats-io/nats-core');
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  const { logger, stream, maxDeliver } = options;
  const owned = !isConnection(options.connection);
  const nc = isConnection(options.connection) ? options.connection : await connectNats(options.connection);
  const batchSize = Math.max(1, options.batchSize ?? 10);
  const backoff = options.backoff ?? 'exponential';
  const delay = (failures: number): number => retryDelayMs(backoff, failures, options.retryDelayMs ?? 1000, options.maxRetryDelayMs ?? 600_000);

  let durables: NatsDurable[];
  const consumers: { durable: NatsDurable; consumer: Consumer }[] = [];
  let js: JetStreamClient;
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    js = jetstream(nc);
    const dlqArchitecture = natsArchitectureOf(options.dlqSubject);
    await ensureStreams(jsm, stream, natsArchitectureOf(options.filterSubjects[0] ?? ''), { stream: natsDlqStreamName(dlqArchitecture), architecture: dlqArchitecture });
    const version = nc.info?.version ?? '0.0.0';
    const plan = planDurables(options.consumer, options.filterSubjects, version);
    durables = plan.durables;
    if (plan.fallback) {
      logger.warn(
        { server: version, durables: durables.map((d) => d.name) },
        'NATS server older than 2.10 (no filter_subjects): one durable consumer per subject, <consumer>-<n>',
      );
    }
    for (const durable of durables) {
      await ensureDurable(jsm, stream, durable, maxDeliver, options.ackWaitSeconds);
      consumers.push({ durable, consumer: await js.consumers.get(stream, durable.name) });
    }
  } catch (err) {
    if (owned) await nc.close();
    throw err;
  }

  // The server gives up on a message only when every delivery, dead-letter attempts included, went unacknowledged.
  const advisories = durables.map((d) =>
    nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${d.name}`, {
      callback: (err, msg) => {
        if (err) return;
        let advisory: { stream_seq?: unknown; deliveries?: unknown } = {};
        try {
          advisory = msg.json<{ stream_seq?: unknown; deliveries?: unknown }>();
        } catch {
          // logged without its details
        }
        logger.error(
          { stream, consumer: d.name, streamSequence: advisory.stream_seq, deliveries: advisory.deliveries },
          'a message ran out of deliveries without reaching the DLQ: it stays in the stream (recover it by its sequence, as the admin user)',
        );
      },
    }),
  );

  const deadLetter = async (m: JsMsg, failed: number, error: string): Promise<void> => {
    const h: MsgHdrs = headers();
    for (const [key, values] of m.headers ?? []) {
      if (key.toLowerCase().startsWith('nats-')) continue;
      for (const value of values) h.append(key, value);
    }
    h.set(DLQ_HEADERS.subject, m.subject);
    h.set(DLQ_HEADERS.stream, m.info.stream);
    h.set(DLQ_HEADERS.sequence, String(m.seq));
    h.set(DLQ_HEADERS.consumer, m.info.consumer);
    h.set(DLQ_HEADERS.deliveries, String(failed));
    h.set(DLQ_HEADERS.error, headerValue(error));
    try {
      await js.publish(options.dlqSubject, m.data, { msgID: `${m.info.stream}.${m.seq}.${m.info.consumer}`, headers: h });
    } catch (err) {
      logger.error({ err, streamSequence: m.seq, subject: m.subject }, 'dead-lettering failed: the message will be delivered again');
      m.nak(delay(failed));
      return;
    }
    m.term();
    logger.warn({ streamSequence: m.seq, subject: m.subject, deliveries: failed, dlq: options.dlqSubject, error }, 'message dead-lettered');
  };

  const handle = async (m: JsMsg): Promise<void> => {
    const delivery = m.info.deliveryCount;
    if (delivery > maxDeliver) {
      await deadLetter(m, maxDeliver, `delivery ${maxDeliver} (the last) was not acknowledged within ${options.ackWaitSeconds} s: the consumer stopped or was too slow, or dead-lettering failed`);
      return;
    }
    // the message may have waited behind others of its batch: its ack wait starts now
    m.working();
    const message: QueueMessage = { id: String(m.seq), body: m.string(), attributes: { subject: m.subject, deliveryCount: String(delivery) } };
    let error = 'processing failed (see the consumer logs)';
    let ok: boolean;
    try {
      const result = await options.process([message], (_, err) => {
        error = describe(err);
      });
      ok = result.batchItemFailures.length === 0;
    } catch (err) {
      logger.error({ err, streamSequence: m.seq }, 'message failed');
      error = describe(err);
      ok = false;
    }
    if (ok) m.ack();
    else if (delivery >= maxDeliver) await deadLetter(m, delivery, error);
    else m.nak(delay(delivery));
  };

  let running = true;
  const stopping = new AbortController();
  const pulling = new Set<ConsumerMessages>();
  const loop = async ({ durable, consumer }: { durable: NatsDurable; consumer: Consumer }): Promise<void> => {
    while (running) {
      let messages: ConsumerMessages | undefined;
      try {
        messages = await consumer.consume({ max_messages: batchSize });
        pulling.add(messages);
        if (!running) void messages.close();
        for await (const m of messages) {
          // pulled before the stop: handed back at once rather than after the ack wait
          if (!running) m.nak();
          else await handle(m);
        }
      } catch (err) {
        if (!running) break;
        logger.error({ err, durable: durable.name }, 'JetStream pull failed');
      } finally {
        if (messages) pulling.delete(messages);
      }
      if (running && nc.isClosed()) {
        // only a connection given by the caller closes without `stop` (an own one reconnects for ever)
        logger.error({ durable: durable.name }, 'the NATS connection was closed: this pull loop ends');
        break;
      }
      if (running) await pause(options.errorDelayMs ?? 1000, stopping.signal);
    }
  };
  const loops = consumers.flatMap((c) => Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop(c)));
  logger.info({ stream, durables: durables.map((d) => d.name), dlq: options.dlqSubject }, 'JetStream consumer started');

  let stopped: Promise<void> | undefined;
  return {
    durables,
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        stopping.abort();
        await Promise.all([...pulling].map((m) => m.close()));
        await Promise.all(loops);
        for (const sub of advisories) sub.unsubscribe();
        if (owned && !nc.isClosed()) await nc.drain();
      })()),
  };
}

/** Options of {@link startJetStreamBroadcast}. */
export interface JetStreamBroadcastOptions {
  /** Where to connect (the follower's own connection, drained by `stop`), or an open connection (left open). */
  readonly connection: NatsSettings | NatsConnection;
  /** The events stream (NATS_STREAM). */
  readonly stream: string;
  /** The start of its consumers' names (NATS_CONSUMER: the service's name): `<consumer>-<instance>-<n>-<generation>`. */
  readonly consumer: string;
  /** The subjects followed (NATS_FILTER_SUBJECTS), `<arch>.events.<publisher>.<type>`: one consumer each. */
  readonly filterSubjects: readonly string[];
  /** Processes each message, once, in the order of its subject (failures are logged, never redelivered). */
  readonly process: BatchProcessor;
  readonly logger: Logger;
  /** How often the server says it is there when no message comes, in ms. @default 5000 */
  readonly idleHeartbeatMs?: number;
  /** How long the server keeps a consumer nobody listens to (a stopped or dead instance's), in ms. @default 60000 */
  readonly inactiveThresholdMs?: number;
  /** The pause before a consumer that could not be made is tried again, in ms. @default 1000 */
  readonly errorDelayMs?: number;
}

/** A running {@link startJetStreamBroadcast}. */
export interface JetStreamBroadcast {
  /** The names of its consumers now (one per subject; a new one after each recreation). */
  consumers(): string[];
  /** Stops: no new message is taken, those taken are processed, then its own connection is drained. */
  stop(): Promise<void>;
}

/** What {@link startJetStreamBroadcast} knows of the consumer of one subject. */
interface Follower {
  /** The consumer's name now. */
  name: string;
  /** How many consumers it has made: messages for an older one's inbox are dropped. */
  generation: number;
  /** The stream sequence of the last message taken: a new consumer starts after it. */
  cursor: number;
  /** The consumer's sequence of the last message taken: a delivery after another shows a gap. */
  delivered: number;
  /** When the server was last heard from (a message or a heartbeat), in ms. */
  seen: number;
  sub?: Subscription;
  /** A new consumer being made. */
  making?: Promise<void>;
}

/** Where a JetStream message delivered by a consumer is in its stream and its consumer, from its reply subject. */
export function natsDeliveryOf(reply: string): { streamSequence: number; consumerSequence: number } | undefined {
  // $JS.ACK.<stream>.<consumer>.<deliveries>.<stream seq>.<consumer seq>.<time>.<pending>, or with a domain and an
  // account hash after ACK (and a random token at the end)
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return undefined;
  const at = t.length === 9 ? 5 : t.length >= 11 ? 7 : -1;
  const [streamSequence, consumerSequence] = [Number(t[at]), Number(t[at + 1])];
  return at > 0 && Number.isSafeInteger(streamSequence) && Number.isSafeInteger(consumerSequence) ? { streamSequence, consumerSequence } : undefined;
}

/**
 * Follows `filterSubjects` on this instance: every instance that runs it gets every message (a broadcast), not one
 * of them (a durable's work queue). For each subject, an ephemeral consumer of its own, in memory, with no
 * acknowledgements, pushing to an inbox of the instance's; it starts after the stream's last message, and when it is
 * lost (the bus restarted, a missed heartbeat, a gap in its deliveries) a new one starts after the last message
 * taken, so nothing published while the instance runs is missed or taken twice. Consumers are not deleted (that
 * permission would reach every consumer): the server drops those nobody listens to after `inactiveThresholdMs`.
 * There is no dead letter: a failed message is logged, and redelivering it would repeat it to those that got it.
 */
export async function startJetStreamBroadcast(options: JetStreamBroadcastOptions): Promise<JetStreamBroadcast> {
  const problems = [
    ...(options.stream === '' ? ['NATS_STREAM is empty'] : []),
    ...(options.consumer === '' ? ['NATS_CONSUMER is empty'] : []),
    ...(options.filterSubjects.length === 0 ? ['NATS_FILTER_SUBJECTS names no subject'] : []),
  ];
  if (problems.length > 0) throw new Error(`JetStream broadcast: ${problems.join('; ')}`);
  const { createInbox, nanos } = await import('@nats-io/nats-core');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const { randomBytes } = await import('node:crypto');
  const { logger, stream } = options;
  const heartbeatMs = options.idleHeartbeatMs ?? 5000;
  const owned = !isConnection(options.connection);
  const nc = isConnection(options.connection) ? options.connection : await connectNats(options.connection);
  // the inbox the user may read: its own prefix (connectNats's), or the one a given connection was opened with
  const inboxPrefix = isConnection(options.connection)
    ? (options.connection as { options?: { inboxPrefix?: string } }).options?.inboxPrefix
    : options.connection.user !== undefined
      ? natsInboxPrefix(options.connection.user)
      : undefined;
  let jsm: JetStreamManager;
  let last: number;
  try {
    jsm = await jetstreamManager(nc, { checkAPI: false });
    await ensureStream(jsm, stream, [`${natsArchitectureOf(options.filterSubjects[0] ?? '')}.events.>`], NATS_EVENTS_MAX_AGE_SECONDS);
    last = (await jsm.streams.info(stream)).state.last_seq;
  } catch (err) {
    if (owned) await nc.close();
    throw err;
  }

  let running = true;
  const stopping = new AbortController();
  let work: Promise<void> = Promise.resolve();
  const instance = randomBytes(4).toString('hex');
  const take = (message: QueueMessage): void => {
    work = work.then(async () => {
      try {
        await options.process([message]);
      } catch (err) {
        logger.error({ err, streamSequence: message.id }, 'broadcast message failed');
      }
    });
  };

  const followers = [...new Set(options.filterSubjects)].sort().map((subject, index) => {
    const f: Follower = { name: '', generation: 0, cursor: last, delivered: 0, seen: Date.now() };
    const onMessage = (generation: number, msg: Msg): void => {
      if (!running || generation !== f.generation) return;
      f.seen = Date.now();
      const status = msg.headers?.code ?? 0;
      if (msg.reply === undefined || msg.reply === '' || status !== 0) {
        // an idle heartbeat says how far the consumer got: behind it, messages were lost on the way
        const lastDelivered = Number(msg.headers?.get('Nats-Last-Consumer') ?? '0');
        if (status >= 400 || lastDelivered > f.delivered) remake(`consumer status ${status} ${msg.headers?.description ?? ''}`.trim());
        return;
      }
      const at = natsDeliveryOf(msg.reply);
      if (at === undefined) return;
      if (at.consumerSequence !== f.delivered + 1) {
        remake(`delivery ${at.consumerSequence} after ${f.delivered}`);
        return;
      }
      f.delivered = at.consumerSequence;
      f.cursor = at.streamSequence;
      take({ id: String(at.streamSequence), body: msg.string(), attributes: { subject: msg.subject } });
    };
    const make = async (): Promise<void> => {
      while (running) {
        f.generation++;
        f.delivered = 0;
        f.name = `${options.consumer}-${instance}-${index + 1}-${f.generation}`;
        const generation = f.generation;
        const deliver = createInbox(inboxPrefix);
        f.sub?.unsubscribe();
        f.sub = nc.subscribe(deliver, { callback: (err, msg) => (err ? undefined : onMessage(generation, msg)) });
        try {
          await jsm.consumers.add(stream, {
            name: f.name,
            filter_subject: subject,
            deliver_subject: deliver,
            deliver_policy: 'by_start_sequence',
            opt_start_seq: f.cursor + 1,
            ack_policy: 'none',
            mem_storage: true,
            num_replicas: 1,
            inactive_threshold: nanos(options.inactiveThresholdMs ?? 60_000),
            idle_heartbeat: nanos(heartbeatMs),
          });
          f.seen = Date.now();
          return;
        } catch (err) {
          if (!running) return;
          logger.error({ err, consumer: f.name, subject }, 'JetStream broadcast consumer could not be made');
          await pause(options.errorDelayMs ?? 1000, stopping.signal);
        }
      }
    };
    const remake = (why: string): void => {
      if (f.making !== undefined || !running) return;
      logger.warn({ consumer: f.name, subject, after: f.cursor, why }, 'JetStream broadcast consumer made again after the last message taken');
      f.making = make().finally(() => (f.making = undefined));
    };
    return { f, make, remake };
  });

  try {
    for (const { make } of followers) await make();
  } catch (err) {
    running = false;
    for (const { f } of followers) f.sub?.unsubscribe();
    if (owned) await nc.close();
    throw err;
  }
  // missed heartbeats: the consumer is gone (the bus restarted) or the connection was down
  const watch = setInterval(() => {
    for (const { f, remake } of followers) if (Date.now() - f.seen > 3 * heartbeatMs) remake('heartbeats missed');
  }, heartbeatMs);
  watch.unref();
  logger.info({ stream, consumers: followers.map(({ f }) => f.name) }, 'JetStream broadcast started');

  let stopped: Promise<void> | undefined;
  return {
    consumers: () => followers.map(({ f }) => f.name),
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        stopping.abort();
        clearInterval(watch);
        await Promise.all(followers.map(({ f }) => f.making ?? Promise.resolve()));
        for (const { f } of followers) f.sub?.unsubscribe();
        await work;
        if (owned && !nc.isClosed()) await nc.drain();
      })()),
  };
}

/** The NATS_* configuration of a service's durable consumer, as its config.ts reads it (allframe writes the defaults). */
export interface NatsConsumerConfig {
  readonly NATS_STREAM: string;
  readonly NATS_CONSUMER: string;
  readonly NATS_FILTER_SUBJECTS: readonly string[];
  readonly NATS_MAX_DELIVER: number;
  readonly NATS_ACK_WAIT_SECONDS: number;
  readonly NATS_DLQ_SUBJECT: string;
  readonly NATS_RETRY_BACKOFF: string;
}

/**
 * {@link startJetStreamConsumer} as `config` (the service's NATS_* settings) and `env` (NATS_URL, NATS_USER,
 * NATS_PASSWORD) configure it, processing with `options.process`: what every container entry that consumes runs.
 */
export function startConfiguredJetStreamConsumer(
  config: NatsConsumerConfig,
  env: Record<string, string | undefined>,
  options: Pick<JetStreamConsumerOptions, 'process' | 'logger' | 'batchSize' | 'concurrency'>,
): Promise<JetStreamConsumer> {
  return startJetStreamConsumer({
    connection: natsSettingsFrom(env),
    stream: config.NATS_STREAM,
    consumer: config.NATS_CONSUMER,
    filterSubjects: config.NATS_FILTER_SUBJECTS,
    maxDeliver: config.NATS_MAX_DELIVER,
    ackWaitSeconds: config.NATS_ACK_WAIT_SECONDS,
    dlqSubject: config.NATS_DLQ_SUBJECT,
    backoff: retryBackoffOf(config.NATS_RETRY_BACKOFF),
    ...options,
  });
}
