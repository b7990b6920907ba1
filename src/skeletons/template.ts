/**
 * Templates of the generated code: real TypeScript files under `src/skeletons/templates/`, type-checked and linted
 * by allframe itself (tsconfig.skeletons.json maps `@allframe/platform` to the platform package's source), and
 * rendered by substitution. A template is valid code as it stands; rendering only
 *
 * - replaces `__Name__` placeholders (in the text and the file's path) with the names of one service, entity or
 *   event (`__Entity__` → `Order`, `__entities__` → `orders`), and `@allframe/platform` and `@allframe/events` with
 *   the workspace's platform and events packages;
 * - keeps or drops lines: `// @if flag` … `// @end` (or `// @if !flag`), or one line ending in `// @if flag`.
 *   There is no `@else`: the template as it stands holds every line, so lines of both sides would have to be valid
 *   together; when they cannot, the variant is a slot (its sample checked) or, better, a platform option;
 * - replaces a sample value with one of the names where a block comment holding `=name` comes right before it
 *   (e.g. a TTL written as that comment then `86400`): the sample, a number, word or quoted string, is what
 *   allframe's type-check sees, for values a `__Name__` identifier could not stand for;
 * - repeats lines once per item: `// @each list` … `// @end` (or one line ending in `// @each list`), the item's
 *   names over the outer ones;
 * - replaces sample lines with per-service lines: `// @slot name` … `// @end` (the sample is what allframe's
 *   type-check sees; a service gets the slot's text, indented as the marker).
 *
 * Directive lines never reach the output. A placeholder, flag, list or slot the data does not define is an
 * internal error, so a template and its renderer cannot drift apart silently.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { srcPath } from '../model/paths';
import { InternalError } from '../model/diagnostics';
import { FileKind, OutputFile, managed, owned } from '../model/output-file';

export const TEMPLATES_DIR = srcPath('skeletons', 'templates');

/** The import specifier of the platform package in templates (mapped to its source by tsconfig.skeletons.json). */
export const PLATFORM_SPECIFIER = '@allframe/platform';
/** The import specifier of the events package in templates (mapped to its template by tsconfig.skeletons.json). */
export const EVENTS_SPECIFIER = '@allframe/events';

/** `@<architecture>/events` beside `@<architecture>/platform`. */
export function eventsPackageOf(platform: string): string {
  return platform.replace(/\/platform$/, '/events');
}

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

/** A rendered template: the text, and its lines that came from the template (not from slots). */
export interface Rendered {
  readonly text: string;
  readonly fromTemplate: readonly string[];
}

const PLACEHOLDER = /__([A-Za-z][A-Za-z0-9]*)__/g;
const DIRECTIVE = /^(\s*)\/\/ @(if|end|each|slot)\b\s*(!?[A-Za-z][\w-]*)?\s*$/;
/** A sample value: a quoted string, a number (starting with a digit), or a word (`__handler__`, a member whose name is a placeholder). */
const VALUE = /\/\*=([A-Za-z]\w*)\*\/ ?('(?:[^'\\]|\\.)*'|-?\.?\d[\d_.]*|\w+)/g;
const TRAILING = /\s*\/\/ @(if|each) (!?[A-Za-z][\w-]*)\s*$/;

const sources = new Map<string, string>();

/** The template's text (`file` relative to the templates folder, or absolute), read once per process. */
export function templateSource(file: string): string {
  let text = sources.get(file);
  if (text === undefined) {
    text = readFileSync(isAbsolute(file) ? file : join(TEMPLATES_DIR, file), 'utf8');
    sources.set(file, text);
  }
  return text;
}

interface Block {
  readonly kind: 'if' | 'each' | 'slot';
  readonly arg: string;
  readonly indent: string;
  readonly body: Line[];
}
type Line = string | Block;

/** Parses the directive structure of a template (nested blocks). */
function parse(file: string, text: string): Line[] {
  const root: Line[] = [];
  const stack: Block[] = [];
  const target = () => stack[stack.length - 1]?.body ?? root;
  text.split('\n').forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) {
      target().push(line);
      return;
    }
    const [, indent = '', kind, arg] = m;
    const where = `${file}:${i + 1}`;
    if (kind === 'end') {
      if (!stack.pop()) throw new InternalError(`template ${where}: @end without an open block`);
      return;
    }
    if (arg === undefined) throw new InternalError(`template ${where}: @${kind} needs a name`);
    const block: Block = { kind: kind as Block['kind'], arg, indent, body: [] };
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

function list(file: string, data: TemplateData, name: string): readonly Names[] {
  const items = data.lists?.[name];
  if (items === undefined) throw new InternalError(`template ${file}: no list ${name}`);
  return items;
}

