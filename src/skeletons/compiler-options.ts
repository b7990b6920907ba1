/**
 * The compiler options of the generated workspace (its tsconfig.base.json, root.ts). One list: allframe checks the
 * platform package and the templates under the same options (tsconfig.skeletons.json, written by .projenrc.ts from
 * this file), so what allframe's type-check accepts is what the user's repo accepts.
 */
export const WORKSPACE_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2022'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  esModuleInterop: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  types: ['node', 'jest'],
} as const;
