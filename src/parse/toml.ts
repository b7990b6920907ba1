import { parse as parseTomlValue } from 'smol-toml';
import { parseTOML } from 'toml-eslint-parser';
import type { AST } from 'toml-eslint-parser';
import { Diagnostic, DocPath, Span, toPointer } from '../model/diagnostics';
import { SourceDocument, duplicateKey } from './document';
import { isRecord, setOwn } from './values';

/**
 * Parse TOML: smol-toml is the parser of record (values, syntax errors); toml-eslint-parser's AST then gives
 * the source range of every key and value, so schema errors in a TOML file point at a line and column too.
 */
export function parseToml(doc: SourceDocument, diags: Diagnostic[]): void {
  let value: unknown;
  try {
    value = parseTomlValue(doc.text);
  } catch (e) {
    const err = tomlError(doc, e);
    if (!err.duplicate || !reportDuplicates(doc, diags)) diags.push(syntaxError(doc, doc.text, err));
    return;
  }
  value = plainData(value);
  if (isRecord(value) && Object.keys(value).length === 0) {
    diags.push(doc.diagnostic({ code: 'AF1004', message: 'the file holds no document' }));
    return;
  }
  doc.value = value;
  try {
    new TomlLocator(doc).visit(parseTOML(doc.text));
  } catch {
    // Locations are a convenience: if the second parser disagrees, errors point at the nearest known place.
  }
}

/** Dates become their TOML text; everything else is already JSON-like. */
function plainData(v: unknown): unknown {
  if (v instanceof Date) return typeof (v as { toISOString?: () => string }).toISOString === 'function' ? v.toISOString() : String(v);
  if (Array.isArray(v)) return v.map(plainData);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, plainData(x));
    return out;
  }
  return v;
}

class TomlLocator {
  /** How many elements each array of tables has so far, by pointer. */
  private readonly arrayTables = new Map<string, number>();

  /** `onKey` hears of every key segment (of key/value pairs and table headers): its offset and its path. */
  constructor(
    private readonly doc: SourceDocument,
    private readonly onKey?: (offset: number, path: DocPath) => void,
  ) {}

  visit(ast: AST.TOMLProgram): void {
    const top = ast.body[0];
    if (!top) return;
    // The document as a whole: from its first key or table (problems "in the document" point there).
    const first = top.body[0];
    if (first) this.doc.map.set([], { value: this.doc.lines.span(first.range[0], top.range[1]) });
    for (const item of top.body) {
      if (item.type === 'TOMLKeyValue') this.keyValue(item, []);
      else this.table(item);
    }
  }

  private table(t: AST.TOMLTable): void {
    const keys = t.key.keys.map(keyName);
    const path: (string | number)[] = [];
    keys.forEach((k, i) => {
      path.push(k);
      this.onKey?.(t.key.keys[i]!.range[0], [...path]);
      const segment = this.span(t.key.keys[i]!);
      const count = this.arrayTables.get(toPointer(path));
      const last = i === keys.length - 1;
      if (last && t.kind === 'array') {
        const index = count ?? 0;
        this.arrayTables.set(toPointer(path), index + 1);
        if (!this.doc.map.get(path)) this.doc.map.set([...path], { key: segment, value: this.span(t) });
        path.push(index);
      } else if (count !== undefined) {
        path.push(count - 1);
      } else if (!last && !this.doc.map.get(path)) {
        // [a.b.c] implicitly defines a and a.b: locate them at their segment of this header.
        this.doc.map.set([...path], { key: segment, value: this.span(t) });
      }
    });
    this.doc.map.set(path, { key: this.span(t.key.keys[t.key.keys.length - 1]!), value: this.span(t) });
    for (const kv of t.body) this.keyValue(kv, path);
  }

  private keyValue(kv: AST.TOMLKeyValue, base: DocPath): void {
    const keys = kv.key.keys.map(keyName);
    const path = [...base];
    keys.forEach((k, i) => {
      path.push(k);
      const keyNode = kv.key.keys[i];
      if (keyNode) this.onKey?.(keyNode.range[0], [...path]);
      if (i < keys.length - 1 && keyNode) {
        if (!this.doc.map.get(path)) this.doc.map.set([...path], { key: this.span(keyNode), value: this.span(kv) });
      }
    });
    this.value(kv.value, path, this.span(kv.key.keys[kv.key.keys.length - 1]!));
  }

  private value(v: AST.TOMLContentNode, path: DocPath, key: Span | undefined): void {
    this.doc.map.set(path, { ...(key ? { key } : {}), value: this.span(v) });
    if (v.type === 'TOMLArray') v.elements.forEach((el, i) => this.value(el, [...path, i], undefined));
    else if (v.type === 'TOMLInlineTable') for (const kv of v.body) this.keyValue(kv, path);
  }

