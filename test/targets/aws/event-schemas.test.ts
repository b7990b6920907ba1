/**
 * With schema_registry glue and format json-schema, the Glue schema of each event is the envelope with `data` the JSON
 * Schema the workspace committed (packages/events/schemas/<Event>.json, written by the events package's test from
 * the zod schemas); an event without one keeps the open envelope schema.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { stableStringify } from '../../../lib-constructs/aws/schema-registry';
import { eventEnvelopeSchema } from '../../../lib-constructs/core/schema-defaults';
import { eventDataJsonSchema } from '../../../src/skeletons/platform/src/contracts';
import { synthesizeFile } from '../../../src/synth/index';

const ARCHITECTURE = `architecture: { name: glue-demo }
settings: { events: { schema_registry: glue, format: json-schema } }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: orders
    type: stateless
    domain: { entities: [Order] }
    publishes: [OrderCreated, OrderDeleted]
`;

type Template = { Resources: Record<string, { Type: string; Properties: { Name?: string; SchemaDefinition?: string } }> };

describe('the Glue schemas of an architecture whose workspace committed its event schemas', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'allframe-glue-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('register the committed JSON Schema as the data of the envelope, and the open envelope for an event without one', () => {
    // GIVEN the architecture and the schema its workspace committed for OrderCreated (the user added a total)
    writeFileSync(join(dir, 'architecture.yaml'), ARCHITECTURE);
    const committed = eventDataJsonSchema(z.looseObject({ id: z.string(), total: z.number().nonnegative() }));
    mkdirSync(join(dir, 'packages', 'events', 'schemas'), { recursive: true });
    writeFileSync(join(dir, 'packages', 'events', 'schemas', 'OrderCreated.json'), `${JSON.stringify(committed, null, 2)}\n`);
    // WHEN synthesized from the file, as allframe synth does
    const r = synthesizeFile('architecture.yaml', { cwd: dir, env: {}, validation: false });
    // THEN the shared stack's Glue schemas hold the committed schema and the default envelope
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const shared = r.outputs.find((f) => f.path.endsWith('glue-demo-shared.template.json'));
    const schemas = Object.values((JSON.parse(shared!.content) as Template).Resources).filter((x) => x.Type === 'AWS::Glue::Schema');
    const definition = (name: string) => schemas.find((s) => s.Properties.Name === name)?.Properties.SchemaDefinition;
    const { $schema: dialect, ...data } = committed;
    expect(dialect).toBe('http://json-schema.org/draft-07/schema#');
    expect(definition('OrderCreated')).toBe(stableStringify(eventEnvelopeSchema('OrderCreated', data)));
    expect(JSON.parse(definition('OrderCreated')!)).toMatchObject({ properties: { data: { properties: { total: { type: 'number', minimum: 0 } } } } });
    expect(definition('OrderDeleted')).toBe(stableStringify(eventEnvelopeSchema('OrderDeleted')));
  });
});
