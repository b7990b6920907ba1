/**
 * Property: whatever a user (or a bad merge) does to a valid architecture file, validation never throws and
 * answers with located, catalogued diagnostics. Mutations start from the valid files in examples/ and
 * fixtures/archetypes/: structural ones on the parsed YAML (delete, rename, retype, duplicate, insert),
 * serialized back with `yaml`, and textual ones on the source (truncate, insert characters, swap lines).
 *
 * Reproduce a failure with the seed fast-check prints: FC_SEED=<seed> npx jest test/validate.property.test.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ERROR_CODES } from '../src/model/diagnostics';
import type { TargetId } from '../src/model/constants';
import { ValidationResult, validateSource } from '../src/validate';

const SEED = process.env.FC_SEED !== undefined && process.env.FC_SEED !== '' ? Number(process.env.FC_SEED) : 20250611;
const ROOT = join(__dirname, '..');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

interface Source {
  readonly file: string;
  readonly text: string;
  readonly value: Json;
}

function load(file: string): Source {
  const text = readFileSync(file, 'utf8');
  return { file, text, value: parse(text) as Json };
}

const ARCHETYPE_DIR = join(ROOT, 'fixtures', 'archetypes');
const YAML_SOURCES: readonly Source[] = [
  load(join(ROOT, 'examples', 'shop', 'architecture.yaml')),
  ...readdirSync(ARCHETYPE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => load(join(ARCHETYPE_DIR, f))),
];
const TOML_SOURCE = readFileSync(join(ROOT, 'examples', 'shop', 'architecture.toml'), 'utf8');

// ---------- checking one result ----------

function checkResult(text: string, result: ValidationResult): void {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (result.ok) {
    expect(errors).toEqual([]);
    expect(result.model).toBeDefined();
  } else {
    expect(result.diagnostics.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(result.model).toBeUndefined();
  }
  // Lines as YAML and editors count them: CRLF, LF and a lone CR each end a line.
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of result.diagnostics) {
    const where = `${d.code} ${d.line}:${d.col}-${d.endLine}:${d.endCol} ${d.pointer} ${d.message}`;
    const lineLength = lines[d.line - 1]?.length ?? 0;
    expect({
      where,
      catalogued: /^AF\d{4}$/.test(d.code) && Object.prototype.hasOwnProperty.call(ERROR_CODES, d.code),
      message: d.message.trim() !== '',
      line: d.line >= 1 && d.line <= lines.length + 1,
      // a column at most one past the end of its line (where the line break is)
      col: d.col >= 1 && d.col <= lineLength + 1,
      end: d.endLine > d.line || (d.endLine === d.line && d.endCol >= d.col),
    }).toEqual({ where, catalogued: true, message: true, line: true, col: true, end: true });
  }
}

function validateText(file: string, text: string, target: TargetId): void {
  // Never throws: an exception fails the property with the input that caused it.
  checkResult(text, validateSource(file, text, { env: {}, target }));
}

// ---------- structural mutations of the parsed document ----------

type Mutation =
  | { readonly op: 'delete'; readonly walk: readonly number[] }
  | { readonly op: 'rename'; readonly walk: readonly number[]; readonly key: string }
  | { readonly op: 'replace'; readonly walk: readonly number[]; readonly value: Json }
  | { readonly op: 'duplicate-service'; readonly from: number; readonly to: number }
  | { readonly op: 'insert'; readonly walk: readonly number[]; readonly key: string; readonly value: Json };

const isContainer = (v: Json | undefined): v is Container => typeof v === 'object' && v !== null;

function childKeys(c: Container): (string | number)[] {
  return Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
}

function getChild(c: Container, k: string | number): Json | undefined {
  return Array.isArray(c) ? c[k as number] : Object.prototype.hasOwnProperty.call(c, k) ? c[k as string] : undefined;
}

/** Own data property, even for keys such as __proto__. */
function setChild(c: Container, k: string | number, v: Json): void {
  if (Array.isArray(c)) c[k as number] = v;
  else Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The (parent, key) steps of a walk down the document; each index picks a child modulo the child count. */
function descend(root: Json, walk: readonly number[]): { parent: Container; key: string | number }[] {
  const steps: { parent: Container; key: string | number }[] = [];
  let node: Json | undefined = root;
  for (const n of walk) {
    if (!isContainer(node)) break;
    const keys = childKeys(node);
    if (keys.length === 0) break;
    const key = keys[n % keys.length]!;
    steps.push({ parent: node, key });
    node = getChild(node, key);
  }
  return steps;
}

function jsonType(v: Json | undefined): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

const OTHER_TYPED: readonly Json[] = [null, true, 42, 'text', [], {}];

function applyMutation(root: Json, m: Mutation): Json {
  switch (m.op) {
    case 'delete': {
      const last = descend(root, m.walk).at(-1);
      if (!last) return root;
      if (Array.isArray(last.parent)) last.parent.splice(last.key as number, 1);
      else delete last.parent[last.key as string];
      return root;
    }
    case 'rename': {
      const last = descend(root, m.walk).filter((s) => !Array.isArray(s.parent)).at(-1);
      if (!last) return root;
      const parent = last.parent as Record<string, Json>;
      // Rebuild the mapping so the renamed key keeps its place.
      const entries = Object.entries(parent).map(([k, v]): [string, Json] => [k === last.key ? m.key : k, v]);
      for (const k of Object.keys(parent)) delete parent[k];
      for (const [k, v] of entries) setChild(parent, k, v);
      return root;
    }
    case 'replace': {
      const last = descend(root, m.walk).at(-1);
      const old = last ? getChild(last.parent, last.key) : root;
      const value = structuredClone(jsonType(m.value) !== jsonType(old) ? m.value : OTHER_TYPED.find((v) => jsonType(v) !== jsonType(old))!);
      if (!last) return value;
      setChild(last.parent, last.key, value);
      return root;
    }
    case 'duplicate-service': {
      const services = isContainer(root) && !Array.isArray(root) ? root.services : undefined;
      if (!Array.isArray(services) || services.length === 0) return root;
      const copy = structuredClone(services[m.from % services.length]!);
      services.splice(m.to % (services.length + 1), 0, copy);
      return root;
    }
    case 'insert': {
      const steps = descend(root, m.walk);
      const last = steps.at(-1);
      let target: Json | undefined = last ? getChild(last.parent, last.key) : root;
      // Insert into the deepest container reached.
      for (let i = steps.length - 1; !isContainer(target) && i >= 0; i--) target = steps[i]!.parent;
      if (!isContainer(target)) return root;
      const value = structuredClone(m.value);
      if (Array.isArray(target)) target.splice(m.key.length % (target.length + 1), 0, value);
      else setChild(target, m.key, value);
      return root;
    }
  }
}

// ---------- textual mutations of the source ----------

type TextMutation =
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'insert-chars'; readonly at: number; readonly chars: string }
  | { readonly op: 'swap-lines'; readonly a: number; readonly b: number };

