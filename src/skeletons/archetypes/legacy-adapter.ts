/**
 * legacy-adapter (anti-corruption-layer): a translation layer between the legacy model and the domain model, an
 * upstream client for acl.protocol (REST and SOAP over fetch; a port to implement for the others), the sync strategy
 * (polling, webhook, on-demand) and the translated events published.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { containerEntry, lambdaEntry, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, configFile, httpEntries, relayEntry, storeConfig } from '../common';
import { camel, kebab, pascal, plural } from '../names';

/** The entity the adapter translates: domain.entities[0], else the subject of the first event (PolicyImported → Policy). */
export function legacyEntity(ctx: ServiceContext): string {
  const declared = ctx.service.spec.domain?.entities?.[0];
  if (declared) return declared;
  const words = ctx.service.spec.publishes?.[0]?.match(/[A-Z][a-z0-9]*/g) ?? [];
  if (words.length > 1) return words.slice(0, -1).join('');
  return pascal(ctx.service.name.replace(/-(adapter|acl|service)$/, ''));
}

export function renderLegacyAdapter(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const acl = s.spec.acl ?? { upstream: 'http://legacy.invalid' };
  const protocol = acl.protocol ?? 'rest';
  const strategy = acl.sync_strategy ?? 'on-demand';
  const polling = strategy === 'polling';
  const webhook = strategy === 'webhook' || strategy === 'cdc';
  const onDemand = strategy === 'on-demand';
  const custom = protocol !== 'rest' && protocol !== 'soap';
  const E = legacyEntity(ctx);
  const e = camel(E);
  const event = s.spec.publishes?.[0];
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const extra: Record<string, ConfigVar> = {
    ...(polling ? storeConfig(ctx) : {}),
    UPSTREAM_URL: { kind: 'string', default: acl.upstream, description: `URL of the legacy system (${protocol})` },
    ...(protocol === 'soap' ? { UPSTREAM_SOAP_NAMESPACE: { kind: 'string', default: 'http://tempuri.org/', description: 'Namespace of the legacy SOAP operations' } satisfies ConfigVar } : {}),
    ...(polling ? { POLLING_INTERVAL_SECONDS: { kind: 'int', default: String(acl.polling_interval_seconds ?? 60), description: 'Seconds between two polls of the legacy system' } satisfies ConfigVar } : {}),
  };
  const files: OutputFile[] = [servicePackage(ctx, ['hono']), configFile(ctx, extra), dockerfile(ctx, 'server')];
  files.push(...(polling ? pollingEntries(ctx, outbox) : httpEntries(ctx, { relay: outbox })));

  // ---- managed: the upstream port and the REST and SOAP clients
  files.push(managed(`${ctx.dir}/src/adapters/upstream.ts`, UPSTREAM_TS), managed(`${ctx.dir}/test/upstream.test.ts`, UPSTREAM_TEST_TS));
  if (custom) {
    files.push(
      owned(
        `${ctx.dir}/src/application/custom-upstream.ts`,
        `import type { LegacyRecord, Upstream } from '../adapters/upstream';

function notImplemented(): Error {
  return new Error('acl.protocol ${protocol}: allframe generates no client for it; implement CustomUpstream in src/application/custom-upstream.ts');
}

/** The legacy system speaks ${protocol}: implement this port with a ${protocol} client. */
export class CustomUpstream implements Upstream {
  changes(_since: string | undefined): Promise<LegacyRecord[]> {
    return Promise.reject(notImplemented());
  }

  fetch(_id: string): Promise<LegacyRecord | undefined> {
    return Promise.reject(notImplemented());
  }
}
`,
      ),
    );
  }

  // ---- managed: wiring and routes
  const upstreamInit = custom
    ? 'new CustomUpstream()'
    : protocol === 'soap'
      ? `new SoapUpstream(config.UPSTREAM_URL, config.UPSTREAM_SOAP_NAMESPACE, '${E}', fetchFn)`
      : 'new RestUpstream(config.UPSTREAM_URL, fetchFn)';
  const upstreamClass = custom ? 'CustomUpstream' : protocol === 'soap' ? 'SoapUpstream' : 'RestUpstream';
  const imports = ['closePools', 'createEventSink', 'createLogger', ...(outbox ? ['createOutbox'] : []), 'createPublisher', ...(polling ? ['createRepository'] : []), ...(outbox ? ['OutboxRelay'] : [])];
  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { ${imports.join(', ')} } from '${P}';
import type { EventSink, Logger${polling ? ', Repository' : ''} } from '${P}';
import { ${custom ? '' : `${upstreamClass}, `}type Fetch, type Upstream } from './adapters/upstream';
${custom ? "import { CustomUpstream } from './application/custom-upstream';\n" : ''}${polling ? `import type { SyncCursor } from './application/${kebab(E)}-sync';\n` : ''}import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the application needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly events: EventSink;
  readonly upstream: Upstream;
${polling ? '  /** Where the poller remembers how far it got. */\n  readonly cursors: Repository<SyncCursor>;\n' : ''}${outbox ? '  readonly relay: OutboxRelay;\n' : ''}  close(): Promise<void>;
}

