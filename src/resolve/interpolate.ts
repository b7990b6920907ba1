import { CORE_SCHEMA, load as parseYamlScalar } from 'js-yaml';
import { Diagnostic, DocPath } from '../model/diagnostics';
import { schemaAtPath } from '../model/json-schema';
import { SourceDocument, isRecord } from '../parse';

/** Environment variables, as `process.env` gives them. */
export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replace `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `${NAME:?message}` in every string value, in place.
 * `$$` is a literal `$`. An unset variable without a default is an error (AF2001/AF2002), never an empty string.
 * A value that is exactly one `${...}` is re-typed after substitution where the schema wants a number or a
 * boolean there, so `min_instances: ${MIN:-2}` (or `"${MIN:-2}"`, or TOML `min_instances = "${MIN:-2}"`) is the
 * number 2, while `account_id: ${ID}` stays a string because the schema wants a string.
 */
export function interpolate(doc: SourceDocument, env: Env, diags: Diagnostic[]): void {
  doc.value = walk(doc.value, [], doc, env, diags);
}

function walk(value: unknown, path: DocPath, doc: SourceDocument, env: Env, diags: Diagnostic[]): unknown {
  if (typeof value === 'string') return value.includes('$') ? substitute(value, path, doc, env, diags) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], [...path, i], doc, env, diags);
    return value;
  }
  if (isRecord(value)) {
    for (const key of Object.keys(value)) value[key] = walk(value[key], [...path, key], doc, env, diags);
  }
  return value;
}

function substitute(text: string, path: DocPath, doc: SourceDocument, env: Env, diags: Diagnostic[]): unknown {
  let out = '';
  let i = 0;
  let whole = true;
  let replaced = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      whole = false;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      whole = false;
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      whole = false;
      i++;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      diags.push(report(doc, path, text, i, text.length, 'AF2003', `unterminated \${ in "${text}": missing }`));
      return text;
    }
    const body = text.slice(i + 2, close);
    const m = /^([^:?-]*)(:-|-|:\?|\?)?([\s\S]*)$/.exec(body);
    const name = m?.[1] ?? '';
    const op = m?.[2];
    const arg = m?.[3] ?? '';
    if (!NAME.test(name) || (op === undefined && arg !== '')) {
      diags.push(report(doc, path, text, i, close + 1, 'AF2003', `malformed interpolation \${${body}}: expected \${NAME}, \${NAME:-default} or \${NAME:?message}`));
      return text;
    }
    const current = env[name];
    let sub: string;
    if (op === ':-') sub = current === undefined || current === '' ? arg : current;
    else if (op === '-') sub = current === undefined ? arg : current;
    else if (op === ':?' || op === '?') {
      if (current === undefined || (op === ':?' && current === '')) {
        diags.push(report(doc, path, text, i, close + 1, 'AF2002', `required environment variable ${name} is not set${arg ? `: ${arg}` : ''}`));
        return text;
      }
      sub = current;
    } else {
      if (current === undefined) {
        diags.push(
          report(doc, path, text, i, close + 1, 'AF2001', `environment variable ${name} is not set`, `set ${name}, or write \${${name}:-default} to give a default`),
        );
        return text;
      }
      sub = current;
    }
    if (i !== 0 || close !== text.length - 1) whole = false;
    out += sub;
    replaced++;
    i = close + 1;
  }
  if (whole && replaced === 1) return retype(out, path);
  return out;
}

/** Type a substituted plain scalar the way YAML would (number, boolean) where the schema expects that type. */
function retype(text: string, path: DocPath): unknown {
  const type = schemaAtPath(path)?.type;
  if (type !== 'integer' && type !== 'number' && type !== 'boolean') return text;
  try {
    const v: unknown = parseYamlScalar(text, { schema: CORE_SCHEMA });
    return (type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number') ? v : text;
  } catch {
    return text;
  }
}

/** Locate the `${` inside the scalar's source text where possible, else the whole value. */
function report(doc: SourceDocument, path: DocPath, text: string, from: number, to: number, code: 'AF2001' | 'AF2002' | 'AF2003', message: string, hint?: string): Diagnostic {
  const loc = doc.map.locate(path).location?.value;
  let span;
  if (loc) {
    const source = doc.text.slice(loc.start.offset, loc.end.offset);
    const needle = text.slice(from, to);
    const at = source.indexOf(needle);
    if (at >= 0) span = doc.lines.span(loc.start.offset + at, loc.start.offset + at + needle.length);
  }
  return doc.diagnostic({ code, message, path, ...(span ? { span } : {}), ...(hint ? { hint } : {}) });
}
