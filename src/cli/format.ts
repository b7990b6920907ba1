import { Diagnostic, ERROR_CODES, formatPath } from '../model/diagnostics';

export interface FormatOptions {
  readonly color: boolean;
  /** Source text of the file, for the excerpt. */
  readonly text?: string;
}

const ansi = (on: boolean) => ({
  red: (s: string) => (on ? `\u001b[31m${s}\u001b[39m` : s),
  yellow: (s: string) => (on ? `\u001b[33m${s}\u001b[39m` : s),
  cyan: (s: string) => (on ? `\u001b[36m${s}\u001b[39m` : s),
  dim: (s: string) => (on ? `\u001b[2m${s}\u001b[22m` : s),
  bold: (s: string) => (on ? `\u001b[1m${s}\u001b[22m` : s),
});

/** `file:line:col: error AF3001: message`, a source excerpt with a caret, the document path and a hint. */
export function formatDiagnostic(d: Diagnostic, opts: FormatOptions): string {
  const c = ansi(opts.color);
  const sev = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const out = [`${c.bold(`${d.file}:${d.line}:${d.col}`)}: ${sev} ${c.bold(d.code)}: ${d.message}`];
  if (opts.text !== undefined) {
    const lines = opts.text.split(/\r?\n/);
    const src = lines[d.line - 1];
    if (src !== undefined && src.length <= 400) {
      const width = String(d.line).length;
      const tabsToSpaces = (s: string) => s.replace(/\t/g, ' ');
      if (d.line > 1 && lines[d.line - 2] !== undefined && (lines[d.line - 2] ?? '').length <= 400) {
        out.push(c.dim(`  ${String(d.line - 1).padStart(width)} | `) + tabsToSpaces(lines[d.line - 2] ?? ''));
      }
      out.push(c.dim(`  ${String(d.line).padStart(width)} | `) + tabsToSpaces(src));
      const span = d.endLine === d.line && d.endCol > d.col ? Math.min(d.endCol - d.col, Math.max(1, src.length - d.col + 1)) : 1;
      out.push(c.dim(`  ${' '.repeat(width)} | `) + ' '.repeat(Math.max(0, d.col - 1)) + c.red('^'.repeat(Math.max(1, span))));
    }
  }
  if (d.path.length > 0) out.push(`  ${c.dim('at')} ${formatPath(d.path)}`);
  if (d.hint) out.push(`  ${c.cyan('hint')}: ${d.hint}`);
  return out.join('\n');
}

export function formatSummary(diags: readonly Diagnostic[], file: string, opts: { color: boolean }): string {
  const c = ansi(opts.color);
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (errors === 0 && warnings === 0) return `${c.bold('✔')} ${file} is valid`;
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`];
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return `${c.red(parts.join(', '))} in ${file}`;
}

/** Machine-readable form, for `--format json`. */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    title: ERROR_CODES[d.code].title,
    message: d.message,
    file: d.file,
    line: d.line,
    col: d.col,
    endLine: d.endLine,
    endCol: d.endCol,
    path: d.pointer,
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.suggestions ? { suggestions: d.suggestions } : {}),
  };
}
