/**
 * event-sourced: one aggregate stored as a stream of events (event store port, in-memory, DynamoDB and Firestore
 * adapters with optimistic concurrency), commands that produce the published events, snapshots every N events, one projector per
 * projection and the events sent to the bus directly or through the outbox.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, configFile, httpEntries, storeConfig } from '../common';
import { camel, kebab, plural } from '../names';
import { entitiesOf } from './stateless';

/** STORE, TABLE_PREFIX and DATABASE_URL, for archetypes that keep state whatever `database` says. */
const IRREGULAR: Record<string, string> = {
  Withdrawn: 'Withdraw', Drawn: 'Draw', Sent: 'Send', Paid: 'Pay', Sold: 'Sell', Bought: 'Buy', Made: 'Make', Taken: 'Take',
  Given: 'Give', Written: 'Write', Built: 'Build', Held: 'Hold', Done: 'Do', Chosen: 'Choose', Frozen: 'Freeze', Shown: 'Show',
  Split: 'Split', Set: 'Set', Put: 'Put', Reset: 'Reset', Begun: 'Begin', Undone: 'Undo', Synced: 'Sync', Lost: 'Lose', Won: 'Win',
};

/** Stems whose present tense ends in a silent e (Updat → Update, Clos → Close, Enabl → Enable, Chang → Change). */
const SILENT_E = /(?:[aeiou][zsvcgbkmd]|[aou]t|et|[aiou]r|[aiou]l|[aeiou]p|[io]n|ang|[bptgcdkzf]l|[rl]g|dg|[rnpl]s|[rl]v|[nr]c|yp|yz)$/;

/** The present tense of a past-tense verb, by rule (Updated → Update, Deposited → Deposit, Shipped → Ship). */
function presentTense(verb: string): string | undefined {
  const irregular = IRREGULAR[verb];
  if (irregular) return irregular;
  if (/[^aeiou]ied$/.test(verb)) return `${verb.slice(0, -3)}y`;
  if (!verb.endsWith('ed') || verb.length < 4) return undefined;
  const stem = verb.slice(0, -2);
  if (/[eu]$/.test(stem)) return `${stem}e`;
  if (/([bgmnprt])\1$/.test(stem) || /.{3}ell$/.test(stem)) return stem.slice(0, -1);
  if (/[aeiou]{2}[^aeiou]$/.test(stem)) return /([svcz]|creat)$/i.test(stem) ? `${stem}e` : stem;
  return SILENT_E.test(stem) && !/(lop|ion)$/.test(stem) ? `${stem}e` : stem;
}

/** The command producing `event`: ProductUpdated → UpdateProduct, FundsWithdrawn → WithdrawFunds, else Record<Event>. */
export function commandFor(event: string): string {
  const words = event.match(/[A-Z][a-z0-9]*/g) ?? [];
  const verb = words[words.length - 1];
  const present = verb && words.length > 1 ? presentTense(verb) : undefined;
  return present ? present + words.slice(0, -1).join('') : `Record${event}`;
}

