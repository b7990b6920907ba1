/**
 * The synth pipeline as a library function: a validated model in, every output file (the generated workspace and
 * the target's infrastructure) and the problems found out. `allframe synth`, `diff`, `synth --check` and the
 * benchmarks call `synthesize`; what to do with the files (plan, write, diff) is the emitter's (src/emit).
 */
import type { TargetId } from '../model/constants';
import { toPointer, type Diagnostic, type DiagnosticInit } from '../model/diagnostics';
import type { OutputFile } from '../model/output-file';
import { fileDiagnostic, type SourceDocument } from '../parse/document';
import type { ResolvedArchitecture } from '../resolve/index';
import { TARGET_SYNTHESIZERS, type SynthesizedStack, type TargetSynthOptions } from '../targets/index';

export interface SynthesizeOptions extends TargetSynthOptions {
  /**
   * The generated workspace (root files, the platform package, one package per service). Off: the target's
   * infrastructure only, as the benchmarks compare it with hand-written apps.
   * @default true
   */
  readonly skeletons?: boolean;
  /**
   * The document the model was validated from (`validateSource(...).document`): problems are located in it.
   * @default - problems are placed at the top of `sourceFile`
   */
  readonly document?: SourceDocument;
  /** Told what is under way before a long step (the CLI prints it on a terminal). @default - nothing */
  readonly onProgress?: (message: string) => void;
  /**
   * Given the output files as they are made, a part at a time, before synthesis ends (the CLI stages them on a
   * second thread meanwhile: src/emit/stage.ts). Files given here are not final until `synthesize` returns `ok`.
   * @default - nothing
   */
  readonly onFiles?: (files: readonly OutputFile[]) => void;
}

export interface SynthesisSummary {
  readonly target: TargetId;
  /** Files produced: the workspace's and the infrastructure's. */
  readonly files: number;
  /** The infrastructure's stacks (CloudFormation stacks on aws, one Terraform stack on gcp). */
  readonly stacks: readonly SynthesizedStack[];
  /** Resources in all stacks. */
  readonly resources: number;
  /** What was made, for people: the lines `allframe synth` prints after writing. */
  readonly report: readonly string[];
}

export interface SynthesisResult {
  /** No problems: `outputs` holds every file. */
  readonly ok: boolean;
  /** Every file to write, in a stable order; none when there are problems (nothing is to be written). */
  readonly outputs: readonly OutputFile[];
  /** What the target found wrong (overrides naming nothing, policy failures, a target not yet available), located. */
  readonly problems: readonly Diagnostic[];
  readonly summary: SynthesisSummary;
}

/**
 * Synthesize a validated model: the generated workspace (skeletons) and the target's infrastructure
 * (`model.target`). Never throws for the user's mistakes: they are `problems`.
 *
 * ```ts
 * const v = validateSource('architecture.yaml', text, { target: 'gcp' });
 * if (v.model) {
 *   const { ok, outputs, problems, summary } = synthesize(v.model, { document: v.document });
 * }
 * ```
 */
export function synthesize(model: ResolvedArchitecture, options: SynthesizeOptions = {}): SynthesisResult {
  const sourceFile = options.sourceFile ?? 'architecture.yaml';
  // Loaded when used: a synth of the infrastructure alone loads no renderer.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const skeletons = options.skeletons !== false ? (require('../skeletons/index') as typeof import('../skeletons/index')).renderRepository(model, { sourceFile, ...(options.onFiles !== undefined ? { onFiles: options.onFiles } : {}) }) : [];
  const synthesizer = TARGET_SYNTHESIZERS[model.target];
  if (synthesizer.available) options.onProgress?.(synthesizer.progress);
  const target = synthesizer.synthesize(model, { ...options, sourceFile });
  const locate = (p: DiagnosticInit): Diagnostic => (options.document !== undefined ? options.document.diagnostic(p) : { ...fileDiagnostic(sourceFile, p), path: p.path ?? [], pointer: toPointer(p.path ?? []) });
  const problems = target.problems.map(locate);
  const ok = problems.length === 0;
  // The compose file shares allframe dev's plan, read from the target's templates: written with the workspace.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const compose = ok && options.skeletons !== false ? (require('../dev/compose') as typeof import('../dev/compose')).renderCompose(model, target.files, sourceFile) : undefined;
  const infrastructure = [...target.files, ...(compose !== undefined ? [compose] : [])];
  if (ok) options.onFiles?.(infrastructure);
  const outputs = ok ? [...skeletons, ...infrastructure] : [];
  const stacks = ok ? target.stacks : [];
  return {
    ok,
    outputs,
    problems,
    summary: {
      target: model.target,
      files: outputs.length,
      stacks,
      resources: stacks.reduce((n, s) => n + Object.values(s.resourceTypes).reduce((m, c) => m + c, 0), 0),
      report: ok ? target.report : [],
    },
  };
}
