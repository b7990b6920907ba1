/**
 * GCP synth benchmark: allframe's GCP target against a hand-written cdktf app building the same resources
 * (bench/hand-written-gcp.ts), at 1, 10 and 100 services. Each run is a fresh process with the same settings
 * (node --import tsx, one cdktf App with one TerraformStack, validation on, synthesized into a temp dir and read
 * back), timed as a whole (wall clock) with its peak RSS from /usr/bin/time.
 *
 * One service: `type: stateless` on Cloud Run, one entity (its own Firestore database), one published event (its
 * own Pub/Sub topic), no secrets, no callers.
 *
 * Three sides, interleaved in every run:
 * - hand-written: synthHandWrittenGcp(n) from hand-written-gcp.ts;
 * - allframe: the whole run, file in, Terraform out: reading the file, validateSource(target gcp), then the synthesis:
 *   the 1.1 × goal compares this side with the hand-written app (issue 11);
 * - allframe-synth: the synthesis alone, synthesize(model, { skeletons: false }) from lib/ (the library's synth, as
 *   `allframe synth` calls it, less the workspace's files: build, synth, read, policy checks), the model validated by
 *   the parent and handed over as JSON (checked to give byte-identical Terraform), shown beside it to separate the
 *   price of the file from that of the constructs.
 * Before timing, allframe and the hand-written app are synthesized at 3 services and must give the same Terraform
 * JSON, logical ids aside.
 *
 * tsx turns on Node's source maps, and cdktf captures a full stack trace for every token it makes (thousands here),
 * each then mapped frame by frame: `--no-source-maps` turns them off again in every child (as when allframe's CLI
 * runs from lib/ with plain node), to see how much of the time that is.
 *
 *   npm run compile && npx tsx bench/synth-gcp.ts [--write] [--sizes 1,10,100] [--runs 3] [--no-source-maps]
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureFile, cliBundle, compareSides, entryPoint, fmtS, lib, libMissing, median, ms, packageVersion, publishComparison, runChild, sizesAndRuns, summarize, total, validModel, withinGoal, writeChildResult } from './harness';
import type { Measured, SideResult } from './harness';
import type { OutputFile } from '../src/model/output-file';

/** Loaded only where used, so that the allframe process never loads the hand-written app (nor the reverse). */
function handWritten(): typeof import('./hand-written-gcp') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./hand-written-gcp') as typeof import('./hand-written-gcp');
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** allframe's synth of the infrastructure alone: `synthesize` without the workspace's files. */
type SynthesizeGcp = (model: Model, options?: { onStack?: () => void }) => { files: readonly OutputFile[]; resources: Record<string, number>; problems: readonly unknown[] };

/** The infrastructure alone of `synthesize` (from lib/src or from the CLI bundle). */
function infrastructureOnly(synthesize: typeof import('../src/synth').synthesize): SynthesizeGcp {
  return (model, options = {}) => {
    const r = synthesize(model, { skeletons: false, ...(options.onStack !== undefined ? { gcp: { onStack: options.onStack } } : {}) });
    return { files: r.outputs, resources: { ...r.summary.stacks[0]?.resourceTypes }, problems: r.problems };
  };
}

function allframeSynth(): SynthesizeGcp {
  const { synthesize } = require(join(lib, 'synth', 'index.js')) as typeof import('../src/synth');
  // synthesize loads its target on first use; loaded here so that the load phase is timed apart from build
  require(join(lib, 'targets', 'gcp', 'synth.js'));
  return infrastructureOnly(synthesize);
}

function allframe(): { validateSource: typeof import('../src/validate').validateSource; synthesizeGcp: SynthesizeGcp } {
  const { validateSource } = require(join(lib, 'validate', 'index.js')) as typeof import('../src/validate');
  return { validateSource, synthesizeGcp: allframeSynth() };
}