export function renderEventSourced(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const A = entitiesOf(ctx)[0]!;
  const a = camel(A);
  const route = `/${plural(kebab(A))}`;
  const publishes = s.spec.publishes ?? [];
  const events = publishes.length > 0 ? [...publishes] : [`${A}Changed`];
  const derived = events.map((e) => [kebab(commandFor(e)), e] as const);
  const commands = new Set(derived.map(([c]) => c)).size === derived.length ? derived : events.map((e) => [kebab(`Record${e}`), e] as const);
  const commandMap = commands.map(([c, e]) => `  '${c}': '${e}',`).join('\n');
  const projections = s.spec.cqrs?.projections ?? [];
  const every = s.spec.cqrs?.snapshot_frequency ?? 100;
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const store = s.eventStore ?? 'dynamodb';
  const extra: Record<string, ConfigVar> = {
    ...storeConfig(ctx),
    EVENT_STORE: { kind: 'string', default: 'memory', description: `memory | dynamodb | firestore: where the event streams are kept (the architecture's event store: ${store})` },
    SNAPSHOT_FREQUENCY: { kind: 'int', default: String(every), description: 'Snapshot the aggregate every N events (0: never)' },
  };
  const files: OutputFile[] = [servicePackage(ctx, ['hono', '@aws-sdk/lib-dynamodb']), configFile(ctx, extra), ...httpEntries(ctx, { relay: outbox }), dockerfile(ctx, 'server')];

  // ---- managed: the event store port and its adapters
  files.push(
    managed(
      `${ctx.dir}/src/adapters/event-store.ts`,
      `import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type GetCommandOutput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, firestoreErrorCode, firestoreId, resolveFirestore, sharedFirestore, type AwsClient, type FirestoreSource } from '${P}';

/** An event as the store keeps it: its stream and its position in it (1, 2, 3...). */
export interface StoredEvent {
  readonly id: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly time: string;
}

/** An event decided by a command, before the store numbers it. */
export interface UnsavedEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** The state of a stream after \`version\` events. */
export interface Snapshot<S> {
  readonly streamId: string;
  readonly version: number;
  readonly state: S;
}

/** The stream moved on since it was read: reload and decide again. */
export class ConcurrencyError extends Error {
  constructor(streamId: string, expectedVersion: number) {
    super(\`stream \${streamId} is no longer at version \${expectedVersion}\`);
    this.name = 'ConcurrencyError';
  }
}

/** Port: append-only event streams with optimistic concurrency, and their snapshots. */
export interface EventStore {
  /** Appends \`events\` after \`expectedVersion\` (the version read); throws ConcurrencyError when the stream is elsewhere. */
  append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time?: string): Promise<StoredEvent[]>;
  /** The events after \`afterVersion\` (0: all), in order. */
  read(streamId: string, afterVersion?: number): Promise<StoredEvent[]>;
  loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined>;
  saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void>;
}

function stamp(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time: string): StoredEvent[] {
  return events.map((e, i) => ({ id: randomUUID(), streamId, version: expectedVersion + i + 1, type: e.type, data: e.data, time }));
}

/** In-memory event store for tests and local runs. */
export class MemoryEventStore implements EventStore {
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly snapshots = new Map<string, unknown>();

  append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    if (stream.length !== expectedVersion) return Promise.reject(new ConcurrencyError(streamId, expectedVersion));
    const stored = stamp(streamId, expectedVersion, events, time);
    this.streams.set(streamId, [...stream, ...structuredClone(stored)]);
    return Promise.resolve(stored);
  }

  read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    return Promise.resolve(structuredClone((this.streams.get(streamId) ?? []).filter((e) => e.version > afterVersion)));
  }

  loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    return Promise.resolve(structuredClone(this.snapshots.get(streamId) as Snapshot<S> | undefined));
  }

  saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    this.snapshots.set(snapshot.streamId, structuredClone(snapshot));
    return Promise.resolve();
  }
}

const CONFLICTS = new Set(['TransactionCanceledException', 'ConditionalCheckFailedException']);

/**
 * DynamoDB event store over one table with partition key \`pk\` (string) and sort key \`sk\` (number). An event is the
 * item \`{ pk: streamId, sk: version, event }\`; an append is one transaction that checks the item at the expected
 * version exists and puts each new version only if absent, so of two writers at the same version one fails with
 * ConcurrencyError. A stream's snapshot is the item \`{ pk: 'snapshot#' + streamId, sk: 0, snapshot }\`.
 */
export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
  ) {}

  /** The store with the real DynamoDB document client. */
  static create(tableName: string): DynamoDbEventStore {
    return new DynamoDbEventStore(createDocumentClient(), tableName);
  }

  async append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const stored = stamp(streamId, expectedVersion, events, time);
    const check = { ConditionCheck: { TableName: this.tableName, Key: { pk: streamId, sk: expectedVersion }, ConditionExpression: 'attribute_exists(pk)' } };
    const puts = stored.map((event) => ({
      Put: { TableName: this.tableName, Item: { pk: streamId, sk: event.version, event }, ConditionExpression: 'attribute_not_exists(pk)' },
    }));
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: expectedVersion > 0 ? [check, ...puts] : puts }));
    } catch (err) {
      if (err instanceof Error && CONFLICTS.has(err.name)) throw new ConcurrencyError(streamId, expectedVersion);
      throw err;
    }
    return stored;
  }

  async read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = (await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk > :after',
          ExpressionAttributeValues: { ':pk': streamId, ':after': afterVersion },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      )) as QueryCommandOutput;
      for (const item of out.Items ?? []) events.push((item as { event: StoredEvent }).event);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  async loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    const out = (await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: \`snapshot#\${streamId}\`, sk: 0 }, ConsistentRead: true }),
    )) as GetCommandOutput;
    return (out.Item as { snapshot: Snapshot<S> } | undefined)?.snapshot;
  }

  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: \`snapshot#\${snapshot.streamId}\`, sk: 0, snapshot } }));
  }
}

/** gRPC codes of a lost race: ALREADY_EXISTS (an event created meanwhile), ABORTED (contention outlasted the retries). */
const FIRESTORE_CONFLICTS = new Set([6, 10]);

/**
 * Firestore event store over the collection \`collection\`: a stream is the document \`<streamId>\` \`{ streamId, version }\`
 * (its head), its events the documents of its subcollection \`events\` \`{ version, event }\` (the id the zero-padded
 * version, \`event\` the stored event as JSON), its snapshot the document \`snapshots/latest\` \`{ version, snapshot }\`. An
 * append is one transaction that reads the head, fails with ConcurrencyError unless it is at the expected version, moves
 * it and creates the events; Firestore runs the transaction again when another writer moved the head meanwhile, and
 * the check then fails. Reads order on \`version\` (Firestore's automatic single-field index).
 */
export class FirestoreEventStore implements EventStore {
  constructor(
    private readonly db: FirestoreSource,
    private readonly collection: string,
  ) {}

  /** The store on the platform's shared client (FIRESTORE_DATABASE, GOOGLE_CLOUD_PROJECT). */
  static create(collection: string): FirestoreEventStore {
    return new FirestoreEventStore(sharedFirestore(), collection);
  }

  async append(streamId: string, expectedVersion: number, events: readonly UnsavedEvent[], time = new Date().toISOString()): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const stored = stamp(streamId, expectedVersion, events, time);
    const db = await resolveFirestore(this.db);
    const stream = db.collection(this.collection).doc(firestoreId(streamId));
    try {
      await db.runTransaction(async (tx) => {
        const head = await tx.get(stream);
        if (Number(head.data()?.version ?? 0) !== expectedVersion) throw new ConcurrencyError(streamId, expectedVersion);
        tx.set(stream, { streamId, version: expectedVersion + stored.length });
        for (const event of stored) {
          tx.create(stream.collection('events').doc(String(event.version).padStart(10, '0')), { version: event.version, event: JSON.stringify(event) });
        }
      });
    } catch (err) {
      if (FIRESTORE_CONFLICTS.has(firestoreErrorCode(err) ?? 0)) throw new ConcurrencyError(streamId, expectedVersion);
      throw err;
    }
    return stored;
  }

  async read(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const { docs } = await (await this.stream(streamId)).collection('events').where('version', '>', afterVersion).orderBy('version').get();
    return docs.map((d) => JSON.parse(String(d.data()?.event)) as StoredEvent);
  }

  async loadSnapshot<S>(streamId: string): Promise<Snapshot<S> | undefined> {
    const fields = (await (await this.stream(streamId)).collection('snapshots').doc('latest').get()).data();
    return fields ? (JSON.parse(String(fields.snapshot)) as Snapshot<S>) : undefined;
  }

  async saveSnapshot<S>(snapshot: Snapshot<S>): Promise<void> {
    await (await this.stream(snapshot.streamId)).collection('snapshots').doc('latest').set({ version: snapshot.version, snapshot: JSON.stringify(snapshot) });
  }

  private async stream(streamId: string) {
    return (await resolveFirestore(this.db)).collection(this.collection).doc(firestoreId(streamId));
  }
}

/** The event store for \`kind\` (memory | dynamodb | firestore) over \`table\` (on Firestore, the collection id). */
export function createEventStore(kind: string, table: string): EventStore {
  switch (kind) {
    case 'memory':
      return new MemoryEventStore();
    case 'dynamodb':
      return DynamoDbEventStore.create(table);
    case 'firestore':
      return FirestoreEventStore.create(table);
    default:
      throw new Error(\`EVENT_STORE must be one of memory, dynamodb, firestore, got \${JSON.stringify(kind)}\`);
  }
}
`,
    ),
  );

  // ---- managed: wiring and routes
  const projFields = projections.map((p) => `    readonly ${camel(p)}: Repository<ProjectionRow>;`).join('\n');
  const projInit = projections.map((p) => `      ${camel(p)}: createRepository<ProjectionRow>(config.STORE, \`\${config.TABLE_PREFIX}-${kebab(p)}\`, config.DATABASE_URL),`).join('\n');
  const imports = ['closePools', 'createEventSink', ...(idem ? ['createIdempotencyStore'] : []), 'createLogger', ...(outbox ? ['createOutbox'] : []), 'createPublisher', ...(projections.length > 0 ? ['createRepository'] : []), ...(outbox ? ['OutboxRelay'] : [])];
  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { ${imports.join(', ')} } from '${P}';
import type { EventSink, IdempotencyStore, Logger${projections.length > 0 ? ', Repository' : ''} } from '${P}';
import { createEventStore, type EventStore } from './adapters/event-store';
${projections.length > 0 ? "import type { ProjectionRow } from './application/projections';\n" : ''}import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the application needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly events: EventSink;
  readonly store: EventStore;
  /** Read models, one per projection. */
  readonly projections: ${projections.length > 0 ? `{\n${projFields}\n  }` : 'Record<string, never>'};
  /** Snapshot every N events (0: never). */
  readonly snapshotEvery: number;
  readonly idempotency: IdempotencyStore | undefined;
${outbox ? '  readonly relay: OutboxRelay;\n' : ''}  close(): Promise<void>;
}

