/**
 * GCP synth benchmark: allframe's GCP target against a hand-written cdktf app building the same resources
 * (bench/hand-written-gcp.ts), at 1, 10 and 100 services. Each run is a fresh process with the same settings
 * (node --import tsx, one cdktf App with one TerraformStack, validation on, synthesized into a temp dir and read
 * back), timed as a whole (wall clock) with its peak RSS from /usr/bin/time.
 *
 * One service: `type: stateless` on Cloud Run, one entity (its own Firestore database), one published event (its
 * own Pub/Sub topic), no secrets, no callers.
 *
 * allframe side: read the file, validateSource(target gcp), synthGcpTarget(model) (build, synth, read, policy checks),
 * from lib/. hand-written side: synthHandWrittenGcp(n) from hand-written-gcp.ts. Before timing, both are synthesized
 * at 3 services and must give the same Terraform JSON, logical ids aside.
 *
 * tsx turns on Node's source maps, and cdktf captures a full stack trace for every token it makes (thousands here),
 * each then mapped frame by frame: `--no-source-maps` turns them off again in both children (as when allframe's CLI
 * runs from lib/ with plain node), to see how much of the time that is.
 *
 *   npm run compile && npx tsx bench/synth-gcp.ts [--write] [--sizes 1,10,100] [--runs 3] [--no-source-maps]
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureFile, compareSides, entryPoint, fmtS, lib, libMissing, median, ms, packageVersion, publishComparison, runChild, sizesAndRuns, summarize, total, validModel, withinGoal, writeChildResult } from './harness';
import type { Measured, Side, SideResult } from './harness';

/** Loaded only where used, so that the allframe process never loads the hand-written app (nor the reverse). */
function handWritten(): typeof import('./hand-written-gcp') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./hand-written-gcp') as typeof import('./hand-written-gcp');
}

function allframe(): { validateSource: typeof import('../src/validate').validateSource; synthGcpTarget: typeof import('../src/targets/gcp/synth').synthGcpTarget } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { validateSource } = require(join(lib, 'validate', 'index.js')) as typeof import('../src/validate');
  const { synthGcpTarget } = require(join(lib, 'targets', 'gcp', 'synth.js')) as typeof import('../src/targets/gcp/synth');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { validateSource, synthGcpTarget };
}

/** Phases include `start`: node and tsx up to the first line of this script. */
interface ChildResult extends SideResult {
  /** Resources by Terraform type. */
  resources: Record<string, number>;
}

/** The architecture file: `n` stateless Cloud Run services, each with one Firestore entity and one event. */
export function generateGcpArchitecture(n: number): string {
  const head = [
    'architecture: { name: bench-gcp, version: 1.0.0 }',
    'settings: { event_bus: pubsub, default_database: firestore }',
    'cloud: { primary: gcp, gcp: { project_id: bench-gcp-dev, region: europe-west1, state_bucket: bench-gcp-tfstate } }',
  ];
  return architectureFile(n, head, (id) => [
    `  - name: svc-${id}`,
    '    type: stateless',
    `    domain: { entities: [Item${id}], events: [Item${id}Created] }`,
    '    database: { type: firestore }',
    `    publishes: [Item${id}Created]`,
  ]);
}

/** One measured process: one side, one size. */
function child(side: Side, n: number, file: string): void {
  const start = process.uptime() * 1000;
  if (process.argv.includes('--no-source-maps')) process.setSourceMapsEnabled(false);
  let result: Omit<ChildResult, 'maxRssMb'>;
  if (side === 'allframe') {
    const t0 = process.hrtime.bigint();
    const { validateSource, synthGcpTarget } = allframe();
    const loadMs = ms(t0);
    const t1 = process.hrtime.bigint();
    const model = validModel(validateSource, file, 'gcp');
    const validateMs = ms(t1);
    const t2 = process.hrtime.bigint();
    let buildMs = NaN;
    // onStack runs once the architecture is built, before app.synth(): it splits the synth in two, adding nothing.
    const r = synthGcpTarget(model, { onStack: () => void (buildMs = ms(t2)) });
    if (r.problems.length > 0) throw new Error(`problems: ${JSON.stringify(r.problems)}`);
    const synthMs = ms(t2);
    result = { side, services: n, resources: { ...r.resources }, phases: { start, load: loadMs, validate: validateMs, build: buildMs, emit: synthMs - buildMs } };
  } else {
    const t0 = process.hrtime.bigint();
    const { synthHandWrittenGcp } = handWritten();
    const loadMs = ms(t0);
    const outdir = mkdtempSync(join(tmpdir(), 'hand-written-tf-'));
    try {
      const r = synthHandWrittenGcp(n, outdir);
      result = { side, services: n, resources: r.resources, phases: { start, load: loadMs, build: r.buildMs, synth: r.synthMs, read: r.readMs } };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  writeChildResult(result);
}

// --- The same Terraform JSON, logical ids aside ---------------------------------------------------------------------

type Json = Record<string, unknown>;
/** A reference: `${type.id...` in an expression, or a bare `"type.id"` (depends_on). */
const REF = /\$\{(data\.)?([A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)|"(data\.)?(google_[A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)"/g;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== '//')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => [k, sortKeys(x)]),
  );
}

