import type { ErrorObject, ValidateFunction } from 'ajv';
import { existsSync } from 'node:fs';
import { requireWithCodeCache } from './code-cache';
import { srcPath } from '../model/paths';
import { Diagnostic, DiagnosticInit, DocPath } from '../model/diagnostics';
import { PATTERNS } from '../model/constants';
import { jsonSchema } from '../model/json-schema';
import { didYouMean, suggest, suggestKey } from '../model/suggest';
import { SourceDocument, isRecord } from '../parse';

type Schema = Record<string, unknown>;

let compiled: { validate: ValidateFunction; schema: Schema } | undefined;

/** Built by the compile task (see standalone.ts); absent when running from source (tests, tsx). */
export const STANDALONE_VALIDATOR = srcPath('validate', 'architecture-validator.generated.js');

/**
 * The compiled validator: allErrors, strict mode, no $data, defaults applied in place (useDefaults).
 * The build's precompiled module when present, else compiled once per process.
 */
export function architectureValidator(options: { precompiled?: boolean } = {}): { validate: ValidateFunction; schema: Schema } {
  if (!compiled) {
    const schema = jsonSchema();
    if (options.precompiled !== false && existsSync(STANDALONE_VALIDATOR)) {
      compiled = { validate: requireWithCodeCache(STANDALONE_VALIDATOR) as ValidateFunction, schema };
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { newAjv } = require('./standalone') as typeof import('./standalone');
      compiled = { validate: newAjv(false).compile(schema), schema };
    }
  }
  return compiled;
}

/**
 * Validate `data` against the schema, filling in defaults in place. Returns located diagnostics with
 * anyOf/oneOf noise collapsed into one message per value.
 */
