import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

test('the AsyncAPI document lists every publisher, consumer and event', () => {
  // (allframe validates the documents it generates with @asyncapi/parser in its own tests)
  const document = asyncApiDocument(EVENT_CATALOG) as { asyncapi: string; operations: Record<string, { action: string }>; components: { messages: Record<string, unknown> } };
  const operations = Object.entries(document.operations);
  const events = Object.values(EVENT_CATALOG.events);
  const senders = new Set(events.flatMap((e) => e.publishers));
  const receivers = new Set(events.flatMap((e) => e.consumers.map((c) => c.service)));
  expect(document.asyncapi).toBe('3.0.0');
  expect(new Set(operations.filter(([, o]) => o.action === 'send').map(([id]) => id.replace(/-send$/, '')))).toEqual(senders);
  expect(new Set(operations.filter(([, o]) => o.action === 'receive').map(([id]) => id.replace(/-receive-.*$/, '')))).toEqual(receivers);
  expect(new Set(Object.keys(document.components.messages))).toEqual(new Set(Object.keys(EVENT_CATALOG.events)));
});