/** Real adapters (DynamoDB, PostgreSQL, Firestore, SNS, EventBridge, Pub/Sub) or in-memory ones, as configured. */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
${outbox ? '  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL);\n' : ''}  return {
${secretsWiring(ctx).prop}    logger,
    events: createEventSink(publisher${outbox ? ', outbox' : ''}),
    store: createEventStore(config.EVENT_STORE, \`\${config.TABLE_PREFIX}-events\`),
    projections: {
${projInit}
    },
    snapshotEvery: config.SNAPSHOT_FREQUENCY,
    idempotency: ${idem ? `createIdempotencyStore(config.STORE, \`\${config.TABLE_PREFIX}-idempotency\`, config.DATABASE_URL)` : 'undefined'},
${outbox ? '    relay: new OutboxRelay(outbox, publisher, logger),\n' : ''}    close: () => closePools(),
  };
}
`,
    ),
  );

  const projRoutes = projections
    .map(
      (p) => `  app.get('/projections/${kebab(p)}', async (c) => c.json(await deps.projections.${camel(p)}.list()));
  app.get('/projections/${kebab(p)}/:id', async (c) => c.json(await found(deps.projections.${camel(p)}.get(c.req.param('id')))));`,
    )
    .join('\n');
  files.push(
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp${projections.length > 0 ? ', HttpError' : ''}${idem ? ', idempotency' : ''} } from '${P}';
import { ${A}Service } from './application/${kebab(A)}-service';
import { ${projections.map((p) => `${p}Projector, `).join('')}type Projector } from './application/projections';
import type { Dependencies } from './deps';

const SOURCE = '${s.name}';
${projections.length > 0 ? `
async function found<T>(item: Promise<T | undefined>): Promise<T> {
  const value = await item;
  if (value === undefined) throw new HttpError(404, 'not found');
  return value;
}
` : ''}
/** The HTTP app: commands on ${A} streams, the state rebuilt from snapshot and events${projections.length > 0 ? ', the projections' : ''}. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
${idem ? `  if (deps.idempotency) {\n    app.use('*', idempotency({ store: deps.idempotency, header: '${s.spec.idempotency?.key_header ?? 'Idempotency-Key'}', ttlSeconds: ${(s.spec.idempotency?.ttl_hours ?? 24) * 3600} }));\n  }\n` : ''}  const projectors: Projector[] = [${projections.map((p) => `new ${p}Projector(deps.projections.${camel(p)})`).join(', ')}];
  const ${a}s = new ${A}Service(deps.store, projectors, deps.events, { source: SOURCE, snapshotEvery: deps.snapshotEvery });
  app.post('${route}/:id/commands/:command', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    return c.json(await ${a}s.execute(c.req.param('id'), c.req.param('command'), body));
  });
  app.get('${route}/:id', async (c) => c.json(await ${a}s.get(c.req.param('id'))));
${projRoutes}
  return app;
}
`,
    ),
  );

  // ---- owned: domain, application, projections
  files.push(
    owned(
      `${ctx.dir}/src/domain/${kebab(A)}.ts`,
      `import { HttpError } from '${P}';

/** The commands of a ${A} (route segment → the event it records). Add a command here and handle it in decide. */
export const ${constantName(A)}_COMMANDS = {
${commandMap}
} as const;

export type ${A}Command = keyof typeof ${constantName(A)}_COMMANDS;
export type ${A}EventType = (typeof ${constantName(A)}_COMMANDS)[${A}Command];

/** An event of a ${A}, as decided by a command. */
export interface ${A}Event {
  readonly type: ${A}EventType;
  readonly data: Record<string, unknown>;
}

/** A ${A}: the state its events add up to. */
export interface ${A} {
  readonly id: string;
  /** How many events made this state. */
  readonly version: number;
  readonly fields: Record<string, unknown>;
  readonly lastEvent?: string;
  readonly updatedAt?: string;
}

export function initial${A}(id: string): ${A} {
  return { id, version: 0, fields: {} };
}

export function is${A}Command(name: string): name is ${A}Command {
  return Object.hasOwn(${constantName(A)}_COMMANDS, name);
}

/** Decides the events of a command from the current state. Validate here: throw an HttpError to refuse. */
export function decide(state: ${A}, command: ${A}Command, input: unknown): ${A}Event[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'expected a JSON object');
  return [{ type: ${constantName(A)}_COMMANDS[command], data: { ...(input as Record<string, unknown>) } }];
}

/** Applies one event to the state. Keep it pure and total: it replays history on every load. */
export function apply${A}Event(state: ${A}, event: { readonly type: string; readonly data: Record<string, unknown>; readonly time?: string }): ${A} {
  return { ...state, version: state.version + 1, fields: { ...state.fields, ...event.data }, lastEvent: event.type, updatedAt: event.time ?? state.updatedAt };
}
`,
    ),
    owned(
      `${ctx.dir}/src/application/${kebab(A)}-service.ts`,
      `import { HttpError${publishes.length > 0 ? ', newEvent' : ''} } from '${P}';
import type { EventSink } from '${P}';
import { ConcurrencyError, type EventStore, type StoredEvent } from '../adapters/event-store';
import { type ${A}, apply${A}Event, decide, initial${A}, is${A}Command } from '../domain/${kebab(A)}';
import type { Projector } from './projections';

export interface ${A}ServiceOptions {
  /** The service name: the source of published events. */
  readonly source: string;
  /** Snapshot every N events (0: never). */
  readonly snapshotEvery: number;
  readonly now?: () => Date;
}

/** Use cases of a ${A}: run a command (decide, append at the version read, snapshot, project${publishes.length > 0 ? ', publish' : ''}), read the state. */
export class ${A}Service {
  constructor(
    private readonly store: EventStore,
    private readonly projectors: readonly Projector[],
    private readonly events: EventSink,
    private readonly options: ${A}ServiceOptions,
  ) {}

  /** The current state: the latest snapshot plus the events after it. */
  async load(id: string): Promise<${A}> {
    const snapshot = await this.store.loadSnapshot<${A}>(id);
    const events = await this.store.read(id, snapshot?.version ?? 0);
    return events.reduce((state, event) => apply${A}Event(state, event), snapshot?.state ?? initial${A}(id));
  }

  async get(id: string): Promise<${A}> {
    const state = await this.load(id);
    if (state.version === 0) throw new HttpError(404, '${A} not found');
    return state;
  }

  async execute(id: string, command: string, input: unknown): Promise<${A}> {
    if (!is${A}Command(command)) throw new HttpError(404, \`unknown command \${command}\`);
    const state = await this.load(id);
    const time = (this.options.now ?? (() => new Date()))().toISOString();
    let stored: StoredEvent[];
    try {
      stored = await this.store.append(id, state.version, decide(state, command, input), time);
    } catch (err) {
      if (err instanceof ConcurrencyError) throw new HttpError(409, err.message);
      throw err;
    }
    const next = stored.reduce((s, event) => apply${A}Event(s, event), state);
    const every = this.options.snapshotEvery;
    if (every > 0 && Math.floor(next.version / every) > Math.floor(state.version / every)) {
      await this.store.saveSnapshot({ streamId: id, version: next.version, state: next });
    }
    for (const projector of this.projectors) for (const event of stored) await projector.project(event);
${publishes.length > 0 ? `    await this.events.emit(stored.map((e) => newEvent(e.type, this.options.source, { id, version: e.version, ...e.data }, { id: e.id, time: e.time })));\n` : '    void this.events; // nothing is published: add events to the architecture\'s publishes\n'}    return next;
  }
}
`,
    ),
    owned(
      `${ctx.dir}/src/application/projections.ts`,
      `${projections.length > 0 ? `import type { Repository } from '${P}';\n` : ''}import type { StoredEvent } from '../adapters/event-store';

/** A row of a read model: by default one per ${A}, with its latest fields. */
export interface ProjectionRow {
  readonly id: string;
  readonly version: number;
  readonly lastEvent: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

/** Builds one read model from stored events. Events may be replayed: keep \`project\` idempotent. */
export interface Projector {
  readonly name: string;
  project(event: StoredEvent): Promise<void>;
}

${projections.length > 0 ? `/** Keeps one row per stream with the fields of its events; skips events it has already seen. */
abstract class RowPerStreamProjector implements Projector {
  abstract readonly name: string;

  constructor(readonly rows: Repository<ProjectionRow>) {}

  async project(event: StoredEvent): Promise<void> {
    const current = await this.rows.get(event.streamId);
    if (current && current.version >= event.version) return;
    await this.rows.put({ ...current, ...event.data, id: event.streamId, version: event.version, lastEvent: event.type, updatedAt: event.time });
  }
}
` : ''}${projections.map((p) => `
/** The ${p} read model. */
export class ${p}Projector extends RowPerStreamProjector {
  readonly name = '${kebab(p)}';
}
`).join('')}`,
    ),
  );

  // ---- tests
  const [firstCmd, firstEvent] = commands[0]!;
  const p0 = projections[0];
  files.push(
    owned(
      `${ctx.dir}/test/${kebab(A)}.test.ts`,
      `import { ${outbox ? 'MemoryOutbox, ' : ''}MemoryPublisher, ${projections.length > 0 ? 'MemoryRepository, ' : ''}${outbox ? 'OutboxRelay, ' : ''}createEventSink, createLogger } from '${P}';
import { ConcurrencyError, MemoryEventStore, type EventStore } from '../src/adapters/event-store';
import { buildApp } from '../src/app';
${projections.length > 0 ? `import { ${p0}Projector, type ProjectionRow } from '../src/application/projections';\n` : ''}import type { Dependencies } from '../src/deps';
import type { ${A} } from '../src/domain/${kebab(A)}';

function setup(options: { snapshotEvery?: number; store?: EventStore } = {}) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const store = options.store ?? new MemoryEventStore();
  const deps: Dependencies = {
${secretsWiring(ctx).testProp}    logger,
    events: createEventSink(publisher),
    store,
    projections: {
${projections.map((p) => `      ${camel(p)}: new MemoryRepository<ProjectionRow>(),`).join('\n')}
    },
    snapshotEvery: options.snapshotEvery ?? 2,
    idempotency: undefined,
${outbox ? '    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger),\n' : ''}    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, store, deps };
}

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const command = (id: string, name: string) => \`${route}/\${id}/commands/\${name}\`;

describe('${kebab(A)} commands', () => {
  test('every command appends its event, and the state is rebuilt from the events', async () => {
    // GIVEN a new ${A}
    const { app, publisher } = setup();
    // WHEN every command runs once
${commands.map(([c], i) => `    expect((await app.request(command('a1', '${c}'), post({ step: ${i} }))).status).toBe(200);`).join('\n')}
    // THEN the state holds every event and${publishes.length > 0 ? ' each event was published' : ' nothing was published'}
    const res = await app.request('${route}/a1');
    expect(res.status).toBe(200);
    const state = (await res.json()) as ${A};
    expect(state.version).toBe(${commands.length});
    expect(state.fields).toEqual({ step: ${commands.length - 1} });
    expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(publishes)});
  });

  test('snapshots every N events, and the state read from a snapshot equals the replayed one', async () => {
    // GIVEN a service snapshotting every 2 events
    const { app, store } = setup({ snapshotEvery: 2 });
    // WHEN three commands run
    for (const step of [1, 2, 3]) await app.request(command('s1', '${firstCmd}'), post({ step }));
    // THEN the snapshot is at version 2 and the state at version 3
    expect((await store.loadSnapshot<${A}>('s1'))?.version).toBe(2);
    const state = (await (await app.request('${route}/s1')).json()) as ${A};
    expect(state).toMatchObject({ version: 3, fields: { step: 3 }, lastEvent: '${firstEvent}' });
  });

  test('no snapshots with a frequency of 0', async () => {
    const { app, store } = setup({ snapshotEvery: 0 });
    for (const step of [1, 2]) await app.request(command('n1', '${firstCmd}'), post({ step }));
    expect(await store.loadSnapshot('n1')).toBeUndefined();
  });

  test('unknown streams and commands are 404s, invalid input a 400', async () => {
    const { app } = setup();
    expect((await app.request('${route}/missing')).status).toBe(404);
    expect((await app.request(command('x', 'no-such-command'), post({}))).status).toBe(404);
    expect((await app.request(command('x', '${firstCmd}'), post([1]))).status).toBe(400);
    expect((await app.request(command('x', '${firstCmd}'), { method: 'POST', body: 'not json' })).status).toBe(400);
  });

  test('a concurrent write is a 409, any other store failure a 500', async () => {
    // GIVEN stores whose appends fail
    const conflicting = new MemoryEventStore();
    conflicting.append = () => Promise.reject(new ConcurrencyError('c1', 0));
    const broken = new MemoryEventStore();
    broken.append = () => Promise.reject(new Error('down'));
    // THEN
    expect((await setup({ store: conflicting }).app.request(command('c1', '${firstCmd}'), post({}))).status).toBe(409);
    expect((await setup({ store: broken }).app.request(command('c1', '${firstCmd}'), post({}))).status).toBe(500);
  });
${p0 ? `
  test('projections are fed by the stored events', async () => {
    // GIVEN two commands on one ${A}
    const { app, deps } = setup();
    await app.request(command('p1', '${firstCmd}'), post({ step: 1 }));
    await app.request(command('p1', '${firstCmd}'), post({ step: 2 }));
    // THEN every projection has its row at version 2
${projections.map((p) => `    expect(((await (await app.request('/projections/${kebab(p)}')).json()) as ProjectionRow[]).map((r) => [r.id, r.version])).toEqual([['p1', 2]]);`).join('\n')}
    expect((await app.request('/projections/${kebab(p0)}/p1')).status).toBe(200);
    expect((await app.request('/projections/${kebab(p0)}/missing')).status).toBe(404);
    // AND replaying an event changes nothing
    const [first] = await deps.store.read('p1');
    await new ${p0}Projector(deps.projections.${camel(p0)}).project(first!);
    expect(await deps.projections.${camel(p0)}.get('p1')).toMatchObject({ version: 2, step: 2 });
  });
` : ''}
  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
`,
    ),
  );
  files.push(eventStoreTest(ctx), depsTest(ctx, outbox));
  return files;
}