/** The ${protocol} client of the legacy system, real or in-memory adapters as configured. */
export function createDependencies(config: Config${secretsWiring(ctx).param}, ${custom ? '_fetchFn' : 'fetchFn'}: Fetch = fetch): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
${outbox ? '  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL);\n' : ''}  return {
${secretsWiring(ctx).prop}    logger,
    events: createEventSink(publisher${outbox ? ', outbox' : ''}),
    upstream: ${upstreamInit},
${polling ? '    cursors: createRepository<SyncCursor>(config.STORE, `${config.TABLE_PREFIX}-cursors`, config.DATABASE_URL),\n' : ''}${outbox ? '    relay: new OutboxRelay(outbox, publisher, logger),\n' : ''}    close: () => closePools(),
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp } from '${P}';
import { ${E}Sync } from './application/${kebab(E)}-sync';
import type { Dependencies } from './deps';

const SOURCE = '${s.name}';

/** The use cases of the ${strategy} sync with the legacy system. */
export function buildSync(deps: Dependencies): ${E}Sync {
  return new ${E}Sync(deps.upstream, deps.events, SOURCE${polling ? ', deps.cursors' : ''});
}

/** The HTTP app: health and readiness, ${polling ? 'POST /sync to poll now' : webhook ? 'POST /webhook for the changes the legacy system pushes' : `GET /${plural(kebab(E))}/:id fetched from the legacy system and translated`}. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  const sync = buildSync(deps);
${polling ? "  app.post('/sync', async (c) => c.json({ synced: await sync.poll() }));\n" : ''}${webhook ? `  app.post('/webhook', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    return c.json({ received: (await sync.receive(body)).length }, 202);
  });
` : ''}${onDemand ? `  app.get('/${plural(kebab(E))}/:id', async (c) => c.json(await sync.get(c.req.param('id'))));\n` : ''}  return app;
}
`,
    ),
    managed(
      `${ctx.dir}/test/deps.test.ts`,
      `${custom ? "import { CustomUpstream } from '../src/application/custom-upstream';\n" : `import { ${upstreamClass} } from '../src/adapters/upstream';\n`}import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';

describe('dependency wiring', () => {
  test('the ${protocol} upstream client and in-memory adapters by default', async () => {
    const deps = createDependencies(loadConfig({})${secretsWiring(ctx).testArg});
    expect(deps.upstream).toBeInstanceOf(${upstreamClass});
${polling ? "    await expect(deps.cursors.list()).resolves.toEqual([]);\n" : ''}${outbox ? '    await expect(deps.relay.runOnce()).resolves.toBe(0);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });
});
`,
    ),
  );

  // ---- owned: the domain model, the translation layer, the sync use cases
  const publish = event
    ? `
  private async publish(items: readonly ${E}[]): Promise<void> {
    if (items.length > 0) await this.events.emit(items.map((item) => newEvent('${event}', this.source, item)));
  }
`
    : '';
  files.push(
    owned(
      `${ctx.dir}/src/domain/${kebab(E)}.ts`,
      `/** A ${E} as this domain sees it, whatever the legacy system calls it. Give it real fields. */
