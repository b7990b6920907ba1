/**
 * Templates of the generated code: real TypeScript files under `src/skeletons/templates/`, type-checked and linted
 * by allframe itself (tsconfig.skeletons.json maps `@allframe/platform` to the platform package's source), and
 * rendered by substitution. A template is valid code as it stands; rendering only
 *
 * - replaces `__Name__` placeholders (in the text and the file's path) with the names of one service, entity or
 *   event (`__Entity__` → `Order`, `__entities__` → `orders`), and `@allframe/platform` with the workspace's
 *   platform package;
 * - keeps or drops lines: `// @if flag` … `// @else` … `// @end` (also `// @if !flag`), or one line ending in
 *   `// @if flag`;
 * - repeats lines once per item: `// @each list` … `// @end`, the item's names over the outer ones;
 * - replaces sample lines with per-service lines: `// @slot name` … `// @end` (the sample is what allframe's
 *   type-check sees; a service gets the slot's text, indented as the marker).
 *
 * Directive lines never reach the output. A placeholder, flag, list or slot the data does not define is an
 * internal error, so a template and its renderer cannot drift apart silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../model/diagnostics';

export const TEMPLATES_DIR = join(__dirname, 'templates');

/** The import specifier of the platform package in templates (mapped to its source by tsconfig.skeletons.json). */
export const PLATFORM_SPECIFIER = '@allframe/platform';

export type Names = Readonly<Record<string, string>>;

export interface TemplateData {
  /** `__Name__` → text. `platform` (the package name) is required: every template may import it. */
  readonly names: Names & { readonly platform: string };
  /** `// @if flag` blocks and lines. */
  readonly flags?: Readonly<Record<string, boolean>>;
  /** `// @each list` blocks: one copy per item, each item's names over the outer ones. */
  readonly lists?: Readonly<Record<string, readonly Names[]>>;
  /** `// @slot name` blocks: replaced by this text (each line indented as the marker; '' removes the block). */
  readonly slots?: Readonly<Record<string, string>>;
}

/** A rendered template: the text, and how many of its lines came from the template (the rest from slots). */
export interface Rendered {
  readonly text: string;
  readonly templateLines: number;
  readonly slotLines: number;
}

const PLACEHOLDER = /__([A-Za-z][A-Za-z0-9]*)__/g;
const DIRECTIVE = /^(\s*)\/\/ @(if|else|end|each|slot)\b\s*(!?[A-Za-z][\w-]*)?\s*$/;
const TRAILING_IF = /\s*\/\/ @if (!?)([A-Za-z][\w-]*)\s*$/;

const sources = new Map<string, string>();

/** The template's text, read once per process. */
export function templateSource(file: string): string {
  let text = sources.get(file);
  if (text === undefined) {
    text = readFileSync(join(TEMPLATES_DIR, file), 'utf8');
    sources.set(file, text);
  }
  return text;
}

interface Block {
  readonly kind: 'if' | 'each' | 'slot';
  readonly arg: string;
  readonly indent: string;
  readonly body: Line[];
  readonly otherwise: Line[];
  inElse: boolean;
}
type Line = string | Block;

/** Parses the directive structure of a template (nested blocks). */
function parse(file: string, text: string): Line[] {
  const root: Line[] = [];
  const stack: Block[] = [];
  const target = () => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.otherwise : top.body) : root;
  };
  text.split('\n').forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) {
      target().push(line);
      return;
    }
    const [, indent = '', kind, arg] = m;
    const where = `${file}:${i + 1}`;
    if (kind === 'end' || kind === 'else') {
      const top = stack[stack.length - 1];
      if (!top) throw new InternalError(`template ${where}: @${kind} without an open block`);
      if (kind === 'else') {
        if (top.kind !== 'if' || top.inElse) throw new InternalError(`template ${where}: @else outside an @if`);
        top.inElse = true;
      } else stack.pop();
      return;
    }
    if (arg === undefined) throw new InternalError(`template ${where}: @${kind} needs a name`);
    const block: Block = { kind: kind as Block['kind'], arg, indent, body: [], otherwise: [], inElse: false };
    target().push(block);
    stack.push(block);
  });
  if (stack.length > 0) throw new InternalError(`template ${file}: @${stack[stack.length - 1]!.kind} ${stack[stack.length - 1]!.arg} is never closed`);
  return root;
}

const parsed = new Map<string, Line[]>();

function flag(file: string, data: TemplateData, arg: string): boolean {
  const negated = arg.startsWith('!');
  const name = negated ? arg.slice(1) : arg;
  const value = data.flags?.[name];
  if (value === undefined) throw new InternalError(`template ${file}: no value for flag ${name}`);
  return negated ? !value : value;
}

/** Substitutes the placeholders of one line (or path). */
export function substitute(file: string, text: string, names: Names): string {
  return text.replace(PLACEHOLDER, (all, name: string) => {
    const value = names[name];
    if (value === undefined) throw new InternalError(`template ${file}: no value for ${all}`);
    return value;
  });
}

function emit(file: string, lines: readonly Line[], data: TemplateData, names: Names, out: { lines: string[]; slotLines: number }): void {
  for (const line of lines) {
    if (typeof line === 'string') {
      const m = TRAILING_IF.exec(line);
      if (m && !flag(file, data, `${m[1]}${m[2]}`)) continue;
      const code = m ? line.slice(0, m.index) : line;
      out.lines.push(substitute(file, code.split(PLATFORM_SPECIFIER).join(names.platform), names));
    } else if (line.kind === 'if') {
      emit(file, flag(file, data, line.arg) ? line.body : line.otherwise, data, names, out);
    } else if (line.kind === 'each') {
      const items = data.lists?.[line.arg];
      if (items === undefined) throw new InternalError(`template ${file}: no list ${line.arg}`);
      for (const item of items) emit(file, line.body, data, { ...names, ...item }, out);
    } else {
      const text = data.slots?.[line.arg];
      if (text === undefined) throw new InternalError(`template ${file}: no slot ${line.arg}`);
      if (text === '') continue;
      const slot = text.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : line.indent + l));
      out.lines.push(...slot);
      out.slotLines += slot.length;
    }
  }
}

/** Renders `file` (relative to the templates folder) with `data`. */
export function renderTemplate(file: string, data: TemplateData): Rendered {
  let tree = parsed.get(file);
  if (!tree) {
    tree = parse(file, templateSource(file));
    parsed.set(file, tree);
  }
  const out = { lines: [] as string[], slotLines: 0 };
  emit(file, tree, data, data.names, out);
  const text = out.lines.join('\n');
  const total = out.lines.length - (out.lines[out.lines.length - 1] === '' ? 1 : 0);
  return { text, templateLines: total - out.slotLines, slotLines: out.slotLines };
}
