/** stateless: CRUD of the declared entities over HTTP, with idempotency, events (direct or outbox), a repository. */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { configFile, httpEntries } from '../common';
import { camel, kebab, pascal, plural } from '../names';

/** The entities a CRUD service manages: the declared ones, else one named after the service. */
export function entitiesOf(ctx: ServiceContext): string[] {
  const declared = ctx.service.spec.domain?.entities ?? [];
  return declared.length > 0 ? [...declared] : [pascal(ctx.service.name.replace(/-(service|api)$/, ''))];
}

export function renderStateless(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const entities = entitiesOf(ctx);
  const publishes = s.spec.publishes ?? [];
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const P = ctx.platform;
  const files: OutputFile[] = [servicePackage(ctx, ['hono']), configFile(ctx), ...httpEntries(ctx, { relay: outbox }), dockerfile(ctx, 'server')];

  // deps.ts: adapters chosen by configuration
  const repoFields = entities.map((e) => `  readonly ${camel(plural(e))}: Repository<${e}>;`).join('\n');
  const repoInit = entities.map((e) => `    ${camel(plural(e))}: createRepository<${e}>(config.STORE, \`\${config.TABLE_PREFIX}-${kebab(e)}\`, config.DATABASE_URL),`).join('\n');
  const imports = ['closePools', 'createEventSink', ...(idem ? ['createIdempotencyStore'] : []), 'createLogger', ...(outbox ? ['createOutbox'] : []), 'createPublisher', 'createRepository', ...(outbox ? ['OutboxRelay'] : [])];
  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { ${imports.join(', ')} } from '${P}';
import type { EventSink, IdempotencyStore, Logger, Repository } from '${P}';
import type { Config } from './config';
${secretsWiring(ctx).importType}${entities.map((e) => `import type { ${e} } from './domain/${kebab(e)}';`).join('\n')}

/** Everything the application needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly events: EventSink;
${repoFields}
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
${repoInit}
    idempotency: ${idem ? `createIdempotencyStore(config.STORE, \`\${config.TABLE_PREFIX}-idempotency\`, config.DATABASE_URL)` : 'undefined'},
${outbox ? '    relay: new OutboxRelay(outbox, publisher, logger),\n' : ''}    close: () => closePools(),
  };
}
`,
    ),
  );

  // app.ts: routes
  const routes = entities
    .map((e) => {
      const route = `/${plural(kebab(e))}`;
      const svc = `${camel(e)}Service`;
      return `  const ${svc} = new ${e}Service(deps.${camel(plural(e))}, createUnitOfWork(deps.${camel(plural(e))}, deps.events), SOURCE);
  app.post('${route}', async (c) => c.json(await ${svc}.create(await c.req.json()), 201));
  app.get('${route}', async (c) => c.json(await ${svc}.list()));
  app.get('${route}/:id', async (c) => c.json(await ${svc}.get(c.req.param('id'))));
  app.put('${route}/:id', async (c) => c.json(await ${svc}.update(c.req.param('id'), await c.req.json())));
  app.delete('${route}/:id', async (c) => {
    await ${svc}.remove(c.req.param('id'));
    return c.body(null, 204);
  });`;
    })
    .join('\n');
  files.push(
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp, createUnitOfWork${idem ? ', idempotency' : ''} } from '${P}';
${entities.map((e) => `import { ${e}Service } from './application/${kebab(e)}-service';`).join('\n')}
import type { Dependencies } from './deps';

const SOURCE = '${s.name}';

/** The HTTP app: health and readiness, ${idem ? 'idempotent writes, ' : ''}CRUD of ${entities.join(', ')}. */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
${idem ? `  if (deps.idempotency) {\n    app.use('*', idempotency({ store: deps.idempotency, header: '${s.spec.idempotency?.key_header ?? 'Idempotency-Key'}', ttlSeconds: ${(s.spec.idempotency?.ttl_hours ?? 24) * 3600} }));\n  }\n` : ''}${routes}
  return app;
}
`,
    ),
  );

  // domain + application: the user's from the first synth on
  for (const e of entities) {
    const created = publishes.includes(`${e}Created`);
    const updated = publishes.includes(`${e}Updated`);
    const deleted = publishes.includes(`${e}Deleted`);
    files.push(
      owned(
        `${ctx.dir}/src/domain/${kebab(e)}.ts`,
        `import { HttpError } from '${P}';

/** A ${e}. Add your fields here and to parse${e}Input. */
export interface ${e} {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ${e}Input {
  readonly name: string;
}

/** Validate untrusted input: a 400 for anything that is not a ${e}Input. */
export function parse${e}Input(input: unknown): ${e}Input {
  if (typeof input !== 'object' || input === null) throw new HttpError(400, 'expected a JSON object');
  const name = (input as { name?: unknown }).name;
  if (typeof name !== 'string' || name.trim() === '') throw new HttpError(400, 'name must be a non-empty string');
  return { name: name.trim() };
}
`,
      ),
      owned(
        `${ctx.dir}/src/application/${kebab(e)}-service.ts`,
        `import { randomUUID } from 'node:crypto';
import { HttpError${created || updated || deleted ? ', newEvent' : ''} } from '${P}';
import type { Repository, UnitOfWork } from '${P}';
import { ${e}, parse${e}Input } from '../domain/${kebab(e)}';

/**
 * Use cases of ${e}: create, read, list, update, delete${created || updated || deleted ? ', publishing its events' : ''}. Every change goes through the
 * unit of work, which writes it together with its events (in one transaction with the outbox pattern).
 */
export class ${e}Service {
  constructor(
    private readonly repository: Repository<${e}>,
    private readonly unit: UnitOfWork<${e}>,
    private readonly source: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: unknown): Promise<${e}> {
    const data = parse${e}Input(input);
    const time = this.now().toISOString();
    const item: ${e} = { id: randomUUID(), ...data, createdAt: time, updatedAt: time };
    await this.unit.commit({ put: item${created ? `, events: [newEvent('${e}Created', this.source, item)]` : ''} });
    return item;
  }