export interface ${E} {
  readonly id: string;
  readonly fields: Readonly<Record<string, unknown>>;
}
`,
    ),
    owned(
      `${ctx.dir}/src/application/translator.ts`,
      `import { HttpError } from '${P}';
import type { LegacyRecord } from '../adapters/upstream';
import type { ${E} } from '../domain/${kebab(E)}';

/** LEGACY_FIELD, LegacyField or legacy-field → legacyField. */
function camelCase(name: string): string {
  const words = name.split(/[_\\s-]+|(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase());
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

/** The legacy model → the domain model: rename, convert and drop fields here. A record without an id is refused. */
export function toDomain(record: LegacyRecord): ${E} {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) fields[camelCase(key)] = value;
  const id = fields.id ?? fields.${e}Id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new HttpError(422, 'a legacy ${E} record without an id');
  delete fields.id;
  delete fields.${e}Id;
  return { id: String(id), fields };
}

/** The domain model → the legacy model (UPPER_SNAKE_CASE fields), for what goes back to the legacy system. */
export function toLegacy(${e}: ${E}): LegacyRecord {
  const record: Record<string, unknown> = { ID: ${e}.id };
  for (const [key, value] of Object.entries(${e}.fields)) record[key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()] = value;
  return record;
}
`,
    ),
    owned(
      `${ctx.dir}/src/application/${kebab(E)}-sync.ts`,
      `${webhook || onDemand || event ? `import { ${[...(webhook || onDemand ? ['HttpError'] : []), ...(event && !onDemand ? ['newEvent'] : [])].join(', ')} } from '${P}';\n` : ''}import type { EventSink${polling ? ', Repository' : ''} } from '${P}';
import type { ${webhook ? 'LegacyRecord, ' : ''}Upstream } from '../adapters/upstream';
${webhook || onDemand || event ? `import type { ${E} } from '../domain/${kebab(E)}';\n` : ''}import { toDomain } from './translator';
${polling ? `
/** How far the poller got: the time its last successful poll started. */
export interface SyncCursor {
  readonly id: string;
  readonly since: string;
}
` : ''}
/** ${polling ? 'Polls the legacy system for changes' : webhook ? 'Receives the changes the legacy system pushes' : 'Fetches records from the legacy system on demand'}, translated into ${E}s${event && !onDemand ? ` and published as ${event}` : ''}. */
export class ${E}Sync {
  constructor(
    private readonly upstream: Upstream,
    private readonly events: EventSink,
    private readonly source: string,
${polling ? '    private readonly cursors: Repository<SyncCursor>,\n    private readonly now: () => Date = () => new Date(),\n' : ''}  ) {}
${polling ? `
  /** Takes the changes since the last poll, translates and publishes them; returns how many there were. */
  async poll(): Promise<number> {
    const started = this.now().toISOString();
    const cursor = await this.cursors.get('cursor');
    const items = (await this.upstream.changes(cursor?.since)).map(toDomain);
${event ? '    await this.publish(items);\n' : ''}    await this.cursors.put({ id: 'cursor', since: started });
    return items.length;
  }
` : ''}${webhook ? `
  /** A change pushed by the legacy system: one record or an array of them. */
  async receive(input: unknown): Promise<${E}[]> {
    const records: unknown[] = Array.isArray(input) ? input : [input];
    if (records.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) throw new HttpError(400, 'expected a legacy record or an array of them');
    const items = (records as LegacyRecord[]).map(toDomain);
${event ? '    await this.publish(items);\n' : ''}    return items;
  }
` : ''}${onDemand ? `
  /** One ${E}, fetched from the legacy system and translated. */
  async get(id: string): Promise<${E}> {
    const record = await this.upstream.fetch(id);
    if (!record) throw new HttpError(404, '${E} not found');
    return toDomain(record);
  }
` : ''}${onDemand ? '' : publish}}
`,
    ),
  );

  // ---- owned tests
  files.push(
    owned(
      `${ctx.dir}/test/${kebab(E)}-sync.test.ts`,
      `import { ${outbox ? 'MemoryOutbox, ' : ''}MemoryPublisher, ${polling ? 'MemoryRepository, ' : ''}${outbox ? 'OutboxRelay, ' : ''}createEventSink, createLogger } from '${P}';
import type { LegacyRecord, Upstream } from '../src/adapters/upstream';
import { buildApp } from '../src/app';
${custom ? "import { CustomUpstream } from '../src/application/custom-upstream';\n" : ''}${polling ? `import type { SyncCursor } from '../src/application/${kebab(E)}-sync';\n` : ''}import { toDomain, toLegacy } from '../src/application/translator';
import type { Dependencies } from '../src/deps';
${polling || webhook ? `import type { ${E} } from '../src/domain/${kebab(E)}';\n` : ''}
/** The legacy system in memory: its records, and the \`since\` of each changes call. */
class FakeUpstream implements Upstream {
  readonly sinces: (string | undefined)[] = [];
  constructor(readonly records: LegacyRecord[]) {}

  changes(since: string | undefined): Promise<LegacyRecord[]> {
    this.sinces.push(since);
    return Promise.resolve(this.records);
  }

  fetch(id: string): Promise<LegacyRecord | undefined> {
    return Promise.resolve(this.records.find((r) => r.ID === id));
  }
}

function setup(records: LegacyRecord[] = [{ ID: 'L-1', STATUS_CODE: 'A' }]) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const upstream = new FakeUpstream(records);
  const deps: Dependencies = {
${secretsWiring(ctx).testProp}    logger,
    events: createEventSink(publisher),
    upstream,
${polling ? '    cursors: new MemoryRepository<SyncCursor>(),\n' : ''}${outbox ? '    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger),\n' : ''}    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, upstream };
}

