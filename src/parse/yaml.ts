import { Document, Node, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { Diagnostic, DocPath, Span } from '../model/diagnostics';
import { SourceDocument, duplicateKey } from './document';
import { setOwn } from './values';

/** YAML 1.2 core schema, strict, merge keys refused (duplicate keys are the walker's: it names the first place). */
const OPTIONS = { uniqueKeys: false, strict: true, prettyErrors: false, version: '1.2', merge: false } as const;

/** Nodes that may be produced through alias expansion before the file counts as an alias bomb. */
export const MAX_ALIAS_EXPANSION = 10_000;

class AliasLimit extends Error {
  constructor(readonly offset: number, readonly recursive: boolean) {
    super('alias limit');
  }
}

/** Parse YAML into a located document. Problems are appended to `diags`; the value is undefined on failure. */
export function parseYaml(doc: SourceDocument, diags: Diagnostic[]): void {
  // Positions come from the document's own LineIndex (shared with TOML), so no yaml LineCounter is needed.
  // Duplicate keys are found by the walker below, which knows where the first one was.
  const ydoc = parseDocument(doc.text, OPTIONS);

  let failed = false;
  const lines = new Set<number>();
  for (const err of ydoc.errors) {
    failed = true;
    const code = err.code === 'MULTIPLE_DOCS' ? 'AF1011' : 'AF1005';
    const at = syntaxErrorOffset(doc.text, err.code, err.message, err.pos[0]);
    const span = doc.lines.span(at.start, at.end);
    // One error a line: the parser's follow-on complaints about the same spot are noise.
    if (lines.has(span.start.line)) continue;
    lines.add(span.start.line);
    const message = code === 'AF1011' ? 'more than one YAML document in the file' : `YAML syntax error: ${at.message ?? firstLine(err.message)}`;
    const hint = at.hint ?? (at.message ? 'close it where the value ends' : SYNTAX_HINTS[err.code]);
    diags.push(doc.diagnostic({ code, message, span, ...(hint ? { hint } : {}) }));
    // After an unclosed quote or bracket, everything that follows is misread: stop there.
    if (at.message) break;
  }
  for (const warn of ydoc.warnings) {
    if (warn.code === 'TAG_RESOLVE_FAILED') {
      failed = true;
      diags.push(
        doc.diagnostic({
          code: 'AF1012',
          message: `unsupported YAML tag: ${firstLine(warn.message)}`,
          span: doc.lines.span(warn.pos[0], warn.pos[1]),
          hint: 'remove the tag (a !name before the value); allframe reads plain YAML 1.2 values only',
        }),
      );
    }
  }
  if (failed) return;

  if (ydoc.contents === null || (isScalar(ydoc.contents) && ydoc.contents.value === null)) {
    diags.push(doc.diagnostic({ code: 'AF1004', message: 'the file holds no document' }));
    return;
  }

  const walker = new Walker(doc, ydoc, diags);
  const before = diags.length;
  try {
    const value = walker.walk(ydoc.contents, [], undefined);
    if (diags.length === before) doc.value = value;
  } catch (e) {
    if (e instanceof AliasLimit) {
      diags.push(
        doc.diagnostic({
          code: 'AF1007',
          message: e.recursive
            ? 'recursive YAML alias: an alias refers to a node that contains it'
            : `YAML aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes`,
          span: doc.lines.span(e.offset, e.offset + 1),
        }),
      );
      return;
    }
    throw e;
  }
}

/**
 * Record where every key and value stands, for a document whose value the fast path (./yaml-fast) already read:
 * the same walk as parseYaml, keeping the locations and leaving the value alone.
 */
export function locateYaml(doc: SourceDocument): void {
  const ydoc = parseDocument(doc.text, OPTIONS);
  new Walker(doc, ydoc, []).walk(ydoc.contents, [], undefined);
}

class Walker {
  private expanded = 0;
  /** Anchored nodes being expanded, with the offset of the alias that led there. */
  private readonly expanding: { node: Node; at: number }[] = [];

  constructor(
    private readonly doc: SourceDocument,
    private readonly ydoc: Document,
    private readonly diags: Diagnostic[],
  ) {}

  /** Convert a node to plain data, recording locations (not inside alias expansions: those point at the alias). */
  walk(node: unknown, path: DocPath, keySpan: Span | undefined, viaAlias = false): unknown {
    if (viaAlias) {
      if (++this.expanded > MAX_ALIAS_EXPANSION) throw new AliasLimit(this.expanding[0]?.at ?? 0, false);
    }
    if (isAlias(node)) {
      const target = node.resolve(this.ydoc);
      const at = node.range?.[0] ?? 0;
      if (!viaAlias) this.record(path, keySpan, node);
      if (!target) {
        this.diags.push(
          this.doc.diagnostic({
            code: 'AF1005',
            message: `YAML syntax error: alias *${node.source} refers to no anchor &${node.source} defined before it`,
            span: this.doc.lines.span(at, node.range?.[1] ?? at + 1),
          }),
        );
        return null;
      }
      if (this.expanding.some((e) => e.node === target)) throw new AliasLimit(at, true);
      this.expanding.push({ node: target, at });
      try {
        return this.walk(target, path, keySpan, true);
      } finally {
        this.expanding.pop();
      }
    }
    if (!viaAlias && node && typeof node === 'object' && 'range' in node) {
      this.record(path, keySpan, node as Node);
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      /** Where each key first appeared, for duplicates. */
      const firstAt = new Map<string, Span | undefined>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const kRange = keyNode && typeof keyNode === 'object' && 'range' in keyNode ? (keyNode as Node).range : undefined;
        const kSpan = kRange ? this.doc.lines.span(kRange[0], kRange[1]) : undefined;
        if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
          this.diags.push(
            this.doc.diagnostic({
              code: 'AF1012',
              message: 'YAML merge keys (<<) are not supported',
              ...(kSpan ? { span: kSpan } : { path }),
              hint: 'write the merged keys out; merge keys are not part of YAML 1.2 and tools disagree on them',
            }),
          );
          continue;
        }
        if (firstAt.has(key)) {
          // Also `true:` and `"true":` (or `1:` and `"1":`): different YAML keys, but the same key here. Inside
          // an alias's expansion the anchored mapping itself has already been reported.
          if (!viaAlias) this.diags.push(duplicateKey(this.doc, key, path, kSpan, firstAt.get(key)));
          continue;
        }
        firstAt.set(key, kSpan);
        const valueNode = pair.value;
        if (valueNode === null || valueNode === undefined) {
          // `key:` with nothing after it: null, located just after the key.
          if (!viaAlias && kSpan) this.doc.map.set([...path, key], { key: kSpan, value: kSpan });
          setOwn(out, key, null);
          continue;
        }
        setOwn(out, key, this.walk(valueNode, [...path, key], kSpan, viaAlias));
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => this.walk(item, [...path, i], undefined, viaAlias));
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Date) return v.toISOString();
      return v;
    }
    return null;
  }

  private record(path: DocPath, keySpan: Span | undefined, node: Node): void {
    const r = node.range;
    if (!r) return;
    let value = this.doc.lines.span(r[0], r[1]);
    // An empty value (`key:`) has a zero-width range after the colon: point at the key instead.
    if (r[0] === r[1] && keySpan) value = keySpan;
    this.doc.map.set(path, keySpan ? { key: keySpan, value } : { value });
  }
}

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: 'YAML indents with spaces only; replace the tab with spaces',
  BAD_INDENT: 'keys of one mapping (and items of one list) must start in the same column',
  MULTILINE_IMPLICIT_KEY: 'a key and its colon must be on one line: check for a missing ":" or a line indented deeper than its siblings',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation (is the next line indented deeper than its siblings?) and the space after each "-" and ":"',
  MISSING_CHAR: 'close the quote or bracket, or check the indentation',
  BAD_DQ_ESCAPE: 'in double quotes a backslash starts an escape: write \\\\ for a backslash, or use single quotes',
  UNEXPECTED_TOKEN: 'check quotes and brackets on this line',
};

