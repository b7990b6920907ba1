/**
 * The ESLint rules of the generated workspace, on top of typescript-eslint's recommendedTypeChecked. One list: the
 * generated eslint.config.mjs (root.ts) spells them out, and allframe's own ESLint applies them to the platform
 * package and the templates (.projenrc.ts reads this file), so what allframe checks is what the user's repo checks.
 */
export const SKELETON_LINT_RULES = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-explicit-any': 'error',
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
  // hono/aws-lambda's `handle` is marked deprecated, with no successor published yet.
  '@typescript-eslint/no-deprecated': ['error', { allow: [{ from: 'package', package: 'hono', name: 'handle' }] }],
} as const;

type Literal = string | readonly Literal[] | { readonly [key: string]: Literal };

/** A JavaScript literal as source, in the generated files' style: `['error', { allow: [] }]`. */
function literal(value: Literal): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${(value as readonly Literal[]).map(literal).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: Literal });
  return `{ ${entries.map(([k, v]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : `'${k}'`}: ${literal(v)}`).join(', ')} }`;
}

/** The rules as the lines of an object literal's body, indented by `depth` steps of two spaces. */
export function lintRulesSource(depth: number): string {
  const pad = '  '.repeat(depth);
  return Object.entries(SKELETON_LINT_RULES)
    .map(([rule, value]) => `${pad}'${rule}': ${literal(value)},`)
    .join('\n');
}
