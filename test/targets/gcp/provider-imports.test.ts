/**
 * @cdktf/provider-google is imported resource by resource (`@cdktf/provider-google/lib/<resource>`): its package
 * root loads every resource of the provider (about 3 s and 450 MB). This test fails on any import of the root.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'platform') return [];
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|js|mjs)$/.test(name) ? [p] : [];
  });
}

/** Root imports: `from '@cdktf/provider-google'`, `require('@cdktf/provider-google')`, `import('@cdktf/provider-google')`. */
export const ROOT_IMPORT = /(from\s+|require\(\s*|import\(\s*)['"]@cdktf\/provider-google['"]/;

describe('@cdktf/provider-google imports', () => {
  test('the pattern catches root imports and lets per-resource ones through', () => {
    expect(ROOT_IMPORT.test("import * as google from '@cdktf/provider-google';")).toBe(true);
    expect(ROOT_IMPORT.test("const g = require('@cdktf/provider-google');")).toBe(true);
    expect(ROOT_IMPORT.test("import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';")).toBe(false);
  });

  test('no source, construct, test or benchmark imports the package root', () => {
    const offenders = ['src', 'lib-constructs', 'test', 'bench']
      .flatMap((d) => sources(join(ROOT, d)))
      .filter((f) => !f.endsWith('provider-imports.test.ts') && ROOT_IMPORT.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
