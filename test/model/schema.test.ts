import Ajv2020 from 'ajv/dist/2020';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorsMarkdown, referenceMarkdown, targetSupportMarkdown } from '../../src/docs/reference';
import { ARCHETYPE_KINDS, ARCHETYPES } from '../../src/model/archetypes';
import { ERROR_CODES } from '../../src/model/diagnostics';
import { architectureJsonSchema } from '../../src/model/schema';
import { newAjv, writeBuildArtifacts } from '../../src/validate/standalone';

type Schema = Record<string, unknown>;
const root = join(__dirname, '..', '..');

/** Every (sub)schema with its path, walking properties, items, additionalProperties and anyOf. */
function walk(s: Schema, path: string, visit: (s: Schema, path: string) => void): void {
  visit(s, path);
  for (const [k, p] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) walk(p, `${path}.${k}`, visit);
  if (typeof s.items === 'object') walk(s.items as Schema, `${path}[]`, visit);
  if (typeof s.additionalProperties === 'object') walk(s.additionalProperties as Schema, `${path}.<name>`, visit);
  for (const b of (s.anyOf as Schema[] | undefined) ?? []) walk(b, `${path}|`, visit);
}

describe('the architecture JSON Schema', () => {
  const schema = architectureJsonSchema();

  test('is a valid draft 2020-12 schema that compiles in strict mode', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(() => newAjv(false).compile(schema)).not.toThrow();
    expect(() => new Ajv2020({ strict: true, allErrors: true, formats: { email: true, uri: true } }).compile(schema)).not.toThrow();
  });

  test('closes every object: additionalProperties is false (or a schema, for named maps)', () => {
    const open: string[] = [];
    walk(schema, '', (s, path) => {
      if (s.type === 'object' && s.additionalProperties !== false && typeof s.additionalProperties !== 'object') open.push(path);
    });
    expect(open).toEqual([]);
  });

  test('documents every property: a description, and a default or a "default:" note', () => {
    const missing: string[] = [];
    walk(schema, '', (s, path) => {
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      const required = new Set((s.required as string[] | undefined) ?? []);
      for (const [k, p] of Object.entries(props)) {
        if (typeof p.description !== 'string' || p.description === '') missing.push(`${path}.${k}: description`);
        const documentedDefault = 'default' in p || (typeof p.$comment === 'string' && p.$comment.startsWith('default:'));
        if (!required.has(k) && !documentedDefault) missing.push(`${path}.${k}: default`);
      }
    });
    expect(missing).toEqual([]);
  });

  test('offers all twelve archetypes and the anti-corruption-layer alias', () => {
    const type = ((schema.properties as Record<string, Schema>).services!.items as Schema).properties as Record<string, Schema>;
    expect(type.type!.enum).toEqual([...ARCHETYPE_KINDS, 'anti-corruption-layer']);
    expect(Object.keys(ARCHETYPES)).toHaveLength(12);
  });

  test('the shipped schema/architecture.schema.json is the generated one (run `allframe schema --out schema/architecture.schema.json`)', () => {
    const shipped = JSON.parse(readFileSync(join(root, 'schema', 'architecture.schema.json'), 'utf8')) as unknown;
    expect(shipped).toEqual(schema);
  });

  test('docs/ is the generated reference (run `allframe docs`)', () => {
    expect(readFileSync(join(root, 'docs', 'architecture-reference.md'), 'utf8')).toBe(referenceMarkdown());
    expect(readFileSync(join(root, 'docs', 'errors.md'), 'utf8')).toBe(errorsMarkdown());
    expect(readFileSync(join(root, 'docs', 'target-support.md'), 'utf8')).toBe(targetSupportMarkdown());
  });

  test('documents every error code in docs/errors.md', () => {
    const md = errorsMarkdown();
    for (const code of Object.keys(ERROR_CODES)) expect(md).toContain(`| ${code} |`);
  });

  test('the precompiled validator of the build gives the same answers as a runtime compile', () => {
    // GIVEN the build artifacts, written to a temp dir as the compile task writes them to lib/
    // (inside the repo, so that the generated module's require("ajv/...") resolves as it does from lib/)
    const out = mkdtempSync(join(root, 'node_modules', '.allframe-build-'));
    try {
      writeBuildArtifacts(out);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pre = require(join(out, 'src', 'validate', 'architecture-validator.generated.js')) as (d: unknown) => boolean;
      const runtime = newAjv(false).compile(schema);
      const samples: unknown[] = [
        { architecture: { name: 'shop' }, services: [{ name: 'user-service', type: 'stateless' }] },
        { architecture: { name: 'Shop' }, services: [] },
        { architecture: { name: 'shop' }, services: [{ name: 'a1', type: 'consumer', consumer: { max_retries: 0 } }], observability: { alarms_email: 'x' } },
      ];
      for (const sample of samples) {
        const a = structuredClone(sample);
        const b = structuredClone(sample);
        // WHEN
        const okPre = pre(a);
        const okRuntime = runtime(b);
        // THEN same verdict, same errors, same defaults filled in
        expect(okPre).toBe(okRuntime);
        expect((pre as unknown as { errors: unknown }).errors ?? null).toEqual(runtime.errors ?? null);
        expect(a).toEqual(b);
      }
      expect(JSON.parse(readFileSync(join(out, 'src', 'model', 'architecture.schema.generated.json'), 'utf8'))).toEqual(schema);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