  private span(node: { range: [number, number] }): Span {
    return this.doc.lines.span(node.range[0], node.range[1]);
  }
}

function keyName(k: AST.TOMLBare | AST.TOMLQuoted): string {
  return k.type === 'TOMLBare' ? k.name : k.value;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: where they really are, and what a duplicate duplicates
// ---------------------------------------------------------------------------------------------------------------

interface TomlError {
  /** smol-toml's message, without its "Invalid TOML document: " prefix and code frame. */
  readonly text: string;
  readonly offset: number;
  readonly duplicate: boolean;
}

function tomlError(doc: SourceDocument, e: unknown): TomlError {
  const err = e as { message?: string; line?: number; column?: number };
  const text = String(err.message ?? e).split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'syntax error';
  return { text, offset: doc.lines.offset(err.line ?? 1, err.column ?? 1), duplicate: /redefine an already defined/.test(text) };
}

/**
 * AF1008 at the real place: an unclosed string or bracket is reported where it was opened (smol-toml gives up
 * at the end of the line, or at the next table or key), not where the parser noticed.
 */
function syntaxError(doc: SourceDocument, text: string, err: TomlError): Diagnostic {
  if (err.duplicate) {
    // Only when the duplicate could not be worked out (reportDuplicates gave up).
    return doc.diagnostic({ code: 'AF1006', message: 'duplicate key: a key or table may be defined only once', span: doc.lines.span(err.offset, err.offset + 1) });
  }
  const state = scanTo(text, err.offset);
  const atLineEnd = err.offset >= text.length || text[err.offset] === '\n' || text[err.offset] === '\r';
  // smol-toml reports an unfinished string at its quote, a line break in a one-line string where it is.
  const quote = err.text === 'unfinished string' && /["']/.test(text[err.offset] ?? '') ? err.offset : atLineEnd && /control characters/.test(err.text) ? state.string : undefined;
  if (quote !== undefined) {
    return doc.diagnostic({
      code: 'AF1008',
      message: 'TOML syntax error: unclosed string: the quote opened here is never closed',
      span: doc.lines.span(quote, quote + 1),
      hint: 'close it where the value ends (a string on several lines needs triple quotes)',
    });
  }
  const opener = state.open[state.open.length - 1];
  if (opener !== undefined && /expected comma or end of structure/.test(err.text) && (atLineEnd || startsStatement(text, err.offset))) {
    const array = text[opener] === '[';
    return doc.diagnostic({
      code: 'AF1008',
      message: `TOML syntax error: unclosed ${text[opener]}: the ${array ? 'array' : 'inline table'} opened here is never closed with ${array ? ']' : '}'}`,
      span: doc.lines.span(opener, opener + 1),
      hint: 'close it where the value ends',
    });
  }
  if (err.text === 'illegal character in key' && /^[ \t]$/.test(text[err.offset - 1] ?? '') && /^["'0-9[{tf+-]/.test(text[err.offset] ?? '')) {
    // `name "shop"`: a value where the = should be.
    return doc.diagnostic({ code: 'AF1008', message: 'TOML syntax error: "=" missing between the key and its value', span: doc.lines.span(err.offset, err.offset + 1), hint: 'write key = value' });
  }
  return doc.diagnostic({ code: 'AF1008', message: `TOML syntax error: ${err.text}`, span: doc.lines.span(err.offset, err.offset + 1), ...(TOML_HINTS[err.text] ? { hint: TOML_HINTS[err.text] } : {}) });
}

const TOML_HINTS: Partial<Record<string, string>> = {
  'illegal character in key': 'a bare key holds only letters, digits, _ and -: quote other keys, and write = between a key and its value',
  'invalid value': 'quote strings ("text"); numbers, true, false, dates, [arrays] and {inline tables} go unquoted',
  'expected comma or end of structure': 'separate the items of an array or inline table with commas',
  'expected end of table array declaration': 'close the header: [[name]] for an array of tables, [name] for a table',
  'expected end of table declaration': 'close the header: [name] for a table, [[name]] for an array of tables',
};

/** Whether `offset` is the first non-blank character of a line that starts a table header or a `key =`. */
function startsStatement(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  if (text.slice(lineStart, offset).trim() !== '') return false;
  const line = text.slice(offset, text.indexOf('\n', offset) < 0 ? undefined : text.indexOf('\n', offset));
  return /^\[/.test(line) || /^[A-Za-z0-9_."' -]+=/.test(line);
}

/**
 * Read `text` up to `offset` as TOML's lexer would, ignoring everything but strings, comments and brackets: the
 * brackets still open there, and the start of the string it is inside, if any.
 */
function scanTo(text: string, offset: number): { open: number[]; string?: number } {
  const open: number[] = [];
  let i = 0;
  const end = Math.min(offset, text.length);
  while (i < end) {
    const c = text[i];
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '"' || c === "'") {
      const start = i;
      const multi = text.startsWith(c.repeat(3), i);
      const close = multi ? c.repeat(3) : c;
      i += close.length;
      let closed = false;
      while (i < text.length) {
        if (c === '"' && text[i] === '\\') {
          i += 2;
          continue;
        }
        if (!multi && text[i] === '\n') break;
        if (text.startsWith(close, i)) {
          i += close.length;
          closed = true;
          break;
        }
        i++;
      }
      if (!closed || i > end) return { open, string: start };
    } else {
      if (c === '[' || c === '{') open.push(i);
      else if (c === ']' || c === '}') open.pop();
      i++;
    }
  }
  return { open };
}

/**
 * smol-toml stops at the first duplicate and says neither which key nor where the first one is. Rename each
 * duplicate in a copy of the text (same length, so offsets hold) until it parses, then locate the copy: the
 * renamed key's path names the duplicate, and the original path's location is where it first appeared.
 * False when this does not work out (the caller reports the plain error).
 */
function reportDuplicates(doc: SourceDocument, diags: Diagnostic[]): boolean {
  let text = doc.text;
  const renamed: { start: number; end: number; name: string }[] = [];
  let rest: TomlError | undefined;
  for (let round = 0; round < 50; round++) {
    let err: TomlError;
    try {
      parseTomlValue(text);
      rest = undefined;
      break;
    } catch (e) {
      err = tomlError(doc, e);
    }
    rest = err;
    if (!err.duplicate) break;
    // smol-toml points at the whole (dotted) key: the duplicate is the segment whose renaming moves the error on.
    const segments = keySegments(text, err.offset);
    let fixed = false;
    for (const seg of [...segments].reverse()) {
      const fresh = freshKey(text, seg.end - seg.start);
      if (fresh === undefined) continue;
      const attempt = text.slice(0, seg.start) + fresh + text.slice(seg.end);
      try {
        parseTomlValue(attempt);
      } catch (e) {
        const again = tomlError(doc, e);
        if (again.duplicate && again.offset === err.offset) continue;
      }
      text = attempt;
      renamed.push(seg);
      fixed = true;
      break;
    }
    if (!fixed) return false;
  }
  if (renamed.length === 0) return false;
  if (rest !== undefined) {
    // Something else is wrong further on: the copy cannot be located, so say what we know.
    for (const seg of renamed) {
      diags.push(doc.diagnostic({ code: 'AF1006', message: `duplicate key ${JSON.stringify(seg.name)}: a key or table may be defined only once`, span: doc.lines.span(seg.start, seg.end) }));
    }
    diags.push(syntaxError(doc, text, rest));
    return true;
  }
  const pathAt = new Map<number, DocPath>();
  const located = new SourceDocument(doc.file, text, doc.format);
  try {
    new TomlLocator(located, (offset, path) => pathAt.set(offset, path)).visit(parseTOML(text));
  } catch {
    return false;
  }
  for (const seg of renamed) {
    const path = pathAt.get(seg.start);
    if (!path) return false;
    const parent = path.slice(0, -1);
    const first = located.map.get([...parent, seg.name])?.key;
    diags.push(duplicateKey(doc, seg.name, parent, doc.lines.span(seg.start, seg.end), first));
  }
  return true;
}

/** The segments of the (dotted) key that starts at `offset`, each with its name. */
function keySegments(text: string, offset: number): { start: number; end: number; name: string }[] {
  const out: { start: number; end: number; name: string }[] = [];
  let i = offset;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    const start = i;
    let name: string;
    if (text[i] === '"' || text[i] === "'") {
      const q = text[i]!;
      i++;
      while (i < text.length && text[i] !== q && text[i] !== '\n') i += q === '"' && text[i] === '\\' ? 2 : 1;
      if (text[i] !== q) return out;
      i++;
      try {
        name = String((parseTomlValue(`k = ${text.slice(start, i)}`) as { k: unknown }).k);
      } catch {
        return out;
      }
    } else {
      const m = /[A-Za-z0-9_-]+/y;
      m.lastIndex = i;
      const found = m.exec(text);
      if (!found) return out;
      name = found[0];
      i += name.length;
    }
    out.push({ start, end: i, name });
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '.') return out;
    i++;
  }
}

/** A bare key of `length` characters that appears nowhere in `text` as a word. */
function freshKey(text: string, length: number): string | undefined {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
  for (let n = 0; n < 5000; n++) {
    let k = '';
    let x = n;
    do {
      k += chars[x % chars.length];
      x = Math.floor(x / chars.length);
    } while (x > 0);
    if (k.length > length) return undefined;
    const key = k.padStart(length, 'Q');
    if (!new RegExp(`(^|[^A-Za-z0-9_-])${key}($|[^A-Za-z0-9_-])`).test(text)) return key;
  }
  return undefined;
}
