import { Diagnostic, sortDiagnostics, toPointer } from '../model/diagnostics';
import type { TargetId } from '../model/constants';
import type { ArchitectureFile } from '../model/schema';
import { SourceDocument, parseSource } from '../parse';
import { readArchitectureFile } from '../parse/file';
import { Env, ResolvedArchitecture, applyEnvironment, interpolate, resolveModel } from '../resolve';
import { checkTarget } from './capabilities';
import { checkSchema } from './schema-check';
import { checkSemantics } from './semantic';

export { architectureValidator } from './schema-check';
export { parseCron, isCronProblem } from './cron';

export interface ValidateOptions {
  /** Environment variables for ${...} interpolation. @default - process.env */
  readonly env?: Env;
  /** Environment (stage) under `environments` to merge over the base. @default - none: the base file */
  readonly environment?: string;
  /** Target to check against. @default - cloud.primary */
  readonly target?: TargetId;
}

export interface ValidationResult {
  readonly ok: boolean;
  /** Every problem found, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The resolved model, when the file is valid. */
  readonly model?: ResolvedArchitecture;
  readonly document?: SourceDocument;
  /** The file's text as read, whenever it is text (also when it did not parse), for source excerpts. */
  readonly text?: string;
}

/**
 * The front half of the pipeline: parse → interpolate → schema (defaults applied) → environment →
 * resolve → semantic and target checks. Never throws for bad input.
 *
 * Each stage runs only when the one before it succeeded, and reports all of its problems at once: a file
 * with syntax errors gets syntax errors; a file that parses gets every interpolation and schema error; a
 * schema-valid file gets every semantic and target error.
 */
export function validateSource(file: string, bytes: Uint8Array | string, options: ValidateOptions = {}): ValidationResult {
  const parsed = parseSource(file, bytes);
  const diags = [...parsed.diagnostics];
  const doc = parsed.document;
  if (!doc) return { ...done(diags), ...(parsed.text !== undefined ? { text: parsed.text } : {}) };

  interpolate(doc, options.env ?? process.env, diags);
  const interpolationFailed = new Set(diags.map((d) => d.pointer));
  const raw = structuredClone(doc.value);
  const data = doc.value;
  if (!checkSchema(doc, data, diags) || diags.length > 0) {
    // A value whose ${...} failed is reported once, not again as "wrong type".
    return done(diags.filter((d) => d.code.startsWith('AF2') || !interpolationFailed.has(d.pointer)), doc);
  }
  const fileModel = data as ArchitectureFile;
  if (!applyEnvironment(doc, fileModel, options.environment, diags)) return done(diags, doc);
  const model = resolveModel(fileModel, {
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
  });
  checkSemantics(doc, raw, model, diags);
  checkTarget(doc, raw, model, diags);
  return done(diags, doc, model);
}

export interface ValidateFileOptions extends ValidateOptions {
  /** Directory a relative `file` is found from, and where the default file names are looked for. @default - process.cwd() */
  readonly cwd?: string;
}

export interface ValidateFileResult extends ValidationResult {
  /** The file as shown in diagnostics (relative to `cwd`), or `.` when none was found. */
  readonly display: string;
  /** Absolute path of the file, when found. */
  readonly path?: string;
}

/**
 * Find, read and validate an architecture file: `file` (a file, or a directory holding architecture.yaml, .yml or
 * .toml) or, without it, one of those in `cwd`. Never throws for bad input (a missing file is AF1001).
 */
export function validateFile(file: string | undefined, options: ValidateFileOptions = {}): ValidateFileResult {
  const found = readArchitectureFile(file, options.cwd ?? process.cwd());
  if ('error' in found) return { ok: false, diagnostics: [found.error], display: found.error.file };
  return { ...validateSource(found.display, found.bytes, options), display: found.display, path: found.path };
}

function done(diags: Diagnostic[], document?: SourceDocument, model?: ResolvedArchitecture): ValidationResult {
  const errors = diags.filter((d) => d.severity === 'error');
  const unique = new Map<string, Diagnostic>();
  for (const d of diags) unique.set(`${d.code}|${d.line}|${d.col}|${d.message}|${toPointer(d.path)}`, d);
  return {
    ok: errors.length === 0,
    diagnostics: sortDiagnostics([...unique.values()]),
    ...(document ? { document, text: document.text } : {}),
    ...(errors.length === 0 && model ? { model } : {}),
  };
}