export function checkSchema(doc: SourceDocument, data: unknown, diags: Diagnostic[]): boolean {
  const { validate, schema } = architectureValidator();
  if (validate(data)) return true;
  const errors = collapse(validate.errors ?? [], data, schema);
  const seen = new Set<string>();
  for (const err of errors) {
    const init = describe(err, data, schema);
    if (!init) continue;
    const d = doc.diagnostic(init);
    const key = `${d.code}|${d.pointer}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diags.push(d);
  }
  return false;
}

/**
 * Drop the errors of the branches of an anyOf/oneOf that failed as a whole; it gets one message. When the value has
 * the JSON type of exactly one branch (a string where the forms are a name or a mapping), that branch's own errors
 * say more ("use UPPER_SNAKE_CASE"), so they are kept instead of the union's.
 */
function collapse(errors: ErrorObject[], data: unknown, root: Schema): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const keep = new Set<string>();
  const decided = new Set<ErrorObject>();
  for (const u of unions) {
    const branches = (schemaAt(root, u.schemaPath.replace(/\/[^/]+$/, ''))[u.keyword] as Schema[] | undefined) ?? [];
    const value = valueAt(data, decodePath(u.instancePath, data));
    const matching = branches.flatMap((b, i) => (typeof b.type === 'string' && jsonType(value) === b.type ? [i] : []));
    if (matching.length === 1) {
      keep.add(`${u.schemaPath}/${matching[0]!}/`);
      decided.add(u);
    }
  }
  const nested = (e: ErrorObject) => unions.some((u) => e.schemaPath.startsWith(u.schemaPath + '/')) && ![...keep].some((k) => e.schemaPath.startsWith(k));
  // propertyNames reports the failing inner keyword too; keep only the propertyNames error.
  return errors.filter((e) => !decided.has(e) && !nested(e) && !e.schemaPath.includes('/propertyNames/'));
}

/** The JSON Schema type of a value. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function describe(err: ErrorObject, data: unknown, root: Schema): DiagnosticInit | undefined {
  const path = decodePath(err.instancePath, data);
  const value = valueAt(data, path);
  const schema = schemaAt(root, err.schemaPath.replace(/\/[^/]+$/, ''));
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((schema.properties as Schema | undefined) ?? {});
      const suggestions = suggestKey(key, known);
      const elsewhere = misplacedHint(key, path, root, data);
      const hint = didYouMean(suggestions) ?? elsewhere ?? (known.length > 0 ? `allowed keys here: ${known.join(', ')}` : undefined);
      return { code: 'AF3001', message: `unknown key "${key}" in ${where(path)}`, path: [...path, key], at: 'key', suggestions, ...(hint ? { hint } : {}) };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { code: 'AF3004', message: `missing required key "${key}" in ${where(path)}`, path, at: 'key', hint: describeSchema(((schema.properties as Schema | undefined)?.[key] as Schema | undefined) ?? {}) };
    }
    case 'type': {
      const expected = String(params.type);
      return { code: 'AF3002', message: `${where(path)} must be ${article(expected)}, not ${kindOf(value)}${preview(value)}`, path };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestions = typeof value === 'string' ? suggest(value, allowed) : [];
      return {
        code: 'AF3003',
        message: `${where(path)} is ${preview(value).trim() || kindOf(value)}; allowed: ${allowed.join(', ')}`,
        path,
        suggestions,
        ...(didYouMean(suggestions) ? { hint: didYouMean(suggestions) } : {}),
      };
    }
    case 'const':
      return { code: 'AF3003', message: `${where(path)} must be ${JSON.stringify(params.allowedValue)}`, path };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'AF3005', message: `${where(path)} is ${JSON.stringify(value)}; it must be ${String(params.comparison)} ${String(params.limit)}`, path, ...rangeHint(schema) };
    case 'minLength':
    case 'maxLength':
      return { code: 'AF3005', message: `${where(path)} must be ${err.keyword === 'minLength' ? 'at least' : 'at most'} ${plural(Number(params.limit), 'character')} long (it has ${typeof value === 'string' ? value.length : 0})`, path };
    case 'minItems':
    case 'maxItems':
      return { code: 'AF3005', message: `${where(path)} must have ${err.keyword === 'minItems' ? 'at least' : 'at most'} ${plural(Number(params.limit), 'entry', 'entries')} (it has ${Array.isArray(value) ? value.length : 0})`, path };
    case 'pattern':
      return { code: 'AF3006', message: `${where(path)} is ${preview(value).trim()}: ${patternText(String(params.pattern))}`, path };
    case 'format':
      return { code: 'AF3006', message: `${where(path)} is ${preview(value).trim()}: it must be ${FORMATS[String(params.format)] ?? `a valid ${String(params.format)}`}`, path };
    case 'propertyNames': {
      const name = String(params.propertyName);
      const pattern = String(((schema.propertyNames as Schema | undefined)?.pattern as string | undefined) ?? '');
      return { code: 'AF3006', message: `name "${name}" in ${where(path)}: ${patternText(pattern)}`, path: [...path, name], at: 'key' };
    }
    case 'uniqueItems': {
      const j = Math.max(Number(params.i), Number(params.j));
      const dup = valueAt(data, [...path, j]);
      return { code: 'AF3008', message: `${where(path)} lists ${preview(dup).trim()} more than once`, path: [...path, j] };
    }
    case 'anyOf':
    case 'oneOf': {
      const branches = ((schema[err.keyword] as Schema[] | undefined) ?? []).map(describeSchema);
      return { code: 'AF3007', message: `${where(path)} is ${preview(value).trim() || kindOf(value)}; it must be one of: ${branches.join('; ')}`, path };
    }
    default:
      return { code: 'AF3099', message: `${where(path)} ${err.message ?? 'is invalid'}`, path };
  }
}

const FORMATS: Record<string, string> = { email: 'an e-mail address', uri: 'an absolute URL such as https://example.com' };

const PATTERN_TEXT: Record<string, string> = {
  [PATTERNS.kebab]: 'use lowercase kebab-case: letters, digits and single dashes, starting with a letter (e.g. order-service)',
  [PATTERNS.pascal]: 'use PascalCase: a capital letter, then letters and digits (e.g. OrderCreated)',
  [PATTERNS.envVar]: 'use UPPER_SNAKE_CASE: capitals, digits and _ (e.g. STRIPE_API_KEY)',
  [PATTERNS.semver]: 'use a semantic version such as 1.0.0',
  [PATTERNS.awsAccount]: 'an AWS account id is exactly 12 digits',
  [PATTERNS.awsRegion]: 'use an AWS region code such as eu-west-1',
  [PATTERNS.gcpProject]: 'a GCP project id is 6-30 lowercase letters, digits and dashes, starting with a letter',
  [PATTERNS.gcpRegion]: 'use a GCP region such as europe-west1',
  [PATTERNS.flyRegion]: 'use a three-letter Fly.io region code such as ams',
  [PATTERNS.gcsBucket]: 'a GCS bucket name is 3-63 lowercase letters, digits, dots, dashes and underscores',
  [PATTERNS.httpHeader]: 'use a valid HTTP header name (letters, digits and -)',
  '^https://': 'it must start with https://',
  '^https?://': 'it must start with http:// or https://',
  '^[a-z][a-z0-9_]*$': 'use lowercase snake_case',
  '^[a-z][a-z0-9-]{0,19}$': 'use lowercase letters, digits and dashes, starting with a letter, at most 20 characters',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'use letters, digits and _, starting with a letter or _',
};

function patternText(pattern: string): string {
  return PATTERN_TEXT[pattern] ?? `it must match ${pattern}`;
}

function rangeHint(schema: Schema): { hint?: string } {
  const min = schema.minimum;
  const max = schema.maximum;
  return typeof min === 'number' && typeof max === 'number' ? { hint: `allowed range: ${min}..${max}` } : {};
}

/** A short human description of a (sub)schema, for "one of" and "missing key" messages. */
function describeSchema(s: Schema): string {
  if (typeof s.description === 'string' && s.description !== '') {
    if ('const' in s) return `${s.description} (${JSON.stringify(s.const)})`;
    if (typeof s.format === 'string') return FORMATS[s.format] ?? s.description;
    return s.description;
  }
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  return String(s.type ?? 'a value');
}

/** Keys that are valid one level up or down: the usual sign of a mis-indented block. */
function misplacedHint(key: string, path: DocPath, root: Schema, data: unknown): string | undefined {
  const props = (p: DocPath) => {
    const s = schemaForPath(root, p, data);
    return s && isRecord(s.properties) ? (s.properties as Record<string, Schema>) : undefined;
  };
  const here = props(path);
  if (here) {
    for (const [child, childSchema] of Object.entries(here)) {
      if (isRecord(childSchema.properties) && hasOwn(childSchema.properties, key)) {
        return `"${key}" is a key of "${child}": indent it under ${child}:`;
      }
    }
  }
  for (let up = path.length - 1; up >= 0; up--) {
    const parentPath = path.slice(0, up);
    const parent = props(parentPath);
    if (parent && hasOwn(parent, key)) return `"${key}" belongs in ${where(parentPath)}: check its indentation`;
    if (typeof path[up] !== 'number') break;
  }
  return undefined;
}

/** The object schema governing a document path (following properties, items and additionalProperties). */
function schemaForPath(root: Schema, path: DocPath, _data: unknown): Schema | undefined {
  let s: Schema | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    if (typeof seg === 'number') s = s.items as Schema | undefined;
    else if (isRecord(s.properties) && hasOwn(s.properties, seg)) s = (s.properties as Record<string, Schema>)[seg];
    else if (isRecord(s.additionalProperties)) s = s.additionalProperties as Schema;
    else return undefined;
  }
  return s;
}

function schemaAt(root: Schema, schemaPath: string): Schema {
  let s: unknown = root;
  for (const raw of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue;
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    s = isRecord(s) || Array.isArray(s) ? (s as Record<string, unknown>)[seg] : undefined;
  }
  return isRecord(s) ? s : {};
}

function decodePath(pointer: string, data: unknown): DocPath {
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = isRecord(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, path: DocPath): unknown {
  let cur = data;
  for (const seg of path) cur = isRecord(cur) || Array.isArray(cur) ? (cur as Record<string | number, unknown>)[seg] : undefined;
  return cur;
}

/** "services[2].consumer" or "the document". */
export function where(path: DocPath): string {
  if (path.length === 0) return 'the document';
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function article(type: string): string {
  const t = type.split(',').map((x) => (x === 'integer' ? 'a whole number' : x === 'object' ? 'a mapping' : x === 'array' ? 'a list' : `${/^[aeiou]/.test(x) ? 'an' : 'a'} ${x}`));
  return t.join(' or ');
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  return `a ${typeof v}`;
}

function preview(v: unknown): string {
  if (v === null || typeof v === 'object' || v === undefined) return '';
  const s = JSON.stringify(v);
  return ` ${s.length > 60 ? s.slice(0, 57) + '..."' : s}`;
}