function applyTextMutation(text: string, m: TextMutation): string {
  switch (m.op) {
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'insert-chars': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.chars + text.slice(at);
    }
    case 'swap-lines': {
      const lines = text.split('\n');
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
  }
}

// ---------- arbitraries ----------

/** Keys of the format, to make near misses likely, plus keys that are dangerous in JavaScript. */
const KNOWN_KEYS = [
  'architecture', 'name', 'version', 'services', 'type', 'settings', 'event_bus', 'cloud', 'aws', 'gcp', 'fly', 'primary', 'region',
  'environments', 'overrides', 'min_instances', 'max_instances', 'compute', 'consumer', 'max_retries', 'consumes', 'event', 'from',
  'publishes', 'depends_on', 'schedule', 'cron', 'timezone', 'bff', 'aggregates', 'saga', 'steps', 'stream', 'cache', 'acl',
  'database', 'protocols', 'security', 'authentication', 'provider', 'jwt_issuer', 'resilience', 'retry', 'timeout_seconds',
];
const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN_KEYS).map((k) => `${k}s`) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '<<', '$ref', '0', 'null') },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);

/** Scalars the format treats specially: interpolations, YAML 1.1 booleans, huge and odd numbers, patterns. */
const trickyScalar: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  '${UNSET}', '${UNSET:-3}', '${UNSET:?needed}', '${', '${}', '${1BAD}', '$$', 'yes', 'no', 'on', '~', '0x1F', '1e400', '-0', '.inf', '.nan',
  '0 2 * * *', '61 25 * * *', 'Mars/Olympus', 'https://', 'lambda', 'fargate', 'cloud-run', 'stateless', 'anti-corruption-layer', 'cache',
  'order-service', 'OrderCreated', 'a'.repeat(300), '', ' ', '\t', '\u0000', '\uFEFF', '\ud800',
  0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 43201, 901, 100000,
);
const jsonArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: trickyScalar },
  { weight: 1, arbitrary: fc.array(trickyScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(keyArb, trickyScalar, { maxKeys: 3 }) as fc.Arbitrary<Json> },
);
const walkArb = fc.array(fc.nat(), { minLength: 1, maxLength: 6 });

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), walk: walkArb }),
  fc.record({ op: fc.constant('rename' as const), walk: walkArb, key: keyArb }),
  fc.record({ op: fc.constant('replace' as const), walk: walkArb, value: jsonArb }),
  fc.record({ op: fc.constant('duplicate-service' as const), from: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), walk: fc.array(fc.nat(), { maxLength: 6 }), key: keyArb, value: jsonArb }),
);

