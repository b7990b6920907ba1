import { Diagnostic } from '../src/model/diagnostics';
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
