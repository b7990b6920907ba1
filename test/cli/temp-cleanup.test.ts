/**
 * Nothing left behind: every command removes the temporary files and directories it made (CDK and cdktf output
 * directories, the placeholder of review code assets), on success and on error.
 *
 * The commands run in a child process whose TMPDIR is a fresh directory of the test's (jest gives each test file a
 * copy of process.env, so os.tmpdir() cannot be redirected in process): the child runs them one after another
 * through the CLI's main() and lists its temporary directory before and after each, so the counts are exact. The
 * child runs the TypeScript sources through tsx, whose own cache (tsx-<uid>) is left out of the counts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');

interface Command {
  readonly args: readonly string[];
  /** Set CDK_OUTDIR, as the CDK CLI does when it runs the app. */
  readonly cdkOutdir?: string;
  /** Write this file first (relative to the project). */
  readonly write?: { readonly path: string; readonly content: string };
}

interface Counted {
  readonly args: readonly string[];
  readonly code: number;
  readonly output: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/** Run `commands` in a fresh process with TMPDIR = `tmp`, in `cwd`; each with the temporary directory's entries before and after. */
function runCounted(cwd: string, tmp: string, commands: readonly Command[]): { results: Counted[]; leftAtExit: string[] } {
  const script = `
    const { main } = require(${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))});
    const { mkdirSync, readdirSync, writeFileSync } = require('node:fs');
    const { dirname, join } = require('node:path');
    const { tmpdir } = require('node:os');
    const entries = () => readdirSync(tmpdir()).filter((f) => !f.startsWith('tsx-')).sort();
    (async () => {
      const results = [];
      for (const c of JSON.parse(process.argv[1])) {
        if (c.write) { mkdirSync(dirname(join(process.cwd(), c.write.path)), { recursive: true }); writeFileSync(join(process.cwd(), c.write.path), c.write.content); }
        if (c.cdkOutdir) process.env.CDK_OUTDIR = c.cdkOutdir; else delete process.env.CDK_OUTDIR;
        const before = entries();
        let output = '';
        const io = { stdout: (s) => (output += s), stderr: (s) => (output += s), cwd: process.cwd(), env: {}, isTTY: false };
        const code = await main(['node', 'allframe', ...c.args], io);
        results.push({ args: c.args, code, output: output.slice(-2000), before, after: entries() });
      }
      process.stdout.write(JSON.stringify(results));
    })();
  `;
  const child = spawnSync(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, '-e', script, JSON.stringify(commands)], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: tmp, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`child failed (${child.status ?? child.signal}): ${child.stderr}`);
  return { results: JSON.parse(child.stdout) as Counted[], leftAtExit: readdirSync(tmp).filter((f) => !f.startsWith('tsx-')) };
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'allframe-temp-work-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function project(example: 'shop' | 'shop-gcp'): { dir: string; tmp: string } {
  const dir = join(work, example);
  const tmp = join(work, 'tmp');
  mkdirSync(dir);
  mkdirSync(tmp);
  cpSync(join(EXAMPLES, example, 'architecture.yaml'), join(dir, 'architecture.yaml'));
  return { dir, tmp };
}

const summary = (r: Counted) => ({ args: r.args.join(' '), code: r.code, left: r.after.filter((f) => !r.before.includes(f)) });

describe.each([
  ['aws', 'shop', ['--no-validation']],
  ['gcp', 'shop-gcp', []],
] as const)('on %s (examples/%s): the temporary directory holds the same entries after every command as before', (target, example, flags) => {
  test('validate, synth, a rerun, --check, --dry-run, diff, a refused write, an invalid file, and cdk-app --code review (aws)', () => {
    // GIVEN the example and an empty temporary directory
    const { dir, tmp } = project(example);
    const commands: Command[] = [
      { args: ['validate'] },
      { args: ['synth', ...flags] },
      { args: ['synth', ...flags] },
      { args: ['synth', '--check', ...flags] },
      { args: ['synth', '--dry-run', ...flags] },
      { args: ['diff', ...flags] },
      ...(target === 'aws'
        ? [
            // under the CDK CLI (CDK_OUTDIR set), and on its own (the assembly in a temporary directory)
            { args: ['cdk-app', '--code', 'review'], cdkOutdir: join(dir, 'cdk.out') },
            { args: ['cdk-app', '--code', 'review'] },
          ]
        : []),
      // a generated file edited: the synth runs, then the write is refused
      { args: ['synth', ...flags], write: { path: 'services/user-service/src/app.ts', content: 'mine\n' } },
      { args: ['synth', ...flags], write: { path: 'architecture.yaml', content: 'architecture: { name: 1 }\n' } },
    ];

    // WHEN they run one after another in one process
    const { results, leftAtExit } = runCounted(dir, tmp, commands);

    // THEN each ended as expected, and none left an entry in the temporary directory, nor did the process
    const codes = [0, 0, 0, 0, 0, 0, ...(target === 'aws' ? [0, 0] : []), 2, 2];
    expect(results.map(summary)).toEqual(commands.map((c, i) => ({ args: c.args.join(' '), code: codes[i], left: [] })));
    expect(results.every((r) => r.after.length === r.before.length)).toBe(true);
    expect(results.at(-2)!.output).toContain('AF6001');
    expect(results.at(-1)!.output).toContain('error AF3004');
    if (target === 'aws') expect(readdirSync(join(dir, 'cdk.out'))).toContain('manifest.json');
    expect(leftAtExit).toEqual([]);
  }, 600_000);
});


describe('a directory a SIGKILLed run left behind', () => {
  test("is removed by the next command that makes a temporary directory; a live process's is kept", () => {
    // GIVEN in the temporary directory, an old CDK output directory of a process that has ended, and one of a live process
    const { dir, tmp } = project('shop-gcp');
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const old = (Date.now() - 10 * 60_000) / 1000;
    const left = (name: string) => {
      mkdirSync(join(tmp, name, 'out'), { recursive: true });
      utimesSync(join(tmp, name), old, old);
      return join(tmp, name);
    };
    const stale = left(`allframe-cdk-${dead}-Xy12Zw`);
    const live = left(`allframe-cdk-${process.pid}-Xy12Zw`);

    // WHEN validate (which makes none) and then synth run
    const { results } = runCounted(dir, tmp, [{ args: ['validate'] }, { args: ['synth', '--dry-run'] }]);

    // THEN validate left both, synth removed the dead process's and kept the live one's
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(results[0]!.after).toEqual(results[0]!.before);
    expect(results[1]!.before).toContain(`allframe-cdk-${dead}-Xy12Zw`);
    expect(results[1]!.after).toEqual([`allframe-cdk-${process.pid}-Xy12Zw`]);
    expect([existsSync(stale), existsSync(live)]).toEqual([false, true]);
  }, 300_000);
});
