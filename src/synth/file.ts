/**
 * `synthesizeFile`: find, read and validate an architecture file, then synthesize it; what `allframe synth`,
 * `diff` and `synth --check` run before they plan the output.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../model/diagnostics';
import { readEventSchemas } from '../model/event-schemas';
import type { OutputFile } from '../model/output-file';
import type { ValidateFileOptions, ValidateFileResult } from '../validate/index';
import { synthesize, type SynthesisSummary, type SynthesizeOptions } from './synthesize';

export interface SynthesizeFileOptions extends ValidateFileOptions, Omit<SynthesizeOptions, 'document' | 'sourceFile' | 'onFiles'> {
  /** The output root (relative to `cwd`); the generated files name the architecture file relative to it. @default - the architecture file's directory */
  readonly outDir?: string;
  /** As SynthesizeOptions.onFiles, with the absolute output root. @default - nothing */
  readonly onFiles?: (files: readonly OutputFile[], outDir: string) => void;
}

export interface SynthesizeFileResult {
  /** Valid, and synthesized without problems. */
  readonly ok: boolean;
  /** What to show: the validation's diagnostics when the file is not valid, else the synthesis's problems. */
  readonly diagnostics: readonly Diagnostic[];
  /** The whole validation (its warnings included). */
  readonly validation: ValidateFileResult;
  /** Absolute output root; absent when the file was not found. */
  readonly outDir?: string;
  /** Every file to write; none unless `ok`. */
  readonly outputs: readonly OutputFile[];
  /** Present when the file was valid and synthesized. */
  readonly summary?: SynthesisSummary;
}

/** Never throws for the user's mistakes: a missing file is AF1001, everything else a located diagnostic. */
export function synthesizeFile(file: string | undefined, options: SynthesizeFileOptions = {}): SynthesizeFileResult {
  const cwd = options.cwd ?? process.cwd();
  // Loaded when used: `synthesize` of a model already validated loads no parser.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateFile } = require('../validate/index') as typeof import('../validate/index');
  const validation = validateFile(file, options);
  if (validation.model === undefined || validation.path === undefined) return { ok: false, diagnostics: validation.diagnostics, validation, outputs: [] };
  const outDir = options.outDir !== undefined ? resolve(cwd, options.outDir) : dirname(validation.path);
  const sourceFile = relative(outDir, validation.path).split(sep).join('/');
  const r = synthesize(validation.model, {
    sourceFile,
    ...(validation.document !== undefined ? { document: validation.document } : {}),
    ...(options.skeletons !== undefined ? { skeletons: options.skeletons } : {}),
    ...(options.validation !== undefined ? { validation: options.validation } : {}),
    ...(options.aws !== undefined ? { aws: options.aws } : {}),
    ...(options.gcp !== undefined ? { gcp: options.gcp } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.onFiles !== undefined ? { onFiles: (files: readonly OutputFile[]) => options.onFiles!(files, outDir) } : {}),
    // the schemas the workspace's events test committed: the registry registers them
    eventSchemas: options.eventSchemas ?? readEventSchemas(outDir),
  });
  return { ok: r.ok, diagnostics: r.problems, validation, outDir, outputs: r.outputs, ...(r.ok ? { summary: r.summary } : {}) };
}