/**
 * Terraform JSON with every resource and data source named for its content instead of its logical id: a block's
 * name is a hash of its type and body, references in the body replaced by the names of what they refer to, refined
 * a few rounds so that references carry their targets' content. Two stacks that differ only in logical ids give
 * the same result; cdktf's "//" metadata is dropped.
 */
export function canonicalTerraform(tf: Json): Json {
  const { resource = {}, data = {}, output = {}, '//': _meta, ...rest } = tf as { resource?: Json; data?: Json; output?: Json; '//'?: unknown };
  void _meta;
  const blocks: { address: string; type: string; body: string }[] = [];
  for (const [prefix, section] of [['', resource], ['data.', data]] as const) {
    for (const [type, byId] of Object.entries(section as Record<string, Json>)) {
      for (const [id, body] of Object.entries(byId)) blocks.push({ address: `${prefix}${type}.${id}`, type: `${prefix}${type}`, body: JSON.stringify(sortKeys(body)) });
    }
  }
  let name = new Map(blocks.map((b) => [b.address, b.type]));
  const relabel = (text: string) =>
    text.replace(REF, (m, d: string | undefined, type: string | undefined, id: string | undefined, bd: string | undefined, btype: string | undefined, bid: string | undefined) => {
      const bare = type === undefined;
      const to = name.get(bare ? `${bd ?? ''}${btype!}.${bid!}` : `${d ?? ''}${type}.${id!}`);
      return to === undefined ? m : bare ? `"${to}"` : `\${${to}`;
    });
  for (let round = 0; round < 4; round++) {
    name = new Map(blocks.map((b) => [b.address, `${b.type}#${createHash('sha256').update(`${b.type}\0${relabel(b.body)}`).digest('hex').slice(0, 12)}`]));
  }
  return {
    ...(sortKeys(rest) as Json),
    blocks: blocks.map((b) => [name.get(b.address)!, JSON.parse(relabel(b.body)) as unknown] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    output: JSON.parse(relabel(JSON.stringify(sortKeys(output)))) as unknown,
  };
}

/** Throws, naming what differs, unless allframe and the hand-written app synthesize the same JSON for `n` services. */
function checkSameTerraform(n: number, dir: string): void {
  const file = join(dir, `architecture-check-${n}.yaml`);
  writeFileSync(file, generateGcpArchitecture(n));
  const { validateSource, synthGcpTarget } = allframe();
  const r = synthGcpTarget(validModel(validateSource, file, 'gcp'));
  if (r.problems.length > 0) throw new Error(`problems: ${JSON.stringify(r.problems)}`);
  const af = canonicalTerraform(JSON.parse(r.files[0]!.content) as Json);
  const outdir = mkdtempSync(join(dir, 'hand-written-tf-'));
  const hw = canonicalTerraform(handWritten().synthHandWrittenGcp(n, outdir).tf);
  if (isDeepStrictEqual(af, hw)) return;
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(af), ...Object.keys(hw)])) {
    if (key === 'blocks') continue;
    if (!isDeepStrictEqual(af[key], hw[key])) lines.push(`${key}: allframe ${JSON.stringify(af[key])}\n  hand-written ${JSON.stringify(hw[key])}`);
  }
  const blocks = (t: Json) => new Map((t.blocks as [string, unknown][]).map(([k, b]) => [k, JSON.stringify(b)]));
  const [a, h] = [blocks(af), blocks(hw)];
  for (const [k, b] of a) if (!h.has(k)) lines.push(`only allframe: ${k.split('#')[0]} ${b}`);
  for (const [k, b] of h) if (!a.has(k)) lines.push(`only hand-written: ${k.split('#')[0]} ${b}`);
  throw new Error(`hand-written-gcp.ts no longer builds what allframe builds for ${n} services; update it:\n${lines.slice(0, 12).join('\n')}`);
}

// --- The benchmark ----------------------------------------------------------------------------------------------

