/**
 * allframe's own version, read once from its package.json: `allframe --version` prints it and every generated
 * workspace pins the `allframe` devDependency to it. The version is set in .projenrc.ts (VERSION).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package's name on npm, as the generated workspace depends on it. */
export const PACKAGE_NAME = 'allframe';

let cached: string | undefined;

/**
 * The version in allframe's package.json: the nearest one above this file whose name is `allframe` (lib/src/model
 * in the package, src/model in a checkout). Throws when there is none: a build without its package.json is broken.
 */
export function allframeVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = readPackage(join(dir, 'package.json'));
    if (pkg?.name === PACKAGE_NAME && typeof pkg.version === 'string') return (cached = pkg.version);
    if (dirname(dir) === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${__dirname}`);
  }
}

function readPackage(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
