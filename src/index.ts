/**
 * allframe's programmatic API. The CLI (src/cli) is a thin shell over these functions.
 *
 * ```ts
 * import { validateFile } from 'allframe';
 * const result = validateFile('architecture.yaml', { environment: 'prod' });
 * if (!result.ok) for (const d of result.diagnostics) console.error(`${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`);
 * ```
 */
export { ARCHETYPES, ARCHETYPE_KINDS } from './model/archetypes';
export type { ArchetypeKind, ArchetypeInfo } from './model/archetypes';
export { ERROR_CODES, formatPath } from './model/diagnostics';
export type { Diagnostic, ErrorCode, Position, Span } from './model/diagnostics';
export { TARGETS } from './model/constants';
export type { TargetId, EventBus, Database, Compute } from './model/constants';
export type { ArchitectureFile, ServiceSpec } from './model/schema';
export { TARGET_CAPABILITIES, TARGET_DEFAULTS } from './model/targets';
export { parseSource } from './parse/index';
export { resolvedDocument } from './resolve/index';
export type { ResolvedArchitecture, ResolvedPlatform, ResolvedService, ServiceSizing } from './resolve/index';
export { validateFile, validateSource } from './validate/index';
export type { ValidateFileOptions, ValidateFileResult, ValidateOptions, ValidationResult } from './validate/index';
export { DEFAULT_FILES } from './parse/file';
export { synthesize, synthesizeFile } from './synth/index';
export type { SynthesizeFileOptions, SynthesizeFileResult, SynthesizeOptions, SynthesisResult, SynthesisSummary } from './synth/index';
export { TARGET_SYNTHESIZERS } from './targets/index';
export type { SynthesizedStack, TargetSynthesizer, TargetSynthOptions, TargetSynthResult } from './targets/index';
export type { OutputFile } from './model/output-file';
export { applyPlan, describePlan, isStale, planDiff, planOutput } from './emit/index';

/** The JSON Schema (draft 2020-12) of the architecture format. */
export function architectureJsonSchema(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./model/schema') as typeof import('./model/schema')).architectureJsonSchema();
}
