import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Io, main } from '../src/cli/main';
import { Diagnostic } from '../src/model/diagnostics';
import type { OutputFile } from '../src/model/output-file';
import { renderRepository } from '../src/skeletons';
import { ValidateOptions, ValidationResult, validateSource } from '../src/validate';

/** A minimal valid architecture to build test documents from. */
export const MINIMAL = `architecture: { name: shop }
services:
  - name: user-service
    type: stateless
`;

/** Validate YAML text with an empty environment unless the test gives one. */
export function check(text: string, options: ValidateOptions = {}, file = 'architecture.yaml'): ValidationResult {
  return validateSource(file, text, { env: {}, ...options });
}

/** `CODE@line:col` for each diagnostic, in order: compact to assert on. */
export function where(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.code}@${d.line}:${d.col}`);
}

/**
 * `line:col` (1-based) of the nth occurrence of `needle` in `text`: tests state where an error belongs by
 * naming the text it belongs to, not by counting columns.
 */
export function pos(text: string, needle: string, nth = 1): string {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" occurs fewer than ${nth} times`);
  }
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI in process, as `allframe <args>` in `cwd`, capturing its output. */
export async function cli(args: readonly string[], cwd: string, opts: { env?: Record<string, string>; isTTY?: boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd, env: opts.env ?? {}, isTTY: opts.isTTY ?? false };
  const code = await main(['node', 'allframe', ...args], io);
  return { code, stdout, stderr };
}

/** Validate an architecture (empty environment) and render its workspace; throws on any diagnostic. */
export function renderText(text: string): OutputFile[] {
  const r = validateSource('architecture.yaml', text, { env: {} });
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics));
  return renderRepository(r.model, { sourceFile: 'architecture.yaml' });
}

/** The rendered files of `text` by path, and `content(path)`, which fails on a path that was not rendered. */
export function renderedFiles(text: string): { files: Map<string, string>; content: (path: string) => string } {
  const files = new Map(renderText(text).map((f) => [f.path, f.content]));
  const content = (path: string): string => {
    const found = files.get(path);
    if (found === undefined) throw new Error(`${path} not rendered`);
    return found;
  };
  return { files, content };
}

/**
 * Every entry under `dir` (files and directories, `dir` itself as "."), each with its inode, modification time
 * and mode: two equal stamps mean nothing was written, replaced, created, deleted or chmod-ed in between.
 */
export function treeStamps(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    const st = lstatSync(join(dir, rel));
    out[rel] = `ino ${st.ino} mtime ${st.mtimeMs} mode ${st.mode.toString(8)}`;
    if (st.isDirectory()) for (const name of readdirSync(join(dir, rel)).sort()) visit(rel === '.' ? name : `${rel}/${name}`);
  };
  visit('.');
  return out;
}
