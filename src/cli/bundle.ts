/**
 * The CLI bundle: after tsc, the compile task bundles the CLI (lib/src/cli/bundle-entry.js) with esbuild into one
 * file, `lib/allframe.cjs`, and writes V8's code cache of it, warmed on the examples. bin/allframe runs the bundle.
 *
 * Why: a run of the CLI from lib/src loads some 500 modules (allframe's, cdktf's, the Google provider's resources,
 * js-yaml, ...). Resolving, reading and compiling them one by one is most of a small synth's time; one file whose
 * compiled code comes from the cache loads in about a third of it (bench/RESULTS.md, synth-gcp).
 *
 * What stays out of the bundle, required from node_modules as before:
 * - aws-cdk-lib and constructs: aws-cdk-lib is large and loaded only for the AWS target, and both must be the one
 *   copy that aws-cdk-lib's own constructs see;
 * - esbuild (a native binary, used by the AWS target to bundle Lambda code), ajv (the schema compiler, used only
 *   when running without the precompiled validator), yaml (loaded only to locate a diagnostic);
 * - allframe's run-time files (the precompiled schema and validator, the templates, the platform package): read
 *   from lib/src/ (src/model/paths.ts).
 *
 * The library API (lib/src/index.js) and lib-constructs are not bundled: apps import them as modules.
 * Output is minified (white space and syntax, names kept: stack traces name functions) and deterministic; the code
 * cache is an optimisation V8 checks (another Node.js version or other V8 flags reject it, and the bundle then
 * compiles as any script). `ALLFRAME_NO_BUNDLE=1` runs lib/src instead, e.g. for readable stack traces.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { writeCodeCache } from '../validate/code-cache';

/** The bundle's file name, in lib/. */
export const BUNDLE_FILE = 'allframe.cjs';
/** The licences of the packages inside the bundle, beside it. */
export const BUNDLE_LICENSES_FILE = 'allframe.cjs.LICENSES.md';

/** Packages the bundle requires at run time instead of holding them (see above). */
export const BUNDLE_EXTERNAL = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'esbuild', 'ajv', 'ajv/*', 'yaml'] as const;

/** What lib/allframe.cjs exports (src/cli/bundle-entry.ts). */
export type CliBundle = typeof import('./bundle-entry');

/**
 * Bundle lib/src/cli/bundle-entry.js into `<libDir>/allframe.cjs`, list the licences of what it holds, and write its
 * code cache after a warm-up on the examples under `root`. Returns the bundled packages.
 */
export function writeCliBundle(libDir: string, root = '.'): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const outfile = join(libDir, BUNDLE_FILE);
  const result = esbuild.buildSync({
    entryPoints: [join(libDir, 'src', 'cli', 'bundle-entry.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: [...BUNDLE_EXTERNAL],
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });
  const packages = bundledPackages(result.metafile);
  writeFileSync(join(libDir, BUNDLE_LICENSES_FILE), licenses(packages));
  writeCodeCache(outfile, (exports) => (exports as CliBundle).warmUp(root));
  return packages.map((p) => `${p.name}@${p.version}`);
}

interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** Its licence text, when the package ships one. */
  text?: string;
}

/** The npm packages whose files are in the bundle (allframe's own aside), sorted by name. */
function bundledPackages(metafile: Metafile): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]!);
  }
  const byName = new Map<string, BundledPackage>();
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'license', 'LICENSE-MIT'].map((f) => join(dir, f)).find((f) => existsSync(f));
    byName.set(`${pkg.name}@${pkg.version}`, { name: pkg.name, version: pkg.version, license: pkg.license ?? 'see its package', ...(file !== undefined ? { text: readFileSync(file, 'utf8') } : {}) });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
}

function licenses(packages: readonly BundledPackage[]): string {
  const out = [
    '# Third-party code in allframe.cjs',
    '',
    'lib/allframe.cjs bundles the following npm packages with allframe\'s own code (src/cli/bundle.ts). Each keeps its licence, given here as it ships it.',
    '',
    ...packages.map((p) => `- ${p.name} ${p.version}: ${p.license}`),
  ];
  for (const p of packages) {
    out.push('', `## ${p.name} ${p.version}`, '', p.text !== undefined ? p.text.trimEnd() : `${p.license} (the package ships no licence file)`);
  }
  return `${out.join('\n')}\n`;
}