/**
 * Where a syntax error really is. The YAML parser reports an unclosed quote or bracket where it gave up (often
 * the end of the file): point at the opening one instead; and an indentation problem at column 1 at the first
 * character of the line.
 */
function syntaxErrorOffset(text: string, code: string, message: string, pos: number): { start: number; end: number; message?: string; hint?: string } {
  const layout = code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY' ? layoutMistake(text, pos) : undefined;
  if (layout) return layout;
  if (/^Sequence item without - indicator/.test(message)) {
    // A key indented less than the key before it (but more than the "-" of its item).
    const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
    const here = lineKey(text, lineStart);
    const prev = previousKey(text, lineStart);
    if (here && prev && here.at - lineStart < prev.col) {
      return {
        start: here.at,
        end: here.at + here.key.length,
        message: `"${here.key}" is indented less than "${prev.key}", the key before it`,
        hint: `keys of one mapping start in the same column: indent "${here.key}" like "${prev.key}"`,
      };
    }
  }
  const quote = /Missing closing (["'])quote/.exec(message)?.[1];
  if (quote) {
    const open = text.lastIndexOf(quote, Math.max(0, pos - 1));
    if (open >= 0) return { start: open, end: open + 1, message: `unclosed ${quote === '"' ? 'double' : 'single'}-quoted string: the quote opened here is never closed` };
  }
  const bracket = /end with an? ([}\]])/.exec(message)?.[1];
  if (bracket) {
    const open = openingBracket(text, pos, bracket === '}' ? '{' : '[', bracket);
    if (open >= 0) return { start: open, end: open + 1, message: `unclosed ${bracket === '}' ? '{' : '['}: the flow ${bracket === '}' ? 'mapping' : 'sequence'} opened here is never closed with ${bracket}` };
  }
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  if (pos === lineStart && code !== 'TAB_AS_INDENT') {
    const first = text.slice(lineStart).search(/[^ ]/);
    if (first > 0 && text[lineStart + first] !== '\n') return { start: lineStart + first, end: lineStart + first + 1 };
  }
  return { start: pos, end: pos + 1 };
}

