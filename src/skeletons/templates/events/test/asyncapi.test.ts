import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { asyncApiDocument, eventDataJsonSchemas, toYaml } from '@allframe/platform';
import { EVENT_CATALOG } from '../src/index';

/** The architecture's AsyncAPI document, committed at the repository's root so that a contract change shows in review. */
const DOCUMENT = join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml');
/** The JSON Schema of each event's data: what the schema registry wraps in the envelope it registers. */
const SCHEMAS = join(__dirname, '..', 'schemas');

/** `file` holds `text`: written when missing or with UPDATE_ASYNCAPI=1 (`npm run asyncapi`), as jest writes a new snapshot. */
function committed(file: string, text: string): void {
  if (process.env.UPDATE_ASYNCAPI === '1' || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  expect(readFileSync(file, 'utf8')).toBe(text);
}

test('docs/asyncapi.yaml is the AsyncAPI document of the event schemas (npm run asyncapi updates it)', () => {
  committed(DOCUMENT, toYaml(asyncApiDocument(EVENT_CATALOG)));
});

test('schemas/<Event>.json is the JSON Schema of each event\'s data (npm run asyncapi updates them)', () => {
  for (const [type, schema] of Object.entries(eventDataJsonSchemas(EVENT_CATALOG))) committed(join(SCHEMAS, `${type}.json`), `${JSON.stringify(schema, null, 2)}\n`);
});

test('docs/asyncapi.yaml is valid AsyncAPI 3.0, fetches nothing, and lists every publisher and consumer', async () => {
  // GIVEN a parser whose remote references would be recorded instead of fetched
  const fetched: string[] = [];
  const offline = (schema: string) => ({
    schema,
    order: 1,
    read: (uri: unknown) => {
      fetched.push(String(uri));
      return '{}';
    },
  });
  const parser = new Parser({ __unstable: { resolver: { resolvers: [offline('http'), offline('https')] } } });
  // WHEN the committed document is parsed
  const { document, diagnostics } = await parser.parse(readFileSync(DOCUMENT, 'utf8'));
  // THEN it has no error, refers to nothing remote, and has a send per publisher and a receive per consumer
  expect(diagnostics.filter((d) => Number(d.severity) === 0 /* error */).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
  expect(fetched).toEqual([]);
  const operations = document?.operations().all() ?? [];
  const events = Object.values(EVENT_CATALOG.events);
  const senders = new Set(events.flatMap((e) => e.publishers));
  const receivers = new Set(events.flatMap((e) => e.consumers.map((c) => c.service)));
  expect(new Set(operations.filter((o) => o.isSend()).map((o) => o.id()?.replace(/-send$/, '')))).toEqual(senders);
  expect(new Set(operations.filter((o) => o.isReceive()).map((o) => o.id()?.replace(/-receive-.*$/, '')))).toEqual(receivers);
  expect(new Set(document?.messages().all().map((m) => m.name()))).toEqual(new Set(Object.keys(EVENT_CATALOG.events)));
});