function constantName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The managed adapters' test: the in-memory store, the DynamoDB store against a fake client, Firestore in memory. */
function eventStoreTest(ctx: ServiceContext): OutputFile {
  return managed(
    `${ctx.dir}/test/event-store.test.ts`,
    `import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { MemoryFirestore, type AwsClient } from '${ctx.platform}';
import { ConcurrencyError, DynamoDbEventStore, FirestoreEventStore, MemoryEventStore, createEventStore, type EventStore } from '../src/adapters/event-store';

type Key = { pk: string; sk: number };

/** A DynamoDB table in memory: conditional transactions, paginated queries, gets and puts. */
class FakeTable implements AwsClient {
  readonly items = new Map<string, Record<string, unknown> & Key>();
  failWith: Error | undefined;

  send(command: object): Promise<unknown> {
    if (this.failWith) return Promise.reject(this.failWith);
    const id = (k: Key) => \`\${k.pk}|\${k.sk}\`;
    if (command instanceof TransactWriteCommand) {
      const items = command.input.TransactItems ?? [];
      const ok = items.every((t) =>
        t.ConditionCheck ? this.items.has(id(t.ConditionCheck.Key as Key)) : !this.items.has(id(t.Put!.Item as Key)),
      );
      if (!ok) return Promise.reject(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException' }));
      for (const t of items) if (t.Put) this.items.set(id(t.Put.Item as Key), t.Put.Item as Record<string, unknown> & Key);
      return Promise.resolve({});
    }
    if (command instanceof QueryCommand) {
      const values = command.input.ExpressionAttributeValues as { ':pk': string; ':after': number };
      const start = (command.input.ExclusiveStartKey as Key | undefined)?.sk ?? values[':after'];
      const all = [...this.items.values()].filter((i) => i.pk === values[':pk'] && i.sk > start).sort((x, y) => x.sk - y.sk);
      const page = all.slice(0, 2);
      const last = page[page.length - 1];
      return Promise.resolve({ Items: page, LastEvaluatedKey: all.length > 2 && last ? { pk: last.pk, sk: last.sk } : undefined });
    }
    if (command instanceof GetCommand) return Promise.resolve({ Item: this.items.get(id(command.input.Key as Key)) });
    if (command instanceof PutCommand) {
      this.items.set(id(command.input.Item as Key), command.input.Item as Record<string, unknown> & Key);
      return Promise.resolve({});
    }
    return Promise.reject(new Error('unexpected command'));
  }
}

const stores: [string, () => EventStore][] = [
  ['memory', () => new MemoryEventStore()],
  ['dynamodb', () => new DynamoDbEventStore(new FakeTable(), 'events')],
  ['firestore', () => new FirestoreEventStore(new MemoryFirestore(), 'events')],
];

describe.each(stores)('%s event store', (_name, create) => {
  test('appends at the expected version and reads in order, from a version on', async () => {
    // GIVEN a stream with three events
    const store = create();
    await store.append('s', 0, [{ type: 'A', data: { n: 1 } }], '2024-01-01T00:00:00.000Z');
    await store.append('s', 1, [{ type: 'B', data: { n: 2 } }, { type: 'C', data: { n: 3 } }]);
    // THEN
    expect((await store.read('s')).map((e) => [e.version, e.type])).toEqual([[1, 'A'], [2, 'B'], [3, 'C']]);
    expect((await store.read('s', 2)).map((e) => e.type)).toEqual(['C']);
    expect((await store.read('s'))[0]?.time).toBe('2024-01-01T00:00:00.000Z');
    expect(await store.read('other')).toEqual([]);
  });

  test('a stale or future expected version is a ConcurrencyError', async () => {
    const store = create();
    await store.append('s', 0, [{ type: 'A', data: {} }]);
    await expect(store.append('s', 0, [{ type: 'B', data: {} }])).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append('s', 5, [{ type: 'B', data: {} }])).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.read('s')).toHaveLength(1);
  });

  test('keeps the latest snapshot of a stream', async () => {
    const store = create();
    expect(await store.loadSnapshot('s')).toBeUndefined();
    await store.saveSnapshot({ streamId: 's', version: 2, state: { total: 5 } });
    expect(await store.loadSnapshot<{ total: number }>('s')).toEqual({ streamId: 's', version: 2, state: { total: 5 } });
  });

  test('appending nothing returns nothing', async () => {
    await expect(create().append('s', 0, [])).resolves.toEqual([]);
  });
});

describe('DynamoDB event store errors', () => {
  test('other failures are rethrown as they are', async () => {
    const table = new FakeTable();
    table.failWith = new Error('throttled');
    await expect(new DynamoDbEventStore(table, 'events').append('s', 0, [{ type: 'A', data: {} }])).rejects.toThrow('throttled');
  });
});

describe('Firestore event store', () => {
  test('of two writers appending at the same version, one wins and the other gets a ConcurrencyError', async () => {
    // GIVEN a stream at version 1
    const db = new MemoryFirestore();
    const store = new FirestoreEventStore(() => Promise.resolve(db), 'events');
    await store.append('s/1', 0, [{ type: 'A', data: {} }]);
    // WHEN two appends race at version 1
    const results = await Promise.allSettled([store.append('s/1', 1, [{ type: 'B', data: {} }]), store.append('s/1', 1, [{ type: 'C', data: {} }])]);
    // THEN one landed, the other was refused, and the stream holds 2 events under its encoded id
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(ConcurrencyError) as unknown });
    expect(await store.read('s/1')).toHaveLength(2);
    expect(db.docs.get('events/s%2F1')).toEqual({ streamId: 's/1', version: 2 });
  });

  test('a lost race reported by Firestore is a ConcurrencyError, other failures are rethrown', async () => {
    const failing = (error: Error) => {
      const db = new MemoryFirestore();
      jest.spyOn(db, 'runTransaction').mockRejectedValue(error);
      return new FirestoreEventStore(db, 'events').append('s', 0, [{ type: 'A', data: {} }]);
    };
    await expect(failing(Object.assign(new Error('contention'), { code: 10 }))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(failing(Object.assign(new Error('exists'), { code: 6 }))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(failing(new Error('unavailable'))).rejects.toThrow('unavailable');
  });
});

describe('createEventStore', () => {
  test('memory, dynamodb, firestore, and a clear error for anything else', () => {
    expect(createEventStore('memory', 't')).toBeInstanceOf(MemoryEventStore);
    expect(createEventStore('dynamodb', 't')).toBeInstanceOf(DynamoDbEventStore);
    expect(createEventStore('firestore', 't')).toBeInstanceOf(FirestoreEventStore);
    expect(() => createEventStore('cassandra', 't')).toThrow('EVENT_STORE must be one of memory, dynamodb, firestore');
  });
});
`,
  );
}