/** Median of a phase over runs, in ms or s. */
function phase(runs: Measured<ChildResult>[], name: string): string {
  const x = median(runs.map((r) => r.phases[name]!));
  return x < 1000 ? `${x.toFixed(0)} ms` : fmtS(x, 2);
}

function mainBench(): void {
  if (libMissing(join(lib, 'targets', 'gcp', 'synth.js'), 'lib/ is missing the GCP target')) return;
  const { sizes, runs } = sizesAndRuns();
  const sourceMaps = !process.argv.includes('--no-source-maps');
  const dir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-gcp-'));
  const rows: string[] = [];
  const goals: string[] = [];
  try {
    // The two apps must build the same infrastructure; checked here, outside the timed processes.
    checkSameTerraform(3, dir);
    for (const n of sizes) {
      const file = join(dir, `architecture-${n}.yaml`);
      writeFileSync(file, generateGcpArchitecture(n));
      const got = compareSides(n, runs, (side) => runChild<ChildResult>(`${side} ${n}`, __filename, [side, String(n), file, ...(sourceMaps ? [] : ['--no-source-maps'])]));
      const af = got.allframe;
      const hw = got['hand-written'];
      for (const r of [...af, ...hw]) {
        if (!isDeepStrictEqual(sortKeys(r.resources), sortKeys(af[0]!.resources))) {
          throw new Error(`n=${n}: resources differ: allframe ${JSON.stringify(sortKeys(af[0]!.resources))}, ${r.side} ${JSON.stringify(sortKeys(r.resources))}`);
        }
      }
      // Memory: the median peak of the runs.
      const summary = summarize(got, median);
      const { afMs, hwMs, afRss, hwRss } = summary;
      rows.push(
        `| ${n} | ${fmtS(afMs, 2)} | ${fmtS(hwMs, 2)} | **${(afMs / hwMs).toFixed(2)}** | ${afRss.toFixed(0)} MB | ${hwRss.toFixed(0)} MB | **${(afRss / hwRss).toFixed(2)}** | ${total(af[0]!.resources)} / ${total(hw[0]!.resources)} | ${['start', 'load', 'validate', 'build', 'emit'].map((p) => phase(af, p)).join(' + ')} | ${['start', 'load', 'build', 'synth', 'read'].map((p) => phase(hw, p)).join(' + ')} |`,
      );
      goals.push(withinGoal(n, summary));
      if (n === 100) goals.push(`100 services under 5 s and 512 MB: ${afMs < 5000 && afRss < 512 ? 'met' : 'MISSED'} (${fmtS(afMs, 2)}, ${afRss.toFixed(0)} MB)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const note = [
    'One service is `type: stateless` on Cloud Run, one entity (its own Firestore database), one published event (its own Pub/Sub topic), no secrets or callers: 8 resources (service account, Cloud Run v2 service, Firestore database, conditional `roles/datastore.user`, topic, publisher grant, 5xx-ratio and p99-latency alert policies) and an output; the stack adds the Artifact Registry repository, the `image_tag` variable and the project data source.',
    `The hand-written app (bench/hand-written-gcp.ts) builds the same with plain cdktf and provider resources imported by path; before timing, both are synthesized at 3 services and give the same Terraform JSON, logical ids aside. Both run as fresh processes (\`node --import tsx\`, ${runs} runs each, interleaved), each one App and one TerraformStack synthesized into a temp dir and read back. Times are wall clock of the whole process, memory the peak RSS of the process (/usr/bin/time), both the median of the runs. The allframe process includes reading and validating the file and the policy checks. Phases (medians): start is node and tsx up to the script's first line, load is requiring the modules (cdktf and the provider resources), emit is app.synth(), reading the JSON back and the policy checks.`,
    sourceMaps
      ? "Source maps are on in both processes, as tsx sets them: cdktf's stack trace for every token it makes is then mapped frame by frame, which weighs on build (`--no-source-maps` measures without)."
      : 'Source maps are off in both processes (`--no-source-maps`), as when the CLI runs from lib/ with plain node.',
  ].join('\n\n');
  const columns = ['services', 'allframe', 'hand-written', 'time ratio', 'allframe peak RSS', 'hand-written peak RSS', 'RSS ratio', 'resources: allframe / hand-written', 'allframe: start + load + validate + build + emit', 'hand-written: start + load + build + synth + read'];
  const extras = [`cdktf ${packageVersion('cdktf')}`, `@cdktf/provider-google ${packageVersion('@cdktf/provider-google')}`, ...(sourceMaps ? [] : ['source maps off'])];
  publishComparison({ name: 'synth-gcp', extras, note, columns, rows, goals });
}

entryPoint(module, mainBench, (args) => child(args[0] as Side, Number(args[1]), args[2]!));