/** A line's text from `start` to its end. */
function lineAt(text: string, start: number): string {
  const nl = text.indexOf('\n', start);
  return text.slice(start, nl < 0 ? undefined : nl).replace(/\r$/, '');
}

/** The key a line holds (`  - name: x` gives name at its offset), if any. */
function lineKey(text: string, lineStart: number): { key: string; at: number } | undefined {
  const m = /^( *(?:- +)*)([^\s#:'"{[\]}][^:#]*?) *:(?: |$)/.exec(lineAt(text, lineStart));
  return m ? { key: m[2]!, at: lineStart + m[1]!.length } : undefined;
}

/** The key of the nearest line before `lineStart` that holds one, with its column (0-based). */
function previousKey(text: string, lineStart: number): { key: string; col: number } | undefined {
  for (let prev = text.lastIndexOf('\n', lineStart - 2) + 1; lineStart > 0; prev = text.lastIndexOf('\n', prev - 2) + 1) {
    const line = lineAt(text, prev);
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) {
      const k = lineKey(text, prev);
      return k ? { key: k.key, col: k.at - prev } : undefined;
    }
    if (prev === 0) return undefined;
  }
  return undefined;
}

/**
 * The parser's "implicit key" complaints come from three layout mistakes; name them and point at the line to
 * fix: a key indented deeper than the key before it (its line reads as a continuation of that key's value), a
 * key without its colon, and "-name" for "- name" (a key, not a list item).
 */
function layoutMistake(text: string, pos: number): { start: number; end: number; message: string; hint: string } | undefined {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const here = lineKey(text, lineStart);
  // "-name:" a line before, at the column of this "- ": the list was meant to start there.
  if (lineStart > 0 && /^ *- /.test(lineAt(text, lineStart))) {
    const col = lineAt(text, lineStart).indexOf('-');
    for (let prev = text.lastIndexOf('\n', lineStart - 2) + 1; ; prev = text.lastIndexOf('\n', prev - 2) + 1) {
      const line = lineAt(text, prev);
      const indent = line.search(/\S/);
      if (indent >= 0 && !line.trimStart().startsWith('#')) {
        if (indent < col) break;
        const dash = /^-([^\s-][^:]*):/.exec(line.slice(indent));
        if (indent === col && dash) {
          return {
            start: prev + indent,
            end: prev + indent + 1 + dash[1]!.length,
            message: `"-${dash[1]}" has no space after the "-", so it is a key, not a list item`,
            hint: `write "- ${dash[1]}"`,
          };
        }
      }
      if (prev === 0) break;
    }
  }
  // A value (after "key: ") running into the next line, which holds a key indented deeper than this one.
  if (here && pos > here.at + here.key.length) {
    let next = text.indexOf('\n', pos);
    while (next >= 0) {
      const line = lineAt(text, next + 1);
      if (line.trim() !== '' && !line.trimStart().startsWith('#')) {
        const deeper = lineKey(text, next + 1);
        if (deeper && deeper.at - (next + 1) > here.at - lineStart) {
          return {
            start: deeper.at,
            end: deeper.at + deeper.key.length,
            message: `"${deeper.key}" is indented deeper than "${here.key}", the key before it, so it reads as part of that key's value`,
            hint: `keys of one mapping start in the same column: indent "${deeper.key}" like "${here.key}", or nest it under a key ending in ":"`,
          };
        }
        break;
      }
      next = text.indexOf('\n', next + 1);
    }
  }
  // A line starting with text and no colon, running into the next line's key.
  const content = lineStart + lineAt(text, lineStart).search(/\S/);
  if (pos === content && !here) {
    const words = lineAt(text, pos).replace(/ +#.*$/, '').trimEnd();
    return {
      start: pos,
      end: pos + words.length,
      message: `"${words}" has no ":" after its key, so it runs into the next line`,
      hint: 'write "key: value"; a key and its colon must be on one line',
    };
  }
  return undefined;
}

/** The unmatched opening bracket before `pos`, skipping quoted text roughly; -1 if none. */
function openingBracket(text: string, pos: number, open: string, close: string): number {
  let depth = 0;
  for (let i = Math.min(pos, text.length) - 1; i >= 0; i--) {
    const c = text[i];
    if (c === close) depth++;
    else if (c === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}