/** The same from the CLI bundle, loaded as bin/allframe loads it (src/cli/bundle.ts). */
function allframeBundled(): { validateSource: typeof import('../src/validate').validateSource; synthesizeGcp: SynthesizeGcp } {
  const bundle = cliBundle();
  bundle.loadTarget('gcp');
  return { validateSource: bundle.validateSource, synthesizeGcp: infrastructureOnly(bundle.synthesize) };
}
/* eslint-enable @typescript-eslint/no-require-imports */

type Model = ReturnType<typeof validModel>;

/** The sides, in the order each run measures them. */
const SIDES = ['allframe', 'allframe-lib', 'allframe-synth', 'hand-written'] as const;
type GcpSide = (typeof SIDES)[number];

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
    `    domain: { entities: [Item${id}] }`,
    '    database: { type: firestore }',
    `    publishes: [Item${id}Created]`,
  ]);
}

/**
 * One measured process: one side, one size. `input` is the architecture file (allframe), the model validated from it
 * as JSON (allframe-synth), or unused (hand-written).
 */
function child(side: GcpSide, n: number, input: string): void {
  const start = process.uptime() * 1000;
  if (process.argv.includes('--no-source-maps')) process.setSourceMapsEnabled(false);
  let result: Omit<ChildResult, 'maxRssMb'>;
  if (side !== 'hand-written') {
    // allframe validates the file, allframe-synth reads the model validated by the parent.
    const whole = side !== 'allframe-synth';
    const t0 = process.hrtime.bigint();
    const { validateSource, synthesizeGcp } = side === 'allframe' ? allframeBundled() : side === 'allframe-lib' ? allframe() : { validateSource: undefined, synthesizeGcp: allframeSynth() };
    const loadMs = ms(t0);
    const t1 = process.hrtime.bigint();
    const model = validateSource !== undefined ? validModel(validateSource, input, 'gcp') : (JSON.parse(readFileSync(input, 'utf8')) as Model);
    const modelMs = ms(t1);
    const t2 = process.hrtime.bigint();
    let buildMs = NaN;
    // onStack runs once the architecture is built, before app.synth(): it splits the synth in two, adding nothing.
    const r = synthesizeGcp(model, { onStack: () => void (buildMs = ms(t2)) });
    if (r.problems.length > 0) throw new Error(`problems: ${JSON.stringify(r.problems)}`);
    const synthMs = ms(t2);
    result = { side, services: n, resources: { ...r.resources }, phases: { start, load: loadMs, [whole ? 'validate' : 'read']: modelMs, build: buildMs, emit: synthMs - buildMs } };
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
  const { validateSource, synthesizeGcp } = allframe();
  const model = validModel(validateSource, file, 'gcp');
  const r = synthesizeGcp(model);
  if (r.problems.length > 0) throw new Error(`problems: ${JSON.stringify(r.problems)}`);
  // allframe-synth gets the model as JSON: it must synthesize exactly what the model itself does.
  if (synthesizeGcp(JSON.parse(JSON.stringify(model)) as Model).files[0]?.content !== r.files[0]!.content) {
    throw new Error('the model read back from JSON synthesizes other Terraform than the model itself');
  }
  // The CLI bundle validates and synthesizes exactly what lib/src does.
  const bundled = allframeBundled();
  const bundledModel = validModel(bundled.validateSource, file, 'gcp');
  if (!isDeepStrictEqual(bundledModel, model) || bundled.synthesizeGcp(bundledModel).files[0]?.content !== r.files[0]!.content) {
    throw new Error('the CLI bundle (lib/allframe.cjs) gives another model or other Terraform than lib/src: rebuild it (npm run compile)');
  }
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
  const synthRatios: string[] = [];
  const libRatios: string[] = [];
  try {
    // The two apps must build the same infrastructure; checked here, outside the timed processes.
    checkSameTerraform(3, dir);
    const { validateSource } = allframe();
    for (const n of sizes) {
      const file = join(dir, `architecture-${n}.yaml`);
      writeFileSync(file, generateGcpArchitecture(n));
      // allframe-synth starts from the model of the same file, validated here, outside the timed processes.
      const modelFile = join(dir, `model-${n}.json`);
      writeFileSync(modelFile, JSON.stringify(validModel(validateSource, file, 'gcp')));
      const got = compareSides(
        n,
        runs,
        (side) => runChild<ChildResult>(`${side} ${n}`, __filename, [side, String(n), side === 'allframe-synth' ? modelFile : file, ...(sourceMaps ? [] : ['--no-source-maps'])]),
        SIDES,
      );
      const hw = got['hand-written'];
      const all = Object.values(got).flat();
      for (const r of all) {
        if (!isDeepStrictEqual(sortKeys(r.resources), sortKeys(hw[0]!.resources))) {
          throw new Error(`n=${n}: resources differ: hand-written ${JSON.stringify(sortKeys(hw[0]!.resources))}, ${r.side} ${JSON.stringify(sortKeys(r.resources))}`);
        }
      }
      // Memory: the median peak of the runs.
      const synth = summarize({ allframe: got['allframe-synth'], 'hand-written': hw }, median);
      const whole = summarize({ allframe: got.allframe, 'hand-written': hw }, median);
      const unbundled = summarize({ allframe: got['allframe-lib'], 'hand-written': hw }, median);
      const ratio = (x: number, y: number) => (x / y).toFixed(2);
      rows.push(
        [
          n,
          fmtS(whole.hwMs, 2),
          fmtS(whole.afMs, 2),
          `**${ratio(whole.afMs, whole.hwMs)}**`,
          fmtS(unbundled.afMs, 2),
          ratio(unbundled.afMs, unbundled.hwMs),
          fmtS(synth.afMs, 2),
          ratio(synth.afMs, synth.hwMs),
          `${whole.hwRss.toFixed(0)} / ${whole.afRss.toFixed(0)} / ${unbundled.afRss.toFixed(0)} / ${synth.afRss.toFixed(0)} MB`,
          `**${ratio(whole.afRss, whole.hwRss)}**`,
          ratio(unbundled.afRss, unbundled.hwRss),
          ratio(synth.afRss, synth.hwRss),
          `${total(hw[0]!.resources)}`,
          ['start', 'load', 'build', 'synth', 'read'].map((p) => phase(hw, p)).join(' + '),
          ['start', 'load', 'validate', 'build', 'emit'].map((p) => phase(got.allframe, p)).join(' + '),
          ['start', 'load', 'validate', 'build', 'emit'].map((p) => phase(got['allframe-lib'], p)).join(' + '),
          ['start', 'load', 'read', 'build', 'emit'].map((p) => phase(got['allframe-synth'], p)).join(' + '),
        ].join(' | ').replace(/^/, '| ') + ' |',
      );
      goals.push(`whole run ${withinGoal(n, whole)}`);
      if (n === 100) goals.push(`100 services under 5 s and 512 MB, whole process: ${whole.afMs < 5000 && whole.afRss < 512 ? 'met' : 'MISSED'} (${fmtS(whole.afMs, 2)}, ${whole.afRss.toFixed(0)} MB)`);
      libRatios.push(`${n}: time ${ratio(unbundled.afMs, unbundled.hwMs)}, memory ${ratio(unbundled.afRss, unbundled.hwRss)}`);
      synthRatios.push(`${n}: time ${ratio(synth.afMs, synth.hwMs)}, memory ${ratio(synth.afRss, synth.hwRss)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  goals.push(`breakdowns, not the goal: the whole run from lib/src, unbundled, against the hand-written app: ${libRatios.join('; ')}; the synthesis alone: ${synthRatios.join('; ')}`);
  const note = [
    'One service is `type: stateless` on Cloud Run, one entity (its own Firestore database), one published event (its own Pub/Sub topic), no secrets or callers: 8 resources (service account, Cloud Run v2 service, Firestore database, conditional `roles/datastore.user`, topic, publisher grant, 5xx-ratio and p99-latency alert policies) and an output; the stack adds the Artifact Registry repository, the `image_tag` variable and the project data source.',
    `The hand-written app (bench/hand-written-gcp.ts) builds the same with plain cdktf and provider resources imported by path; before timing, both are synthesized at 3 services and give the same Terraform JSON, logical ids aside (and the CLI bundle gives the same model and byte-identical Terraform as lib/src). Four processes are measured, fresh each time (\`node --import tsx\`, ${runs} runs each, interleaved):`,
    [
      '- **hand-written**: load cdktf and the provider resources, build the stack, app.synth() into a temp dir, read the JSON back.',
      "- **allframe whole**: what `allframe synth --target gcp` does for the infrastructure, file in, Terraform out, as bin/allframe runs it: load the CLI bundle `lib/allframe.cjs` with its V8 code cache (allframe, cdktf and the provider resources in one file; src/cli/bundle.ts), read the YAML file, validate it (schema, references, target checks), then the synthesis below. The 1.1 × goal compares this with the hand-written app.",
      "- **whole, lib/src**: the same from allframe's compiled modules, unbundled (`ALLFRAME_NO_BUNDLE=1`), loading cdktf and the provider from node_modules as the hand-written app does: a breakdown, showing what the bundle saves.",
      "- **allframe synth**: the synthesis alone: load allframe's GCP target (cdktf, the provider resources it uses, allframe's constructs), take the model of the architecture (validated beforehand, handed over as JSON; checked to synthesize byte-identical Terraform), build, app.synth(), read back, allframe's policy checks. Shown to separate the price of the file (reading and validating it) from that of the constructs.",
    ].join('\n'),
    'Times are wall clock of the whole process, memory the peak RSS of the process (/usr/bin/time), both the median of the runs. Phases (medians): start is node and tsx up to the script\'s first line, load is requiring the modules, read is reading the model (allframe synth) or the synthesized JSON (hand-written), emit is app.synth(), reading the JSON back and the policy checks.',
    "Where the phases differ: allframe's build takes longer, as its constructs wrap the provider resources: about 400 more construct nodes at 100 services, and although it makes fewer cdktf tokens than the hand-written app (6,237 against 6,733 at 100 services: each resource attribute is read once), cdktf captures a full stack trace for every token and allframe's are deeper (22.6 frames a token against 18.0); its emit is shorter, as a GcpStack alone in its App skips cdktf's second resolution of every element before synthesis, which only looks for references between stacks (src/targets/gcp/stack.ts; the hand-written app runs it, as cdktf does by default). The whole run adds reading and validating the file (validate), and loading the validator (load); a valid file is read by js-yaml, and the full YAML parser (`yaml`, which keeps positions) loads only when a diagnostic needs a location (src/parse/yaml-fast.ts). The bundle wins on load: one file instead of some 500 modules to resolve, read and compile, most of its compiled code from V8's code cache made at build time, and its source minified (white space and syntax, names kept), which also takes memory.",
    sourceMaps
      ? "Source maps are on in all processes, as tsx sets them: cdktf's stack trace for every token it makes is then mapped frame by frame, which weighs on build (`--no-source-maps` measures without)."
      : 'Source maps are off in all processes (`--no-source-maps`), as when the CLI runs from lib/ with plain node.',
  ].join('\n\n');
  const columns = [
    'services',
    'hand-written',
    'allframe whole',
    'time ratio',
    'whole, lib/src',
    'lib/src / hand-written',
    'allframe synth',
    'synth / hand-written',
    'peak RSS: hand-written / whole / lib/src / synth',
    'RSS ratio',
    'lib/src RSS / hand-written',
    'synth RSS / hand-written',
    'resources',
    'hand-written: start + load + build + synth + read',
    'allframe whole: start + load + validate + build + emit',
    'whole, lib/src: start + load + validate + build + emit',
    'allframe synth: start + load + read + build + emit',
  ];
  const extras = [`cdktf ${packageVersion('cdktf')}`, `@cdktf/provider-google ${packageVersion('@cdktf/provider-google')}`, ...(sourceMaps ? [] : ['source maps off'])];
  publishComparison({ name: 'synth-gcp', extras, note, columns, rows, goals });
}

entryPoint(module, mainBench, (args) => child(args[0] as GcpSide, Number(args[1]), args[2]!));
