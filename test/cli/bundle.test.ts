/**
 * The CLI bundle (src/cli/bundle.ts): bin/allframe runs lib/allframe.cjs, one file holding allframe, cdktf and the
 * Google provider's resources, with V8's code cache made at build time. GIVEN the build WHEN the CLI runs THEN it
 * runs the bundle, V8 takes the cache, and what it writes and says is byte for byte what lib/src does
 * (ALLFRAME_NO_BUNDLE=1); the bundle lists the licences of what it holds and leaves aws-cdk-lib and constructs out.
 *
 * Needs lib/ built (npm run compile): skipped with a message when it is not, a failure in CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BUNDLE_EXTERNAL, BUNDLE_FILE, BUNDLE_LICENSES_FILE } from '../../src/cli/bundle';
import { WARM_UP_EXAMPLES } from '../../src/cli/bundle-entry';
import { SRC_ROOT, srcPath, srcRoot } from '../../src/model/paths';
import { codeCacheFile } from '../../src/validate/code-cache';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'allframe');
const BUNDLE = join(ROOT, 'lib', BUNDLE_FILE);
const built = existsSync(BUNDLE);
if (!built && process.env.CI === 'true') throw new Error(`lib/${BUNDLE_FILE} is missing: the CI builds it (npm run compile) before the tests`);
if (!built) console.warn(`lib/${BUNDLE_FILE} is not built (npm run compile): the CLI bundle tests are skipped`);
const withBuild = built ? describe : describe.skip;

/** bin/allframe in a fresh process; `unbundled` runs lib/src instead of the bundle. */
function allframe(args: string[], unbundled: boolean): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, NO_COLOR: '1', ...(unbundled ? { ALLFRAME_NO_BUNDLE: '1' } : {}) };
  if (!unbundled) delete env.ALLFRAME_NO_BUNDLE;
  const p = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  return { status: p.status, stdout: p.stdout, stderr: p.stderr };
}

/** Every file under `dir`, by relative path. */
function tree(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  return new Map(files.map((d) => join(d.parentPath, d.name)).sort().map((f) => [f.slice(dir.length + 1), readFileSync(f, 'utf8')]));
}

describe('where the run-time files are', () => {
  test('the src tree: src/ from source, lib/src compiled, lib/src from the bundle in lib/', () => {
    expect(SRC_ROOT).toBe(join(ROOT, 'src'));
    expect(srcRoot(join('/pkg', 'lib', 'src', 'model'))).toBe(join('/pkg', 'lib', 'src'));
    expect(srcRoot(join('/pkg', 'lib'))).toBe(join('/pkg', 'lib', 'src'));
    expect(existsSync(srcPath('skeletons', 'templates', 'service'))).toBe(true);
  });
});

withBuild('the CLI bundle', () => {
  test('bin/allframe runs the bundle, and V8 takes its code cache', () => {
    expect(readFileSync(BIN, 'utf8')).toContain("join(__dirname, '..', 'lib', 'allframe.cjs')");
    expect(readFileSync(codeCacheFile(BUNDLE)).length).toBeGreaterThan(100_000);
    const script = `
      const { loadWithCodeCache } = require('./lib/src/validate/code-cache.js');
      const { exports, cacheAccepted } = loadWithCodeCache(${JSON.stringify(BUNDLE)});
      process.stdout.write(JSON.stringify({ cacheAccepted, exports: Object.keys(exports).sort() }));
    `;
    const p = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(JSON.parse(p.stdout)).toEqual({ cacheAccepted: true, exports: ['WARM_UP_EXAMPLES', 'loadTarget', 'run', 'synthesize', 'validateSource', 'warmUp'] });
  });

  test.each(WARM_UP_EXAMPLES.map((e) => [e.file, 'environment' in e ? ['--env', e.environment] : []] as const))(
    'allframe synth %s writes the same tree, byte for byte, bundled or not',
    (file, env) => {
      const out = mkdtempSync(join(tmpdir(), 'allframe-bundle-'));
      try {
        const bundled = allframe(['synth', file, '--out', join(out, 'bundled'), ...env], false);
        const unbundled = allframe(['synth', file, '--out', join(out, 'lib'), ...env], true);
        expect([bundled.status, unbundled.status]).toEqual([0, 0]);
        // the report (on stderr) names the output directory, the only difference
        expect(bundled.stderr).toMatch(/^synth: \d+ created/);
        const named = (dir: string) => `${basename(out)}/${dir}`;
        expect({ stdout: bundled.stdout, stderr: bundled.stderr.replace(named('bundled'), named('lib')) }).toEqual({ stdout: unbundled.stdout, stderr: unbundled.stderr });
        const [a, b] = [tree(join(out, 'bundled')), tree(join(out, 'lib'))];
        // the workspace (templates, platform package) and the infrastructure are all there
        expect([...a.keys()].some((f) => f.startsWith('packages/platform/src/'))).toBe(true);
        expect([...a.keys()].some((f) => f.startsWith('infrastructure/'))).toBe(true);
        expect([...a.keys()]).toEqual([...b.keys()]);
        for (const [path, content] of a) expect({ path, content }).toEqual({ path, content: b.get(path) });
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    120_000,
  );

  test('a mistake in the file is reported the same, bundled or not: located, exit code 2, nothing else', () => {
    const file = join('fixtures', 'invalid', 'bad-enum-compute.yaml');
    const bundled = allframe(['validate', file], false);
    const unbundled = allframe(['validate', file], true);
    expect(bundled.status).toBe(2);
    expect(bundled.stderr).toMatch(/bad-enum-compute\.yaml:\d+:\d+/);
    expect(bundled.stderr).not.toMatch(/\n\s+at .*[(/].*:\d+:\d+\)?\n/);
    expect(bundled).toEqual(unbundled);
  });

  test('it holds cdktf and the Google provider, not aws-cdk-lib nor constructs, and lists their licences', () => {
    const text = readFileSync(join(ROOT, 'lib', BUNDLE_LICENSES_FILE), 'utf8');
    const listed = [...text.matchAll(/^- (\S+) (\S+): (.+)$/gm)].map((m) => ({ name: m[1]!, version: m[2]!, license: m[3]! }));
    const names = listed.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['cdktf', '@cdktf/provider-google', 'js-yaml', 'commander']));
    for (const external of BUNDLE_EXTERNAL.filter((e) => !e.endsWith('/*'))) expect(names).not.toContain(external);
    // each with a section holding its licence text
    for (const p of listed) expect(text).toContain(`## ${p.name} ${p.version}\n`);
    const cdktf = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'cdktf', 'package.json'), 'utf8')) as { version: string };
    expect(listed.find((p) => p.name === 'cdktf')).toEqual({ name: 'cdktf', version: cdktf.version, license: 'MPL-2.0' });
    // the one copy of constructs: the bundle requires it from node_modules, as aws-cdk-lib does
    expect(readFileSync(BUNDLE, 'utf8')).toMatch(/require\("constructs"\)/);
  });
});
