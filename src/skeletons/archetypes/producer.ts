/**
 * producer: schema-checked events (a definition per published event, each with the user's validator) and a publish
 * API over HTTP: POST /events/<Type> answers 202 with the event id, or 400 when the payload is invalid.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { secretNames, secretsWiring, testSecrets } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { configFile, httpEntries } from '../common';

export function renderProducer(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const events = [...new Set(s.spec.publishes ?? [])];
  const registry = ctx.model.file.settings?.events?.schema_registry;
  const files: OutputFile[] = [servicePackage(ctx, ['hono']), configFile(ctx), ...httpEntries(ctx), dockerfile(ctx, 'server')];

  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { closePools, createLogger, createPublisher } from '${P}';
import type { EventPublisher, Logger } from '${P}';
import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Everything the service needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly publisher: EventPublisher;
  close(): Promise<void>;
}

/** The configured publisher (SNS, EventBridge, SQS, Pub/Sub) or an in-memory one. */
export function createDependencies(config: Config${secretsWiring(ctx).param}): Dependencies {
  return {
${secretsWiring(ctx).prop}    logger: createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS }),
    publisher: createPublisher(config.EVENT_BUS, config.EVENT_TARGET),
    close: () => closePools(),
  };
}
`,
    ),
    // The validators: the user's from the first synth on.
    owned(
      `${ctx.dir}/src/domain/events.ts`,
      `/**
 * The data of each published event and its validator (a type guard). Tighten them as the payloads take shape${
        registry && registry !== 'none' ? `; they\n * should agree with the schemas registered in ${registry}` : ''
      }.
 */

function isObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}
${events
  .map(
    (e) => `
/** The data of ${e}. */
export type ${e}Data = Record<string, unknown>;

/** True when \`data\` is valid ${e} data. */
export function is${e}(data: unknown): data is ${e}Data {
  return isObject(data);
}
`,
  )
  .join('')}`,
    ),
    managed(
      `${ctx.dir}/src/events.ts`,
      `import { defineEvent } from '${P}';
import type { EventDefinition } from '${P}';
${events.length ? `import { ${events.map((e) => `is${e}`).join(', ')} } from './domain/events';\n` : ''}
/** The producing service: the source of every event. */
export const SOURCE = '${s.name}';
${events.map((e) => `\nexport const ${e} = defineEvent('${e}', is${e}, SOURCE);`).join('')}

/** Every published event type, by name. */
export const EVENTS: Readonly<Record<string, EventDefinition<unknown>>> = {${events.length ? `\n${events.map((e) => `  ${e},`).join('\n')}\n` : ''}};
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { EventValidationError, createHttpApp, HttpError } from '${P}';
import type { EventDefinition, EventEnvelope } from '${P}';
import type { Dependencies } from './deps';
import { EVENTS, SOURCE } from './events';

/** Builds the event, mapping invalid data to a 400. */
function create(definition: EventDefinition<unknown>, data: unknown): EventEnvelope {
  try {
    return definition.create(data);
  } catch (err) {
    if (err instanceof EventValidationError) throw new HttpError(400, err.message);
    throw err;
  }
}

/** Health and readiness, and \`POST /events/<Type>\` per published event: 202 with the event id once published. */
export function buildApp(deps: Dependencies, events: Readonly<Record<string, EventDefinition<unknown>>> = EVENTS) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
  for (const [type, definition] of Object.entries(events)) {
    app.post(\`/events/\${type}\`, async (c) => {
      const data: unknown = await c.req.json().catch(() => {
        throw new HttpError(400, 'expected a JSON body');
      });
      const event = create(definition, data);
      await deps.publisher.publish([event]);
      return c.json({ id: event.id }, 202);
    });
  }
  return app;
}
`,
    ),
  );

  const setup = `function setup() {
  const publisher = new MemoryPublisher();
  const deps: Dependencies = { ${secretNames(ctx).length > 0 ? `secrets: ${testSecrets(ctx)}, ` : ''}logger: createLogger({ service: 'test', level: 'silent' }), publisher, close: () => Promise.resolve() };
  return { app: buildApp(deps), publisher };
}

const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } });
`;
  files.push(
    owned(
      `${ctx.dir}/test/publish.test.ts`,
      `import { MemoryPublisher, createLogger } from '${P}';
import { buildApp } from '../src/app';
import type { Dependencies } from '../src/deps';

${setup}
describe('publish API', () => {
${events
  .map(
    (e) => `  test('a valid ${e} is published', async () => {
    // GIVEN the service
    const { app, publisher } = setup();
    // WHEN a valid ${e} is posted
    const res = await app.request('/events/${e}', post(JSON.stringify({ sample: 1 })));
    // THEN it is published in an envelope
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(publisher.published).toEqual([expect.objectContaining({ id, type: '${e}', source: '${s.name}', data: { sample: 1 } })]);
  });

  test('an invalid ${e} is a 400 and nothing is published', async () => {
    const { app, publisher } = setup();
    expect((await app.request('/events/${e}', post('[1]'))).status).toBe(400);
    expect((await app.request('/events/${e}', post('{'))).status).toBe(400);
    expect(publisher.published).toEqual([]);
  });
`,
  )
  .join('\n')}
  test('an unknown event type is a 404', async () => {
    const { app } = setup();
    expect((await app.request('/events/NoSuchEvent', post('{}'))).status).toBe(404);
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
`,
    ),
    managed(
      `${ctx.dir}/test/app.test.ts`,
      `import { MemoryPublisher, createLogger, defineEvent } from '${P}';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDependencies, type Dependencies } from '../src/deps';
import { EVENTS, SOURCE } from '../src/events';

${setup.replace('buildApp(deps)', 'buildApp(deps, { Checked: defineEvent(\'Checked\', (d: unknown): d is number => typeof d === \'number\', SOURCE) })')}
describe('publish API wiring', () => {
  test('every published event has a definition', () => {
    expect(Object.keys(EVENTS)).toEqual(${JSON.stringify(events)});
  });

  test('valid data is published with the service as source; invalid data is a 400', async () => {
    const { app, publisher } = setup();
    const res = await app.request('/events/Checked', post('42'));
    expect(res.status).toBe(202);
    expect(publisher.published).toEqual([expect.objectContaining({ type: 'Checked', source: SOURCE, data: 42 })]);
    expect((await app.request('/events/Checked', post('"x"'))).status).toBe(400);
    expect(publisher.published).toHaveLength(1);
  });

  test('a failing publisher is a 500', async () => {
    const deps = createDependencies(loadConfig({ LOG_LEVEL: 'silent' })${secretsWiring(ctx).testArg});
    const failing = { ...deps, publisher: { publish: () => Promise.reject(new Error('down')) } };
    const app = buildApp(failing, { Checked: defineEvent('Checked', (d: unknown): d is unknown => d !== undefined, SOURCE) });
    expect((await app.request('/events/Checked', post('1'))).status).toBe(500);
    const broken = buildApp(failing, { Broken: { ...defineEvent('Broken', (d: unknown): d is unknown => d !== undefined), create: () => { throw new Error('bug'); } } });
    expect((await broken.request('/events/Broken', post('1'))).status).toBe(500);
    await deps.close();
  });
});
`,
    ),
  );
  return files;
}
