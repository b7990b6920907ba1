import { Diagnostic, DiagnosticInit, DocPath, Position, Span, formatPath, toPointer } from '../model/diagnostics';

export type SourceFormat = 'yaml' | 'toml';

/** Where a key and its value stand in the source. */
export interface NodeLocation {
  /** The key's range; absent for array items and the root. */
  readonly key?: Span;
  readonly value: Span;
}

/**
 * A span kept as offsets; line and column are worked out only when asked for (when a problem is reported),
 * which keeps parsing a large file cheap.
 */
class OffsetSpan implements Span {
  constructor(
    private readonly lines: LineIndex,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get start(): Position {
    return this.lines.position(this.from);
  }

  get end(): Position {
    return this.lines.position(this.to);
  }
}

/** Turns 0-based offsets into 1-based line/column positions. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: o - (this.starts[lo] ?? 0) + 1, offset: o };
  }

  /** Offset of a 1-based line and column. */
  offset(line: number, col: number): number {
    const start = this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))] ?? 0;
    return Math.min(start + Math.max(0, col - 1), this.text.length);
  }

  span(start: number, end: number): Span {
    return new OffsetSpan(this, start, Math.max(start, end));
  }

  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return '';
    const next = this.starts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, '');
  }
}

/** A map key for a path: cheap to build (a JSON Pointer costs two string replaces per segment). */
function keyOf(path: DocPath): string {
  // The length keeps [] and [''] apart.
  return `${path.length}\u0000${path.join('\u0000')}`;
}

/** Source locations of every key and value, by document path. */
export class SourceMap {
  private readonly locations = new Map<string, NodeLocation>();
  /** Paths whose values were copied from elsewhere in the document (environment overrides). */
  private readonly aliases = new Map<string, DocPath>();
  /** Records the locations on first use, when the parse that made the value kept none (the fast YAML path). */
  private filler: (() => void) | undefined;

  /**
   * Work out the locations only when one is first asked for: `fill` calls `set` for every path. A file without
   * problems is never asked, so its parse can skip positions altogether.
   */
  fillOnDemand(fill: () => void): void {
    this.filler = fill;
  }

  set(path: DocPath, location: NodeLocation): void {
    this.locations.set(keyOf(path), location);
  }

  get(path: DocPath): NodeLocation | undefined {
    this.fill();
    return this.locations.get(keyOf(path));
  }

  /** Values at `path` (and below) came from `from`: locate them there. */
  alias(path: DocPath, from: DocPath): void {
    this.aliases.set(keyOf(path), from);
  }

  /** The location of `path`, or of its nearest located ancestor; `exact` says which. */
  locate(path: DocPath): { location?: NodeLocation; exact: boolean } {
    this.fill();
    const mapped = this.unalias(path);
    for (let n = mapped.length; n >= 0; n--) {
      const loc = this.locations.get(keyOf(mapped.slice(0, n)));
      if (loc) return { location: loc, exact: n === mapped.length };
    }
    return { exact: false };
  }

  private fill(): void {
    const fill = this.filler;
    if (fill === undefined) return;
    this.filler = undefined;
    fill();
  }

  private unalias(path: DocPath): DocPath {
    if (this.aliases.size === 0) return path;
    for (let n = path.length; n > 0; n--) {
      const target = this.aliases.get(keyOf(path.slice(0, n)));
      if (target) return [...target, ...path.slice(n)];
    }
    return path;
  }
}

/** A parsed architecture file: plain JSON-like data plus where each piece came from. */
export class SourceDocument {
  readonly lines: LineIndex;
  readonly map = new SourceMap();

  constructor(
    readonly file: string,
    readonly text: string,
    readonly format: SourceFormat,
    public value: unknown = undefined,
  ) {
    this.lines = new LineIndex(text);
  }

  /** Build a located Diagnostic for a problem at a document path. */
  diagnostic(init: DiagnosticInit): Diagnostic {
    const path = init.path ?? [];
    let span = init.span;
    if (!span) {
      const { location } = this.map.locate(path);
      if (location) span = init.at === 'key' && location.key ? location.key : location.value;
    }
    const start = span?.start ?? { line: 1, col: 1, offset: 0 };
    const end = span?.end ?? start;
    return {
      code: init.code,
      severity: init.severity ?? 'error',
      message: init.message,
      path,
      pointer: toPointer(path),
      file: this.file,
      line: start.line,
      col: start.col,
      endLine: end.line,
      endCol: end.col,
      ...(init.hint !== undefined ? { hint: init.hint } : {}),
      ...(init.suggestions && init.suggestions.length > 0 ? { suggestions: init.suggestions } : {}),
    };
  }
}

/** A diagnostic for a file we could not parse into a document at all. */
export function fileDiagnostic(file: string, init: DiagnosticInit, position?: { line: number; col: number }): Diagnostic {
  const line = position?.line ?? 1;
  const col = position?.col ?? 1;
  return {
    code: init.code,
    severity: init.severity ?? 'error',
    message: init.message,
    path: [],
    pointer: '',
    file,
    line,
    col,
    endLine: line,
    endCol: col,
    ...(init.hint !== undefined ? { hint: init.hint } : {}),
  };
}

/**
 * AF1006 at the second of two equal keys, naming the key, the mapping or table it is in and where it first
 * appeared: `duplicate key "memory_mb" in services[0] (first at line 10)`.
 */
export function duplicateKey(doc: SourceDocument, key: string, parent: DocPath, at: Span | undefined, first: Span | undefined): Diagnostic {
  const where = parent.length === 0 ? 'at the top level' : `in ${formatPath(parent)}`;
  const since = !first ? '' : at && first.start.line === at.start.line ? ` (first at line ${first.start.line}, column ${first.start.col})` : ` (first at line ${first.start.line})`;
  return doc.diagnostic({
    code: 'AF1006',
    message: `duplicate key ${JSON.stringify(key)} ${where}${since}`,
    path: [...parent, key],
    ...(at ? { span: at } : {}),
    hint: 'keep one of them: the second would silently replace the first',
  });
}
