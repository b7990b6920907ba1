/**
 * Fly synth benchmark: `allframe synth --target fly` of generated architectures of 1, 10 and 100 services
 * (bench/generate.ts, fly flavour: NATS JetStream, PostgreSQL, the archetypes in turn), timed as whole processes
 * from the compiled build (bin/allframe, which runs the CLI bundle lib/allframe.cjs) with their peak RSS from
 * /usr/bin/time:
 * - into an empty directory, every file written (the goal: under 2 s at 100 services), as `allframe synth` writes
 *   them: staged on a second thread while the main one renders, made durable with syncfs, renamed into place;
 * - with `--dry-run` into an empty directory: everything but the writing.
 * Beside them, in a fresh process per run, the same synthesis phase by phase from lib/src (unbundled), to show where
 * the time goes and the Fly target's own share: loading, validating, rendering the workspace (the skeletons),
 * compiling the vendored fly.toml schema (ajv, once a process), the Fly target (every fly.toml built and checked, the
 * bus app, deploy.sh), planning, writing (applyPlan after the rendering, with no second thread: the writing's whole
 * cost), and for comparison the same bytes written plainly (no fsync) and written and fsynced file by file (no
 * staging, renames or manifest). The child checks that its phases give exactly the files
 * `synthesize` gives, and the parent that the whole run wrote that many.
 *
 *   npm run compile && npx tsx bench/synth-fly.ts [--write] [--sizes 1,10,100] [--runs 3]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateArchitecture } from './generate';
import { cliBundleFile, entryPoint, heading, lib, libMissing, measuredCommit, median, ms, root, runChild, sizesAndRuns, timeProcess, validModel, writeChildResult, writeSection } from './harness';
import type { Measured, Timed } from './harness';
import type { OutputFile } from '../src/model/output-file';

const bin = join(root, 'bin', 'allframe');

/** The phases of one in-process run, in the order they run (ms). */
const PHASES = ['start', 'load', 'validate', 'skeletons', 'schema', 'target', 'plan', 'write'] as const;
type Phase = (typeof PHASES)[number];

interface ChildResult {
  services: number;
  /** Files synthesized: the workspace's and the Fly target's. */
  files: number;
  /** Of which the Fly target's (fly.toml per app, the bus app's files, deploy.sh). */
  targetFiles: number;
  /** Fly apps: one per service, and the bus's. */
  apps: number;
  phases: Record<Phase, number>;
  /** The same files written with plain writes, no fsync (ms): what the disk's durability costs, by difference. */
  plainWriteMs: number;
  /**
   * The same files, each written and fsynced, 8 at a time, into one directory: no renames, no directories fsynced,
   * no manifest (ms). What durable writes cost file by file (applyPlan's way where syncfs is not available).
   */
  fsyncAloneMs: number;
  maxRssMb: number;
}

