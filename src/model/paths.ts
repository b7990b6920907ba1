/**
 * Where allframe's files read at run time live (the precomputed schema and validator, the skeleton templates, the
 * platform package): under its `src` tree, which is `src/` in a checkout run from source, `lib/src/` once compiled,
 * and `lib/src/` too for the CLI bundle `lib/allframe.cjs` (src/cli/bundle.ts), where every module's `__dirname`
 * is the bundle's own directory, `lib/`.
 */
import { basename, dirname, join } from 'node:path';

/** This module's directory is `<src>/model`, unless it was bundled into `lib/allframe.cjs`. */
export const SRC_ROOT = srcRoot(__dirname);

/** The `src` tree seen from `dir`, the directory of this module as it runs. */
export function srcRoot(dir: string): string {
  return basename(dir) === 'model' ? dirname(dir) : join(dir, 'src');
}

/** A path under allframe's `src` tree: `srcPath('skeletons', 'templates')`. */
export function srcPath(...segments: string[]): string {
  return join(SRC_ROOT, ...segments);
}