describe('translation', () => {
  test('legacy records become ${E}s and back', () => {
    const item = toDomain({ ID: 7, STATUS_CODE: 'A', LastChanged: '2024-01-01' });
    expect(item).toEqual({ id: '7', fields: { statusCode: 'A', lastChanged: '2024-01-01' } });
    expect(toDomain({ '${E.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_ID': 'x' }).id).toBe('x');
    expect(toLegacy(item)).toEqual({ ID: '7', STATUS_CODE: 'A', LAST_CHANGED: '2024-01-01' });
  });

  test('a record without an id is refused', () => {
    expect(() => toDomain({ NAME: 'no id' })).toThrow('without an id');
  });
});

describe('${strategy} sync', () => {
${polling ? `  test('a poll translates and publishes the changes since the previous poll', async () => {
    // GIVEN a legacy system with one record
    const { app, publisher, upstream } = setup();
    // WHEN it is polled twice
    const first = await app.request('/sync', { method: 'POST' });
    await app.request('/sync', { method: 'POST' });
    // THEN the record was translated${event ? ' and published' : ''}, and the second poll asked only for what changed since the first
    expect(await first.json()).toEqual({ synced: 1 });
    expect(upstream.sinces[0]).toBeUndefined();
    expect(typeof upstream.sinces[1]).toBe('string');
    expect(publisher.published.map((e) => (e.data as ${E}).id)).toEqual(${event ? "['L-1', 'L-1']" : '[]'});
  });

  test('a record that cannot be translated fails the poll', async () => {
    const { app } = setup([{ NAME: 'no id' }]);
    expect((await app.request('/sync', { method: 'POST' })).status).toBe(422);
  });
` : ''}${webhook ? `  test('pushed records are translated${event ? ' and published' : ''}', async () => {
    // GIVEN the adapter
    const { app, publisher } = setup();
    const post = (body: unknown) => app.request('/webhook', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    // WHEN the legacy system pushes one record, then two
    expect((await post({ ID: 'L-1' })).status).toBe(202);
    expect(await (await post([{ ID: 'L-2' }, { ID: 'L-3' }])).json()).toEqual({ received: 2 });
    // THEN
    expect(publisher.published.map((e) => (e.data as ${E}).id)).toEqual(${event ? "['L-1', 'L-2', 'L-3']" : '[]'});
  });

  test('anything but records is refused', async () => {
    const { app } = setup();
    expect((await app.request('/webhook', { method: 'POST', body: '[1]', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await app.request('/webhook', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await app.request('/webhook', { method: 'POST', body: '{"NAME":"x"}', headers: { 'content-type': 'application/json' } })).status).toBe(422);
  });
` : ''}${onDemand ? `  test('a ${E} is fetched from the legacy system and translated', async () => {
    const { app } = setup();
    const res = await app.request('/${plural(kebab(E))}/L-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'L-1', fields: { statusCode: 'A' } });
    expect((await app.request('/${plural(kebab(E))}/nope')).status).toBe(404);
  });
` : ''}
  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
${custom ? `
describe('the ${protocol} upstream', () => {
  test('is yours to implement: until then it fails clearly', async () => {
    await expect(new CustomUpstream().changes(undefined)).rejects.toThrow('acl.protocol ${protocol}');
    await expect(new CustomUpstream().fetch('1')).rejects.toThrow('implement CustomUpstream');
  });
});
` : ''}`,
    ),
  );
  return files;
}

/** Container entry running the poller every POLLING_INTERVAL_SECONDS, a Lambda HTTP entry and a Lambda poll entry for a schedule. */
function pollingEntries(ctx: ServiceContext, relay: boolean): OutputFile[] {
  const P = ctx.platform;
  return [
    managed(
      `${ctx.dir}/src/entry/server.ts`,
      containerEntry(ctx, `import { serve } from '${P}';
import { buildApp, buildSync } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';

const config = loadConfig(process.env);
const deps = createDependencies(config);
const sync = buildSync(deps);
let polling: Promise<void> | undefined;
const poller = setInterval(() => {
  polling ??= sync
    .poll()
    .then(
      (count) => deps.logger.info({ count }, 'polled the legacy system'),
      (error: unknown) => deps.logger.error({ err: error }, 'polling the legacy system failed'),
    )
    .finally(() => {
      polling = undefined;
    });
}, config.POLLING_INTERVAL_SECONDS * 1000);
${relay ? `const relay = setInterval(() => {
  deps.relay.runOnce().catch((error: unknown) => deps.logger.error({ err: error }, 'outbox relay failed'));
}, 1000);
` : ''}serve(buildApp(deps), {
  port: config.PORT,
  logger: deps.logger,
  onShutdown: () => {
    clearInterval(poller);
${relay ? '    clearInterval(relay);\n' : ''}    return deps.close();
  },
});
`),
    ),
    managed(
      `${ctx.dir}/src/entry/lambda.ts`,
      lambdaEntry(ctx, `import { httpHandler } from '${P}';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';

export const handler = httpHandler(buildApp(createDependencies(loadConfig(process.env))));
`),
    ),
    managed(
      `${ctx.dir}/src/entry/poll.ts`,
      lambdaEntry(ctx, `import { buildSync } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';

const sync = buildSync(createDependencies(loadConfig(process.env)));

/** Polls the legacy system once: run it on a schedule, every POLLING_INTERVAL_SECONDS. */
export const handler = async (): Promise<{ synced: number }> => ({ synced: await sync.poll() });
`),
    ),
    ...(relay ? [relayEntry(ctx)] : []),
  ];
}

/** The upstream port with its REST and SOAP clients (the same for every legacy adapter). */
const UPSTREAM_TS = `/** A record as the legacy system has it: its own field names and formats. */
export type LegacyRecord = Readonly<Record<string, unknown>>;

/** Port: the legacy system. */
export interface Upstream {
  /** The records changed since \`since\` (an ISO time; all of them when undefined). */
  changes(since: string | undefined): Promise<LegacyRecord[]>;
  /** One record by its legacy id; undefined when there is none. */
  fetch(id: string): Promise<LegacyRecord | undefined>;
}

/** The fetch the clients use; tests pass a fake. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** The legacy system failed or answered something unusable. */
export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

async function body(res: Response): Promise<string> {
  const text = await res.text();
  if (!res.ok) throw new UpstreamError(\`upstream answered \${res.status}\`);
  return text;
}

/**
 * REST: \`GET <url>?since=<ISO time>\` answers a JSON array of records (or \`{ "records": [...] }\`), and
 * \`GET <url>/<id>\` one record (404 when unknown).
 */
export class RestUpstream implements Upstream {
  constructor(
    private readonly url: string,
    private readonly fetchFn: Fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  async changes(since: string | undefined): Promise<LegacyRecord[]> {
    const query = since === undefined ? '' : \`?since=\${encodeURIComponent(since)}\`;
    const parsed = JSON.parse(await body(await this.fetchFn(\`\${this.base()}\${query}\`, this.init()))) as LegacyRecord[] | { records?: LegacyRecord[] };
    return Array.isArray(parsed) ? parsed : (parsed.records ?? []);
  }

  async fetch(id: string): Promise<LegacyRecord | undefined> {
    const res = await this.fetchFn(\`\${this.base()}/\${encodeURIComponent(id)}\`, this.init());
    if (res.status === 404) return undefined;
    return JSON.parse(await body(res)) as LegacyRecord;
  }

  private base(): string {
    return this.url.replace(/\\/+$/, '');
  }

  private init(): RequestInit {
    return { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) };
  }
}

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
const UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(ESCAPES).map(([k, v]) => [v, k]));

export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ESCAPES[c]!);
}

export function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos);/g, (e) => UNESCAPES[e]!);
}

/** A SOAP 1.1 envelope calling \`action\` in \`namespace\` with simple parameters. */
export function soapEnvelope(action: string, namespace: string, params: Record<string, string>): string {
  const args = Object.entries(params)
    .map(([name, value]) => \`<\${name}>\${escapeXml(value)}</\${name}>\`)
    .join('');
  return \`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><\${action} xmlns="\${escapeXml(namespace)}">\${args}</\${action}></soap:Body></soap:Envelope>\`;
}

/** The \`<tag>\` elements of a SOAP answer (any namespace prefix), each as a flat map of its child elements' text. */
export function parseSoapRecords(xml: string, tag: string): LegacyRecord[] {
  const fault = /<(?:\\w+:)?faultstring[^>]*>([\\s\\S]*?)<\\/(?:\\w+:)?faultstring>/.exec(xml);
  if (fault) throw new UpstreamError(\`SOAP fault: \${unescapeXml(fault[1]!)}\`);
  const records: LegacyRecord[] = [];
  for (const match of xml.matchAll(new RegExp(\`<(?:\\\\w+:)?\${tag}(?:\\\\s[^>]*)?>([\\\\s\\\\S]*?)</(?:\\\\w+:)?\${tag}>\`, 'g'))) {
    const fields: Record<string, string> = {};
    for (const field of match[1]!.matchAll(/<(?:\\w+:)?(\\w+)(?:\\s[^>]*)?>([^<]*)<\\/(?:\\w+:)?\\1>/g)) fields[field[1]!] = unescapeXml(field[2]!);
    records.push(fields);
  }
  return records;
}

/**
 * SOAP 1.1: the operations \`GetChanges(Since)\` and \`Get<Entity>(Id)\` in \`namespace\`; the records are the
 * \`<Entity>\` elements of the answer. A SOAP fault or an error status is an UpstreamError.
 */
export class SoapUpstream implements Upstream {
  constructor(
    private readonly url: string,
    private readonly namespace: string,
    private readonly entity: string,
    private readonly fetchFn: Fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  changes(since: string | undefined): Promise<LegacyRecord[]> {
    return this.call('GetChanges', since === undefined ? {} : { Since: since });
  }

  async fetch(id: string): Promise<LegacyRecord | undefined> {
    return (await this.call(\`Get\${this.entity}\`, { Id: id }))[0];
  }

  private async call(action: string, params: Record<string, string>): Promise<LegacyRecord[]> {
    const res = await this.fetchFn(this.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: \`"\${this.namespace}\${action}"\` },
      body: soapEnvelope(action, this.namespace, params),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const records = parseSoapRecords(await res.text(), this.entity);
    if (!res.ok) throw new UpstreamError(\`upstream answered \${res.status}\`);
    return records;
  }
}
`;

const UPSTREAM_TEST_TS = `import { RestUpstream, SoapUpstream, UpstreamError, escapeXml, parseSoapRecords, soapEnvelope, type Fetch } from '../src/adapters/upstream';

function fakeFetch(...responses: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: Fetch = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(responses.shift() ?? new Response('[]'));
  };
  return { calls, fn };
}

describe('RestUpstream', () => {
  test('changes: all of them, or since a time; an array or { records }', async () => {
    const { calls, fn } = fakeFetch(new Response('[{"ID":"1"}]'), new Response('{"records":[{"ID":"2"}]}'), new Response('{}'));
    const upstream = new RestUpstream('https://legacy.test/items/', fn);
    await expect(upstream.changes(undefined)).resolves.toEqual([{ ID: '1' }]);
    await expect(upstream.changes('2024-01-01T00:00:00Z')).resolves.toEqual([{ ID: '2' }]);
    await expect(upstream.changes(undefined)).resolves.toEqual([]);
    expect(calls.map((c) => c.url)).toEqual(['https://legacy.test/items', 'https://legacy.test/items?since=2024-01-01T00%3A00%3A00Z', 'https://legacy.test/items']);
  });

  test('fetch: one record, undefined when unknown, an UpstreamError on failure', async () => {
    const { calls, fn } = fakeFetch(new Response('{"ID":"a b"}'), new Response('', { status: 404 }), new Response('', { status: 500 }));
    const upstream = new RestUpstream('https://legacy.test/items', fn);
    await expect(upstream.fetch('a b')).resolves.toEqual({ ID: 'a b' });
    await expect(upstream.fetch('x')).resolves.toBeUndefined();
    await expect(upstream.fetch('y')).rejects.toBeInstanceOf(UpstreamError);
    expect(calls[0]?.url).toBe('https://legacy.test/items/a%20b');
  });
});

describe('SOAP', () => {
  test('the envelope escapes its parameters', () => {
    const xml = soapEnvelope('GetItem', 'http://tempuri.org/', { Id: '<1 & "2">' });
    expect(xml).toContain('<GetItem xmlns="http://tempuri.org/"><Id>&lt;1 &amp; &quot;2&quot;&gt;</Id></GetItem>');
    expect(escapeXml("'")).toBe('&apos;');
  });

  test('records are read from the answer, whatever the prefixes', () => {
    const xml = '<s:Envelope><s:Body><r:GetChangesResponse><r:Item a="1"><r:ID>1</r:ID><r:NAME>A &amp; B</r:NAME></r:Item><Item><ID>2</ID></Item></r:GetChangesResponse></s:Body></s:Envelope>';
    expect(parseSoapRecords(xml, 'Item')).toEqual([{ ID: '1', NAME: 'A & B' }, { ID: '2' }]);
  });

  test('a fault is an UpstreamError', () => {
    expect(() => parseSoapRecords('<s:Fault><faultstring>no &lt;access&gt;</faultstring></s:Fault>', 'Item')).toThrow('SOAP fault: no <access>');
  });

  test('changes and fetch call the operations', async () => {
    const answer = '<Envelope><Body><Item><ID>7</ID></Item></Body></Envelope>';
    const { calls, fn } = fakeFetch(new Response(answer), new Response(answer), new Response(answer), new Response('<Envelope/>'));
    const upstream = new SoapUpstream('https://legacy.test/soap', 'http://tempuri.org/', 'Item', fn);
    await expect(upstream.changes(undefined)).resolves.toEqual([{ ID: '7' }]);
    await expect(upstream.changes('2024-01-01')).resolves.toHaveLength(1);
    await expect(upstream.fetch('7')).resolves.toEqual({ ID: '7' });
    await expect(upstream.fetch('8')).resolves.toBeUndefined();
    expect(calls[0]?.init.headers).toMatchObject({ soapaction: '"http://tempuri.org/GetChanges"' });
    expect(calls[1]?.init.body as string).toContain('<Since>2024-01-01</Since>');
    expect(calls[2]?.init.body as string).toContain('<GetItem xmlns="http://tempuri.org/"><Id>7</Id></GetItem>');
  });

  test('an error status without a fault is an UpstreamError', async () => {
    const { fn } = fakeFetch(new Response('oops', { status: 503 }));
    await expect(new SoapUpstream('https://legacy.test/soap', 'urn:x', 'Item', fn).changes(undefined)).rejects.toThrow('upstream answered 503');
  });
});
`;
