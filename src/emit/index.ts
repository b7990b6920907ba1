import { createTwoFilesPatch } from 'diff';
import type { OutputFile } from '../model/output-file';
import { Plan, PlanOptions, planOutput } from './plan';
import { ApplyOptions, applyPlan } from './apply';

export { managed, managedJson, owned, sha256, MARKER } from '../model/output-file';
export type { FileKind, OutputFile } from '../model/output-file';
export { MANIFEST_PATH, PENDING_PATH, readManifest, unsafePathReason } from './manifest';
export { planOutput, isStale } from './plan';
export type { Plan, PlannedFile, Action } from './plan';
export { applyPlan } from './apply';
export { EarlyStager, StagingLayout } from './stage';
export type { EarlyStaging } from './stage';
export { writeFileAtomic } from './atomic';

export interface EmitResult {
  readonly plan: Plan;
  /** False when the plan had errors: nothing was written. */
  readonly applied: boolean;
}

/** Plan, and apply unless the plan has errors or `dryRun` is set. */
export async function emit(root: string, outputs: readonly OutputFile[], options: PlanOptions & ApplyOptions & { dryRun?: boolean } = {}): Promise<EmitResult> {
  const plan = planOutput(root, outputs, options);
  if (options.dryRun || plan.problems.some((p) => p.severity === 'error')) return { plan, applied: false };
  await applyPlan(plan, options);
  return { plan, applied: true };
}

/** One line a change: `create path`, `update path`, `delete path`, as `--dry-run` and `--check` list them. */
export function describePlan(plan: Plan, options: { all?: boolean } = {}): string[] {
  return plan.files
    .filter((f) => options.all || f.action === 'create' || f.action === 'update' || f.action === 'delete')
    .map((f) => `${f.action.padEnd(9)} ${f.path}${f.note ? `  (${f.note})` : ''}`);
}

/** Unified diffs of what a synth would change (`allframe diff`). */
export function planDiff(plan: Plan): string {
  const out: string[] = [];
  for (const f of plan.files) {
    if (f.action === 'create') out.push(createTwoFilesPatch('/dev/null', `b/${f.path}`, '', f.content ?? '', undefined, undefined, { context: 3 }));
    else if (f.action === 'update') out.push(createTwoFilesPatch(`a/${f.path}`, `b/${f.path}`, f.current ?? '', f.content ?? '', undefined, undefined, { context: 3 }));
    else if (f.action === 'delete') out.push(createTwoFilesPatch(`a/${f.path}`, '/dev/null', f.current ?? '', '', undefined, undefined, { context: 3 }));
  }
  return out.map((p) => p.replace(/^=+\n/, '')).join('');
}