  async get(id: string): Promise<${e}> {
    const item = await this.repository.get(id);
    if (!item) throw new HttpError(404, '${e} not found');
    return item;
  }

  list(): Promise<${e}[]> {
    return this.repository.list();
  }

  async update(id: string, input: unknown): Promise<${e}> {
    const current = await this.get(id);
    const item: ${e} = { ...current, ...parse${e}Input(input), updatedAt: this.now().toISOString() };
    await this.unit.commit({ put: item${updated ? `, events: [newEvent('${e}Updated', this.source, item)]` : ''} });
    return item;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.unit.commit({ remove: id${deleted ? `, events: [newEvent('${e}Deleted', this.source, { id })]` : ''} });
  }
}
`,
      ),
      owned(
        `${ctx.dir}/test/${kebab(e)}.test.ts`,
        `import { ${outbox ? 'MemoryOutbox, ' : ''}MemoryPublisher, MemoryRepository, ${outbox ? 'OutboxRelay, ' : ''}createEventSink, createLogger } from '${P}';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';
${entities.map((x) => `import type { ${x} } from '../src/domain/${kebab(x)}';`).join('\n')}

function setup() {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
${secretsWiring(ctx).testProp}    logger,
    events: createEventSink(publisher),
${entities.map((x) => `    ${camel(plural(x))}: new MemoryRepository<${x}>(),`).join('\n')}
    idempotency: undefined,
${outbox ? '    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger),\n' : ''}    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher };
}

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('${plural(kebab(e))}', () => {
  test('create, read, list, update and delete', async () => {
    // GIVEN
    const { app, publisher } = setup();
    // WHEN
    const created = await app.request('/${plural(kebab(e))}', json({ name: 'first' }));
    const item = (await created.json()) as ${e};
    // THEN
    expect(created.status).toBe(201);
    expect(item.name).toBe('first');
    expect((await app.request(\`/${plural(kebab(e))}/\${item.id}\`)).status).toBe(200);
    expect(((await (await app.request('/${plural(kebab(e))}')).json()) as ${e}[]).map((x) => x.id)).toEqual([item.id]);
    const updated = await app.request(\`/${plural(kebab(e))}/\${item.id}\`, { ...json({ name: 'second' }), method: 'PUT' });
    expect(((await updated.json()) as ${e}).name).toBe('second');
    expect((await app.request(\`/${plural(kebab(e))}/\${item.id}\`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(\`/${plural(kebab(e))}/\${item.id}\`)).status).toBe(404);
    expect(publisher.published.map((ev) => ev.type)).toEqual(${JSON.stringify([created && `${e}Created`, updated && `${e}Updated`, deleted && `${e}Deleted`].filter(Boolean))});
  });

  test('invalid input is a 400, an unknown id a 404', async () => {
    const { app } = setup();
    expect((await app.request('/${plural(kebab(e))}', json({ name: '' }))).status).toBe(400);
    expect((await app.request('/${plural(kebab(e))}', json([1]))).status).toBe(400);
    expect((await app.request('/${plural(kebab(e))}/nope', { ...json({ name: 'x' }), method: 'PUT' })).status).toBe(404);
    expect((await app.request('/${plural(kebab(e))}/nope', { method: 'DELETE' })).status).toBe(404);
  });

  test('health and readiness', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
`,
      ),
    );
  }
  files.push(depsTest(ctx, outbox));
  return files;
}

/** A generated test of the dependency wiring (it is generated code, so it is tested by generated code). */
function depsTest(ctx: ServiceContext, outbox: boolean): OutputFile {
  const first = entitiesOf(ctx)[0]!;
  const idem = ctx.service.spec.idempotency?.enabled === true;
  const firestoreImports = [...(idem ? ['FirestoreIdempotencyStore'] : []), ...(outbox ? ['FirestoreOutbox'] : []), 'FirestoreRepository'];
  return managed(
    `${ctx.dir}/test/deps.test.ts`,
    `import { ${firestoreImports.join(', ')} } from '${ctx.platform}';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';

describe('dependency wiring', () => {
  test('defaults to in-memory adapters', async () => {
    const deps = createDependencies(loadConfig({})${secretsWiring(ctx).testArg});
    expect(deps.logger).toBeDefined();
${outbox ? '    await expect(deps.relay.runOnce()).resolves.toBe(0);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with STORE=firestore, the tables are Firestore collections (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ STORE: 'firestore', FIRESTORE_DATABASE: 'shop', GOOGLE_CLOUD_PROJECT: 'shop-prod' })${secretsWiring(ctx).testArg});
    expect(deps.${camel(plural(first))}).toBeInstanceOf(FirestoreRepository);
${outbox ? '    expect(deps.events.outbox).toBeInstanceOf(FirestoreOutbox);\n' : ''}${idem ? '    expect(deps.idempotency).toBeInstanceOf(FirestoreIdempotencyStore);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });
});
`,
  );
}