function depsTest(ctx: ServiceContext, outbox: boolean): OutputFile {
  return managed(
    `${ctx.dir}/test/deps.test.ts`,
    `${outbox ? `import { FirestoreOutbox } from '${ctx.platform}';\n` : ''}import { FirestoreEventStore } from '../src/adapters/event-store';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';

describe('dependency wiring', () => {
  test('defaults to in-memory adapters and the snapshot frequency of the architecture', async () => {
    const deps = createDependencies(loadConfig({})${secretsWiring(ctx).testArg});
    expect(deps.snapshotEvery).toBe(${ctx.service.spec.cqrs?.snapshot_frequency ?? 100});
    await expect(deps.store.read('none')).resolves.toEqual([]);
${outbox ? '    await expect(deps.relay.runOnce()).resolves.toBe(0);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with EVENT_STORE=firestore and STORE=firestore, streams${outbox ? ', the outbox' : ''} and read models are in Firestore (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ EVENT_STORE: 'firestore', STORE: 'firestore', FIRESTORE_DATABASE: 'shop' })${secretsWiring(ctx).testArg});
    expect(deps.store).toBeInstanceOf(FirestoreEventStore);
${outbox ? '    expect(deps.events.outbox).toBeInstanceOf(FirestoreOutbox);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });
});
`,
  );
}

