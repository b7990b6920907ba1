/**
 * What the benchmarks share: timing and medians, flags, a process run under /usr/bin/time (wall clock and peak RSS),
 * a bench's own `--child` processes, the allframe-against-hand-written loop of synth-aws.ts and synth-gcp.ts, and the
 * marked sections of bench/RESULTS.md. Each bench keeps its architecture, its child body and its table.
 *
 * Imports no bench file: a bench runs its benchmark when it is the entry point.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ValidateOptions, validateSource } from '../src/validate';

export const root = join(__dirname, '..');
/** The compiled build. */
export const lib = join(root, 'lib', 'src');
/** The CLI bundle bin/allframe runs (src/cli/bundle.ts), with its V8 code cache. */
export const cliBundleFile = join(root, 'lib', 'allframe.cjs');

/** The CLI bundle, loaded as bin/allframe loads it (with its code cache). */
export function cliBundle(): typeof import('../src/cli/bundle-entry') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { requireWithCodeCache } = require(join(lib, 'validate', 'code-cache.js')) as typeof import('../src/validate/code-cache');
  return requireWithCodeCache(cliBundleFile) as typeof import('../src/cli/bundle-entry');
}

/** Milliseconds since `from` (a `process.hrtime.bigint()`). */
export function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

/** The middle value (the upper one of an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The sum of a record's counts. */
export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Milliseconds as seconds, e.g. `1.2 s`. */
export function fmtS(x: number, digits = 1): string {
  return `${(x / 1000).toFixed(digits)} s`;
}

/** The word after `name` on the command line. */
export function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** `--sizes 1,10,100` and `--runs 3`. */
export function sizesAndRuns(): { sizes: number[]; runs: number } {
  return { sizes: (argValue('--sizes') ?? '1,10,100').split(',').map(Number), runs: Number(argValue('--runs') ?? 3) };
}

/** The installed version of a package in node_modules. */
export function packageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

/** True, having said so and set the exit code, when `file` of the compiled build is not there. */
export function libMissing(file: string, problem = 'lib/ is missing'): boolean {
  if (existsSync(file)) return false;
  process.stderr.write(`bench: ${problem}; run \`npm run compile\` first\n`);
  process.exitCode = 1;
  return true;
}

/**
 * The commit measured, for a section's title: `commit <short hash>`, and `with uncommitted changes` when the code a
 * bench runs (src/, lib-constructs/, bench/ but RESULTS.md, the build's configuration) differs from it.
 */
export function measuredCommit(): string {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'commit unknown (no git)';
  const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'lib-constructs', 'bench', ':!bench/RESULTS.md', 'package.json', 'tsconfig.json').stdout.trim() !== '';
  return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes' : ''}`;
}

/**
 * A section's title: `### <name> (<date>, <cores> cores[, <memory> GB], Node <version>[, <extras>])`.
 *
 * @param memory whether to name the machine's memory. @default false
 */
export function heading(name: string, { memory = false, extras = [] }: { memory?: boolean; extras?: string[] } = {}): string {
  const machine = [new Date().toISOString().slice(0, 10), `${cpus().length} cores`, ...(memory ? [`${Math.round(totalmem() / 2 ** 30)} GB`] : []), `Node ${process.version}`, ...extras];
  return `### ${name} (${machine.join(', ')})`;
}

// --- Processes ---------------------------------------------------------------------------------------------------

export interface Timed {
  wallMs: number;
  /** Peak RSS of the process (MB), from /usr/bin/time. */
  peakRssMb: number;
  stdout: string;
  /** The process's stderr, without the line /usr/bin/time adds. */
  stderr: string;
}

/**
 * Runs `command` (program and arguments) under `/usr/bin/time -f %M`, timed as a whole; throws `<what> failed: <stderr>`
 * unless it exits 0.
 *
 * @param cwd @default the repository root
 */