const SPECIAL_CHARS = [':', '-', ' ', '  ', '\n', '\r\n', '\r', '\t', '#', '[', ']', '{', '}', ',', '"', "'", '&a', '*a', '!', '!!str ', '|', '>', '%', '@', '`', '?', '<<: ', '---\n', '...\n', '${', '}', '$$', '\\', '=', '[[services]]\n', '\u0000', '\uFEFF', '\ud800', '\u2028', 'é'];
const charsArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...SPECIAL_CHARS), minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }),
);
const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert-chars' as const), at: fc.nat(), chars: charsArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }) },
);
const targetArb = fc.constantFrom<TargetId>('aws', 'gcp', 'fly');
const sourceArb = fc.nat({ max: YAML_SOURCES.length - 1 });

// ---------- properties ----------

describe('validateSource on mutated architecture files', () => {
  test('the starting files are valid for aws', () => {
    // GIVEN the files mutations start from
    // WHEN each is validated unchanged
    // THEN each is valid, so every problem found later comes from a mutation
    for (const s of YAML_SOURCES) expect(validateSource(s.file, s.text, { env: {}, target: 'aws' }).diagnostics).toEqual([]);
    expect(validateSource('architecture.toml', TOML_SOURCE, { env: {}, target: 'aws' }).diagnostics).toEqual([]);
  });

  test('structural mutations of the YAML: never throws, every diagnostic is catalogued and located', () => {
    // GIVEN a valid file, parsed, with 1-3 structural mutations, serialized back to YAML and sometimes damaged as text
    const caseArb = fc.record({
      source: sourceArb,
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
      text: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: textMutationArb }),
      target: targetArb,
    });
    fc.assert(
      fc.property(caseArb, ({ source, mutations, text, target }) => {
        const src = YAML_SOURCES[source]!;
        let value = structuredClone(src.value);
        for (const m of mutations) value = applyMutation(value, m);
        let yamlText = stringify(value);
        if (text) yamlText = applyTextMutation(yamlText, text);

        // WHEN it is validated for a random target
        // THEN it does not throw, and the result is ok without errors or not ok with well-formed diagnostics
        validateText(src.file, yamlText, target);
      }),
      { numRuns: 1400, seed: SEED },
    );
  });

  test('textual mutations of the YAML source: never throws, every diagnostic is catalogued and located', () => {
    // GIVEN a valid file's text (comments, flow mappings and ${...} as written) with 1-3 textual mutations
    const caseArb = fc.record({ source: sourceArb, mutations: fc.array(textMutationArb, { minLength: 1, maxLength: 3 }), target: targetArb });
    fc.assert(
      fc.property(caseArb, ({ source, mutations, target }) => {
        const src = YAML_SOURCES[source]!;
        const text = mutations.reduce(applyTextMutation, src.text);

        // WHEN it is validated for a random target
        // THEN it does not throw, and the result is ok without errors or not ok with well-formed diagnostics
        validateText(src.file, text, target);
      }),
      { numRuns: 700, seed: SEED },
    );
  });

  test('textual mutations of the TOML twin: never throws, every diagnostic is catalogued and located', () => {
    // GIVEN the TOML example with 1-3 textual mutations
    const caseArb = fc.record({ mutations: fc.array(textMutationArb, { minLength: 1, maxLength: 3 }), target: targetArb });
    fc.assert(
      fc.property(caseArb, ({ mutations, target }) => {
        const text = mutations.reduce(applyTextMutation, TOML_SOURCE);

        // WHEN it is validated for a random target
        // THEN it does not throw, and the result is ok without errors or not ok with well-formed diagnostics
        validateText('architecture.toml', text, target);
      }),
      { numRuns: 400, seed: SEED },
    );
  });
});
