/**
 * allframe's programmatic API. The CLI (src/cli) is a thin shell over these functions.
 *
 * ```ts
 * import { validateFile } from 'allframe';
 * const result = validateFile('architecture.yaml', { environment: 'prod' });
 * if (!result.ok) for (const d of result.diagnostics) console.error(`${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`);
 * ```
 */
import { readFileSync } from 'node:fs';
import { ValidateOptions, ValidationResult, validateSource } from './validate/index';

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
export type { ResolvedArchitecture, ResolvedService } from './resolve/index';
export { validateSource } from './validate/index';
export type { ValidateOptions, ValidationResult } from './validate/index';

/** The JSON Schema (draft 2020-12) of the architecture format. */
export function architectureJsonSchema(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./model/schema') as typeof import('./model/schema')).architectureJsonSchema();
}

/**
 * Read and validate an architecture file. Never throws for bad input (a missing file is AF1001).
 */
export function validateFile(file: string, options: ValidateOptions = {}): ValidationResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : 'no such file or no permission';
    return {
      ok: false,
      diagnostics: [{ code: 'AF1001', severity: 'error', message: `cannot read ${file}: ${reason}`, path: [], pointer: '', file, line: 1, col: 1, endLine: 1, endCol: 1 }],
    };
  }
  return validateSource(file, bytes, options);
}