export function timeProcess(what: string, command: string[], cwd = root): Timed {
  const t = process.hrtime.bigint();
  const p = spawnSync('/usr/bin/time', ['-f', '%M', ...command], { encoding: 'utf8', cwd, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = ms(t);
  if (p.status !== 0) throw new Error(`${what} failed: ${p.stderr}`);
  const lines = p.stderr.trim().split('\n');
  const peakRssMb = Number(lines.pop()) / 1024;
  return { wallMs, peakRssMb, stdout: p.stdout, stderr: lines.join('\n') };
}

/** A child's result as the parent gets it: what the child printed, with its wall clock and peak RSS. */
export type Measured<T> = T & { wallMs: number; peakRssMb: number };

/**
 * Runs `script --child ...args` in a fresh `node --import tsx` under /usr/bin/time, and returns the JSON the child
 * printed (see writeChildResult) with the process's wall clock and peak RSS.
 */
export function runChild<T>(what: string, script: string, args: string[]): Measured<T> {
  const { wallMs, peakRssMb, stdout } = timeProcess(what, [process.execPath, '--import', 'tsx', script, '--child', ...args]);
  return { ...(JSON.parse(stdout) as T), wallMs, peakRssMb };
}

/**
 * Runs a bench when its file is the entry point, and nothing when it is imported: `child` with the arguments after
 * `--child` in a process runChild spawned, else `main`.
 *
 * @param child @default - the bench has no child processes
 */
export function entryPoint(mod: NodeModule, main: () => void, child?: (args: string[]) => void): void {
  if (require.main !== mod) return;
  const at = process.argv.indexOf('--child');
  if (at >= 0 && child) child(process.argv.slice(at + 1));
  else main();
}

/** In a child: prints its result as one JSON line, with its own view of its peak RSS (`maxRssMb`). */
export function writeChildResult(result: object): void {
  process.stdout.write(JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

// --- allframe against a hand-written app -------------------------------------------------------------------------

/**
 * Which process a child is: allframe's whole run (read, validate, synth) from the CLI bundle as bin/allframe runs it,
 * the same from lib/src unbundled (synth-gcp.ts), allframe's synthesis of an already validated model (what a
 * hand-written app does, nothing more; synth-gcp.ts), or the hand-written app.
 */
export type Side = 'allframe' | 'allframe-lib' | 'allframe-synth' | 'hand-written';

/** What a child of synth-aws.ts or synth-gcp.ts prints: one side at one size. */
export interface SideResult {
  side: Side;
  services: number;
  /** Named phases inside the process, in ms. */
  phases: Record<string, number>;
  /** The child's own view of its peak RSS (MB), a cross-check of /usr/bin/time. */
  maxRssMb: number;
}

/** An architecture file: `head`, then `services:` with `n` services numbered 001, 002, ..., each the lines `service` gives. */
export function architectureFile(n: number, head: string[], service: (id: string) => string[]): string {
  const lines = [...head, 'services:'];
  for (let i = 1; i <= n; i++) lines.push(...service(String(i).padStart(3, '0')));
  return lines.join('\n') + '\n';
}

/**
 * The model of an architecture file, validated for `target` without environment variables; throws if it is invalid.
 * `validate` is lib/'s validateSource, loaded by the caller (where its loading is timed).
 */
export function validModel(validate: typeof validateSource, file: string, target: ValidateOptions['target']): NonNullable<ReturnType<typeof validateSource>['model']> {
  const v = validate(file, readFileSync(file), { env: {}, target });
  if (!v.ok || !v.model) throw new Error(`invalid: ${JSON.stringify(v.diagnostics)}`);
  return v.model;
}

/**
 * `runs` measurements of each side at `n` services, interleaved so that a noisy moment on the machine hits all of
 * them; each is reported on stderr as it ends.
 *
 * @param sides @default allframe and hand-written
 */
export function compareSides<T extends SideResult, S extends Side = 'allframe' | 'hand-written'>(
  n: number,
  runs: number,
  measure: (side: S) => Measured<T>,
  sides: readonly S[] = ['allframe', 'hand-written'] as S[],
): Record<S, Measured<T>[]> {
  const got = Object.fromEntries(sides.map((side) => [side, [] as Measured<T>[]])) as Record<S, Measured<T>[]>;
  for (let i = 0; i < runs; i++) {
    for (const side of sides) {
      const r = measure(side);
      got[side].push(r);
      process.stderr.write(`${side} n=${n} run ${i + 1}: ${r.wallMs.toFixed(0)} ms, ${r.peakRssMb.toFixed(0)} MB, phases ${JSON.stringify(Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, Math.round(v)])))}\n`);
    }
  }
  return got;
}

/** Wall clock (ms) and peak RSS (MB) of both sides, one figure each over the runs. */
export interface SideSummary {
  afMs: number;
  hwMs: number;
  afRss: number;
  hwRss: number;
}

/** The median wall clock of each side, and the figure `rss` picks from its runs' peak RSS. */
export function summarize(got: Record<'allframe' | 'hand-written', Measured<SideResult>[]>, rss: (peaks: number[]) => number): SideSummary {
  return {
    afMs: median(got.allframe.map((r) => r.wallMs)),
    hwMs: median(got['hand-written'].map((r) => r.wallMs)),
    afRss: rss(got.allframe.map((r) => r.peakRssMb)),
    hwRss: rss(got['hand-written'].map((r) => r.peakRssMb)),
  };
}

/** The goal both synth benchmarks share: allframe within 1.1 × the hand-written app, in time and in memory. */
export function withinGoal(n: number, { afMs, hwMs, afRss, hwRss }: SideSummary): string {
  return `within 1.1 × the hand-written app at ${n}: ${afMs <= 1.1 * hwMs && afRss <= 1.1 * hwRss ? 'met' : 'MISSED'} (time ${(afMs / hwMs).toFixed(2)}, memory ${(afRss / hwRss).toFixed(2)})`;
}

export interface Comparison {
  /** The bench, its section in RESULTS.md. */
  name: string;
  /** Versions of what was measured, for the title. */
  extras: string[];
  /** Paragraphs before the table. */
  note: string;
  /** Table columns, all right-aligned. */
  columns: string[];
  rows: string[];
  goals: string[];
}

/** Prints a synth comparison's section (title, note, table, goals) and, with `--write`, puts it in RESULTS.md. */
export function publishComparison({ name, extras, note, columns, rows, goals }: Comparison): void {
  const table = [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---:|').join('')}`, ...rows].join('\n');
  const report = `${heading(name, { memory: true, extras })}\n\n${note}\n\n${table}\n\nGoals: ${goals.join('; ')}.\n`;
  process.stdout.write(report);
  writeSection(name, report);
}

// --- bench/RESULTS.md --------------------------------------------------------------------------------------------

const RESULTS = join(root, 'bench', 'RESULTS.md');
const RESULTS_HEAD = '# Benchmark results\n\nNumbers from `bench/` on the project machines (2 cores, 24 GB). Each section holds the latest run of its benchmark.\n';

/**
 * With `--write`, puts `body` in bench/RESULTS.md between two `<!-- <name> -->` lines, in place of what they held, or
 * at the end when they are not there yet (the file is created when missing).
 */
export function writeSection(name: string, body: string): void {
  if (!process.argv.includes('--write')) return;
  const old = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : RESULTS_HEAD;
  const marker = `<!-- ${name} -->`;
  const section = `${marker}\n${body}${marker}`;
  writeFileSync(RESULTS, old.includes(marker) ? old.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), () => section) : `${old}\n${section}\n`);
}
