import { parse as parseTomlValue } from 'smol-toml';
import { parseTOML } from 'toml-eslint-parser';
import type { AST } from 'toml-eslint-parser';
import { Diagnostic, DocPath, Span, toPointer } from '../model/diagnostics';
import { SourceDocument } from './document';
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
    const err = e as { message?: string; line?: number; column?: number };
    const text = String(err.message ?? e).split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'syntax error';
    const duplicate = /redefine an already defined/.test(text);
    const line = err.line ?? 1;
    const col = err.column ?? 1;
    const offset = doc.lines.offset(line, col);
    diags.push(
      doc.diagnostic({
        code: duplicate ? 'AF1006' : 'AF1008',
        message: duplicate ? 'duplicate key: a key or table may be defined only once' : `TOML syntax error: ${text}`,
        span: doc.lines.span(offset, offset + 1),
      }),
    );
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

  constructor(private readonly doc: SourceDocument) {}

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