/** Substitutes the placeholders of one line (or path). */
export function substitute(file: string, text: string, names: Names): string {
  const value = (all: string, name: string) => {
    const v = names[name];
    if (v === undefined) throw new InternalError(`template ${file}: no value for ${all}`);
    return v;
  };
  return text.replace(VALUE, (all, name: string) => value(all, name)).replace(PLACEHOLDER, (all, name: string) => value(all, name));
}

interface Out {
  readonly lines: string[];
  readonly fromTemplate: string[];
}

function emit(file: string, lines: readonly Line[], data: TemplateData, names: Names, out: Out): void {
  for (const line of lines) {
    if (typeof line === 'string') {
      const m = TRAILING.exec(line);
      const code = m ? line.slice(0, m.index) : line;
      const push = (scope: Names) => {
        const text = substitute(file, code.split(PLATFORM_SPECIFIER).join(names.platform).split(EVENTS_SPECIFIER).join(eventsPackageOf(names.platform ?? PLATFORM_SPECIFIER)), scope);
        out.lines.push(text);
        out.fromTemplate.push(text);
      };
      if (!m) push(names);
      else if (m[1] === 'if') {
        if (flag(file, data, m[2]!)) push(names);
      } else for (const item of list(file, data, m[2]!)) push({ ...names, ...item });
    } else if (line.kind === 'if') {
      if (flag(file, data, line.arg)) emit(file, line.body, data, names, out);
    } else if (line.kind === 'each') {
      for (const item of list(file, data, line.arg)) emit(file, line.body, data, { ...names, ...item }, out);
    } else {
      const text = data.slots?.[line.arg];
      if (text === undefined) throw new InternalError(`template ${file}: no slot ${line.arg}`);
      if (text === '') continue;
      const slot = text.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : line.indent + l));
      out.lines.push(...slot);
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
  const out: Out = { lines: [], fromTemplate: [] };
  emit(file, tree, data, data.names, out);
  const raw = out.lines.join('\n');
  const text = joinEmpty(joinImports(raw));
  // lines the formatting passes made from template lines are template lines too
  const before = new Set(out.lines);
  return { text, fromTemplate: [...out.fromTemplate, ...text.split('\n').filter((l) => !before.has(l))] };
}

const MULTILINE_IMPORT = /^import (type )?\{\n((?: {2}(?:type )?[\w$]+(?: as [\w$]+)?,\n)+)\} from ('[^'\n]+');$/gm;

/**
 * Imports a template writes one name a line (so a name can be conditional), type-only names (`type X`) among them,
 * go back on one line when they fit in 120 characters, as a person would write them.
 */
function joinImports(text: string): string {
  return text.replace(MULTILINE_IMPORT, (all, type: string | undefined, names: string, from: string) => {
    const line = `import ${type ?? ''}{ ${names.trim().split(',\n').map((n) => n.trim().replace(/,$/, '')).join(', ')} } from ${from};`;
    return line.length <= 120 ? line : all;
  });
}

/**
 * A `{` or `[` whose every line up to its `}` or `]` a template dropped (no clients, no projections, no events)
 * closes on its own line: written `{}` / `[]`, as a person would.
 */
function joinEmpty(text: string): string {
  return text.replace(/\{\n\s*\}/g, '{}').replace(/\[\n\s*\]/g, '[]');
}

/** The lines of an output file that came from a template, for measuring (see templateShare). */
const provenance = new WeakMap<OutputFile, readonly string[]>();

/**
 * The output file of template `file` (`<group>/<path in the service>`, e.g. `stateless/src/app.ts`): at `dir` plus
 * the path with its placeholders substituted, managed (with the marker) or owned.
 */
export function templateFile(kind: FileKind, dir: string, file: string, data: TemplateData): OutputFile {
  const rendered = renderTemplate(file, data);
  const path = `${dir}/${substitute(file, file.slice(file.indexOf('/') + 1), data.names)}`;
  const out = kind === 'managed' ? managed(path, rendered.text) : owned(path, rendered.text);
  provenance.set(out, rendered.fromTemplate);
  return out;
}

/**
 * How many lines of the TypeScript files among `files` came from templates (checked by allframe's tsc and ESLint),
 * out of how many (blank lines not counted). A line counts when it equals, indentation aside, a line its template
 * rendered; slot lines and the marker line of managed files do not.
 */
export function templateShare(files: readonly OutputFile[]): { readonly fromTemplates: number; readonly total: number } {
  let fromTemplates = 0;
  let total = 0;
  for (const f of files) {
    if (!f.path.endsWith('.ts')) continue;
    const pool = new Map<string, number>();
    for (const l of provenance.get(f) ?? []) pool.set(l.trim(), (pool.get(l.trim()) ?? 0) + 1);
    for (const line of f.content.split('\n')) {
      const key = line.trim();
      if (key === '') continue;
      total++;
      const left = pool.get(key) ?? 0;
      if (left > 0) {
        fromTemplates++;
        pool.set(key, left - 1);
      }
    }
  }
  return { fromTemplates, total };
}
