/**
 * The npm package's shape, without packing it (test/e2e/package.test.ts packs, installs and runs it): what
 * `npm pack` would ship, the version in package.json, `allframe --version`, the prepack build and the CHANGELOG.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allframeVersion } from '../src/model/version';
import { cli } from './helpers';
import { PACKAGE_FILES_FORBIDDEN } from './package-files';

const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string>; scripts: Record<string, string>; files: string[] };
const built = existsSync(join(ROOT, 'lib', 'src', 'cli', 'main.js'));

describe('the package', () => {
  test('has a real version, which allframe --version prints', async () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.version).not.toBe('0.0.0');
    expect(allframeVersion()).toBe(pkg.version);
    expect(await cli(['--version'], ROOT)).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  test('the CHANGELOG has a dated section for this version', () => {
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')} \\(\\d{4}-\\d{2}-\\d{2}\\)$`, 'm'));
  });

  test('npm pack builds lib/ first (prepack) and bin/allframe runs lib/', () => {
    expect(pkg.scripts.prepack).toBe('projen prepack');
    const tasks = JSON.parse(readFileSync(join(ROOT, '.projen', 'tasks.json'), 'utf8')) as { tasks: Record<string, { steps?: { spawn?: string }[] }> };
    expect(tasks.tasks.prepack?.steps).toEqual([{ spawn: 'compile' }]);
    expect(pkg.bin).toEqual({ allframe: 'bin/allframe' });
    expect(readFileSync(join(ROOT, 'bin', 'allframe'), 'utf8')).toContain("require('../lib/src/cli/main.js')");
  });

  test('npm pack ships the CLI, the library, the schema, examples and docs, and nothing dev-only', () => {
    // WHEN npm lists what it would pack (no scripts: lib/ as it is now)
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);

    // THEN the user-facing files are in, and nothing of allframe's own development is
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/allframe', 'schema/architecture.schema.json', 'examples/shop/architecture.yaml', 'examples/shop/architecture.toml', 'examples/shop-gcp/architecture.yaml', 'docs/errors.md', 'docs/architecture-reference.md']),
    );
    expect(files.filter((f) => PACKAGE_FILES_FORBIDDEN.some((re) => re.test(f)))).toEqual([]);
    // AND, when lib/ is built, what synth reads at run time: the precomputed schema and validator, the platform package
    if (built) {
      expect(files).toEqual(
        expect.arrayContaining([
          'lib/src/index.js',
          'lib/src/cli/main.js',
          'lib/allframe.cjs',
          'lib/allframe.v8-cache',
          'lib/allframe.cjs.LICENSES.md',
          'lib/src/model/architecture.schema.generated.json',
          'lib/src/validate/architecture-validator.generated.js',
          'lib/src/skeletons/platform/src/index.ts',
          'lib/lib-constructs/aws/queue-with-dlq.js',
        ]),
      );
    } else {
      console.warn('lib/ is not built (npm run compile): the lib/ part of the package test is skipped');
    }
  });
});