/* eslint-disable @typescript-eslint/no-require-imports -- lib/ is loaded when timed, and only in the child */
/** One in-process run at `n` services, phase by phase, from lib/src; `file` is the architecture file. */
async function child(n: number, file: string): Promise<void> {
  const start = process.uptime() * 1000;
  const phases: Partial<Record<Phase, number>> = { start };
  const timed = <T>(phase: Phase, f: () => T): T => {
    const t = process.hrtime.bigint();
    const r = f();
    phases[phase] = ms(t);
    return r;
  };
  const m = timed('load', () => ({
    ...(require(join(lib, 'validate', 'index.js')) as typeof import('../src/validate')),
    ...(require(join(lib, 'skeletons', 'index.js')) as typeof import('../src/skeletons')),
    ...(require(join(lib, 'targets', 'fly', 'synth.js')) as typeof import('../src/targets/fly/synth')),
    ...(require(join(lib, 'targets', 'fly', 'checks.js')) as typeof import('../src/targets/fly/checks')),
    ...(require(join(lib, 'dev', 'compose.js')) as typeof import('../src/dev/compose')),
    ...(require(join(lib, 'emit', 'index.js')) as typeof import('../src/emit')),
  }));
  const model = timed('validate', () => validModel(m.validateSource, file, 'fly'));
  const sourceFile = 'architecture.yaml';
  const skeletons = timed('skeletons', () => m.renderRepository(model, { sourceFile }));
  // The first check of a fly.toml loads ajv and compiles the schema (src/targets/fly/checks.ts): timed on its own.
  timed('schema', () => m.checkFlyToml({}, 'warm-up'));
  const fly = timed('target', () => m.synthFly(model));
  if (fly.problems.length > 0) throw new Error(`problems: ${JSON.stringify(fly.problems)}`);
  const compose = m.renderCompose(model, fly.files, sourceFile);
  const outputs = [...skeletons, ...fly.files, ...(compose !== undefined ? [compose] : [])];
  const out = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-fly-child-'));
  const plainOut = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-fly-plain-'));
  try {
    copyFileSync(file, join(out, sourceFile));
    const plan = timed('plan', () => m.planOutput(out, outputs));
    const tw = process.hrtime.bigint();
    await m.applyPlan(plan);
    phases.write = ms(tw);
    let t = process.hrtime.bigint();
    writePlainly(plainOut, outputs);
    const plainWriteMs = ms(t);
    rmSync(plainOut, { recursive: true, force: true });
    t = process.hrtime.bigint();
    await fsyncAlone(plainOut, outputs);
    const fsyncAloneMs = ms(t);
    // The phases are what the library's synthesize does: the same files, byte for byte.
    const whole = (require(join(lib, 'synth', 'index.js')) as typeof import('../src/synth')).synthesize(model, { sourceFile });
    if (!whole.ok || JSON.stringify(whole.outputs) !== JSON.stringify(outputs)) throw new Error('the phases give other files than synthesize(model): update the bench');
    const result: Omit<ChildResult, 'maxRssMb'> = { services: n, files: outputs.length, targetFiles: fly.files.length, apps: fly.apps.length, phases: phases as Record<Phase, number>, plainWriteMs, fsyncAloneMs };
    writeChildResult(result);
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(plainOut, { recursive: true, force: true });
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Every file under `dir` with plain writes: no staging, no fsync, no manifest. */
function writePlainly(dir: string, outputs: readonly OutputFile[]): void {
  for (const f of outputs) {
    const abs = join(dir, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.content);
  }
}

/** Every file under `dir` (flat: no directories to make), written and fsynced, 8 at a time as src/emit/apply.ts does without syncfs. */
async function fsyncAlone(dir: string, outputs: readonly OutputFile[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < outputs.length) {
      const i = next++;
      const handle = await open(join(dir, `${i}.tmp`), 'w');
      try {
        await handle.writeFile(outputs[i]!.content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** `allframe synth --target fly` (with `extra` flags) of `file` as a whole process, in an empty directory of its own. */
function wholeRun(file: string, extra: string[]): Timed {
  const out = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-fly-'));
  try {
    copyFileSync(file, join(out, 'architecture.yaml'));
    return timeProcess('allframe synth --target fly', [process.execPath, bin, 'synth', '--target', 'fly', ...extra, 'architecture.yaml'], out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The number in `<number> <word>` of a process's stderr (`1968 created`, `1968 changes`); throws when missing. */
function counted(r: Timed, word: string): number {
  const m = new RegExp(`(\\d+) ${word}`).exec(r.stderr);
  if (m === null) throw new Error(`no "${word}" in: ${r.stderr}`);
  return Number(m[1]);
}

/** What a CPU profile of the whole run shows, by function of the bundle (names are kept in it), and what each is. */
const PROFILED: readonly (readonly [fn: string, what: string])[] = [
  ['requireWithCodeCache', 'loading the CLI bundle'],
  ['validateFile', 'reading and validating the file'],
  ['renderRepository', 'the skeletons (the workspace)'],
  ['synthFly', 'the Fly target'],
  ['flyTomlValidator', 'of which loading ajv and compiling the fly.toml schema'],
  ['planOutput', 'planning (comparing with the disk)'],
  ['applyPlan', 'writing, on the main thread (renames, directories, the manifest)'],
  ['offer', 'handing the files to the second thread that stages them (EarlyStager)'],
  ['(idle)', 'the main thread idle: waiting for the second thread and the disk'],
  ['(garbage collector)', 'garbage collection'],
];

/** A `.cpuprofile` as V8 writes it (the fields read here). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * One whole run into an empty directory under `node --cpu-prof`: the profile's total (ms) and the time (ms) with each
 * function of PROFILED on the stack (inclusive: its callees count).
 */
function profiledRun(file: string): { totalMs: number; byFunction: Record<string, number> } {
  const out = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-fly-'));
  const profDir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-fly-prof-'));
  try {
    copyFileSync(file, join(out, 'architecture.yaml'));
    timeProcess('allframe synth --target fly (profiled)', [process.execPath, '--cpu-prof', '--cpu-prof-dir', profDir, bin, 'synth', '--target', 'fly', 'architecture.yaml'], out);
    const profile = JSON.parse(readFileSync(join(profDir, readdirSync(profDir)[0]!), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
    const wanted = new Set(PROFILED.map(([fn]) => fn));
    const byFunction: Record<string, number> = Object.fromEntries(PROFILED.map(([fn]) => [fn, 0]));
    let totalUs = 0;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      totalUs += us;
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const fn = byId.get(at)!.callFrame.functionName;
        if (wanted.has(fn) && !seen.has(fn)) {
          seen.add(fn);
          byFunction[fn]! += us / 1000;
        }
      }
    });
    return { totalMs: totalUs / 1000, byFunction };
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(profDir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => (x < 1000 ? `${x.toFixed(0)} ms` : `${(x / 1000).toFixed(2)} s`);

function mainBench(): void {
  if (libMissing(join(lib, 'targets', 'fly', 'synth.js'), 'lib/ is missing the Fly target') || libMissing(cliBundleFile, 'lib/allframe.cjs is missing')) return;
  const { sizes, runs } = sizesAndRuns();
  // writing is disk-bound: the machine's load (other jobs on it) is part of the record
  const loadBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-fly-'));
  const wholeRows: string[] = [];
  const phaseRows: string[] = [];
  const goals: string[] = [];
  let profile = '';
  try {
    for (const n of sizes) {
      const file = join(dir, `architecture-${n}.yaml`);
      writeFileSync(file, generateArchitecture(n, 'fly'));
      const written: Timed[] = [];
      const dry: Timed[] = [];
      const parts: Measured<ChildResult>[] = [];
      // interleaved, so that a noisy moment on the machine hits all three
      for (let i = 0; i < runs; i++) {
        const w = wholeRun(file, []);
        const d = wholeRun(file, ['--dry-run']);
        const c = runChild<ChildResult>(`phases ${n}`, __filename, [String(n), file]);
        if (counted(w, 'created') !== c.files || counted(d, 'changes') !== c.files) throw new Error(`n=${n}: the whole run made other files than the phases: ${w.stderr} / ${d.stderr}; ${c.files} files`);
        written.push(w);
        dry.push(d);
        parts.push(c);
        process.stderr.write(`n=${n} run ${i + 1}: written ${w.wallMs.toFixed(0)} ms ${w.peakRssMb.toFixed(0)} MB, dry run ${d.wallMs.toFixed(0)} ms, phases ${JSON.stringify(Object.fromEntries(Object.entries(c.phases).map(([k, v]) => [k, Math.round(v)])))}, plain writes ${c.plainWriteMs.toFixed(0)} ms, fsync alone ${c.fsyncAloneMs.toFixed(0)} ms\n`);
      }
      const wall = (rs: Timed[]) => rs.map((r) => r.wallMs);
      const peak = (rs: Timed[]) => Math.max(...rs.map((r) => r.peakRssMb));
      const p = (phase: Phase) => median(parts.map((r) => r.phases[phase]));
      const { files, targetFiles, apps } = parts[0]!;
      wholeRows.push(
        `| ${n} | ${files} (${targetFiles} Fly) | ${apps} | **${fmt(median(wall(written)))}** | ${fmt(Math.max(...wall(written)))} | ${peak(written).toFixed(0)} MB | ${fmt(median(wall(dry)))} | ${fmt(Math.max(...wall(dry)))} | ${peak(dry).toFixed(0)} MB |`,
      );
      // the synthesis's own work: every phase but node and tsx starting
      const work = PHASES.filter((x) => x !== 'start').reduce((s, x) => s + p(x), 0);
      const flyShare = p('schema') + p('target');
      phaseRows.push(`| ${n} | ${PHASES.map((x) => fmt(p(x))).join(' | ')} | ${fmt(median(parts.map((r) => r.plainWriteMs)))} | ${fmt(median(parts.map((r) => r.fsyncAloneMs)))} | ${fmt(flyShare)} (${((100 * flyShare) / work).toFixed(0)}%) |`);
      if (n === Math.max(...sizes)) {
        const { totalMs, byFunction } = profiledRun(file);
        const lines = PROFILED.map(([fn, what]) => `| ${what.startsWith('of which') ? '&nbsp;&nbsp;' : ''}${what} | \`${fn}\` | ${fmt(byFunction[fn]!)} | ${((100 * byFunction[fn]!) / totalMs).toFixed(0)}% |`);
        profile = `Where the time of one whole run at ${n} services goes (into an empty directory, under \`node --cpu-prof\`, ${fmt(totalMs)} profiled; time with the function on the stack, callees included; the rest is node starting, the command line and printing):\n\n| what | function | time | share |\n|---|---|---:|---:|\n${lines.join('\n')}\n\n`;
      }
      if (n === 100) {
        const w = median(wall(written));
        const d = median(wall(dry));
        goals.push(
          `100 services under 2 s, whole run into an empty directory: ${w < 2000 ? 'met' : 'MISSED'} (${fmt(w)}); the same run without writing (\`--dry-run\`): ${d < 2000 ? 'met' : 'MISSED'} (${fmt(d)})`,
          `the Fly target's own share at 100 services: ${fmt(flyShare)} (schema compile ${fmt(p('schema'))}, ${apps} fly.toml built and checked ${fmt(p('target'))}), against ${fmt(p('skeletons'))} for the skeletons and ${fmt(p('write'))} for writing ${files} files`,
          `the disk: the same ${files} files written and fsynced one by one take ${fmt(median(parts.map((r) => r.fsyncAloneMs)))}, plainly with no fsync ${fmt(median(parts.map((r) => r.plainWriteMs)))}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const note = [
    `Architectures from bench/generate.ts, fly flavour (\`cloud.primary: fly\`, \`event_bus: nats\`, PostgreSQL): the archetypes in turn (stateless with idempotency, producer, consumer, scheduled, saga orchestrator, BFF, gateway with a secret, event-sourced), each referring to the one before. ${runs} runs of each, interleaved.`,
    '**Whole runs**: `bin/allframe synth --target fly architecture.yaml` as a process (the CLI bundle with its code cache), each in an empty directory of its own: wall clock (median and slowest) and peak RSS (largest, /usr/bin/time). The first writes every file of the workspace and infrastructure/fly/: a second thread stages each file in .allframe/tmp while the main one renders (src/emit/stage.ts), then one syncfs makes them durable, the new directories are renamed into place whole, another syncfs, then the manifest (src/emit/apply.ts); `--dry-run` does everything else and writes nothing.',
    "**Phases** (medians), in a fresh `node --import tsx` process from lib/src, unbundled: start is node and tsx up to the script's first line; load requires the validator, the skeleton renderer, the Fly target and the emitter; validate reads and checks the file; skeletons renders the workspace (root files, platform package, one package per service); schema is the first fly.toml check, which loads ajv and compiles the vendored SchemaStore fly.json (once a process, src/targets/fly/checks.ts); target is synthFly: every fly.toml built and checked (schema and allframe's rules), the NATS app, deploy.sh; plan compares with the disk; write applies the plan as `allframe synth` does, but after the rendering rather than overlapping it (no second thread: all of the writing's cost, which the whole run hides in part). Plain writes is the same files written with writeFileSync and no fsync, and fsync alone the same files each written and fsynced, 8 at a time, into one directory (no staging, renames, directories or manifest: what durable writes cost file by file, as allframe wrote before it used syncfs), for comparison (not part of the run). The Fly target's share is schema + target, and its part of the phases from load to write.",
  ].join('\n\n');
  const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`;
  const report = `${heading('synth-fly', { memory: true, extras: [load, measuredCommit()] })}

${note}

| services | files (of which infrastructure/fly) | Fly apps | whole run, empty directory: median | slowest | peak RSS | \`--dry-run\` (nothing written): median | slowest | peak RSS |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${wholeRows.join('\n')}

| services | ${PHASES.join(' | ')} | plain writes (no fsync) | fsync alone | Fly target's share (schema + target) |
|---:|${PHASES.map(() => '---:|').join('')}---:|---:|---:|
${phaseRows.join('\n')}

${profile}Goals: ${goals.length > 0 ? goals.join('; ') : 'measured at 100 services only (run with --sizes including 100)'}.
`;
  process.stdout.write(report);
  writeSection('synth-fly', report);
}

entryPoint(module, mainBench, (args) => {
  child(Number(args[0]), args[1]!).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
});
