/**
 * AWS synth benchmark: allframe against a hand-written aws-cdk-lib app building the same resources
 * (bench/hand-written-aws.ts), at 1, 10 and 100 services. Each run is a fresh process with the same settings
 * (node --import tsx, same App context, built-in CloudFormation validation on, custom-hash code assets so nothing
 * is bundled), timed as a whole (wall clock) with its peak RSS from /usr/bin/time.
 *
 * One service: `type: stateless`, `compute: lambda`, one entity (one DynamoDB table), one published event (one SNS
 * topic in the shared stack), no idempotency table, no secrets, no callers.
 *
 * allframe side: read the file, validateSource(target aws), synthAws(model, { validation: true }), from lib/.
 * hand-written side: synthHandWritten(n) from hand-written-aws.ts.
 *
 *   npm run compile && npx tsx bench/synth-aws.ts [--write] [--sizes 1,10,100] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const lib = join(root, 'lib', 'src');

/** Loaded only where used, so that the allframe process never loads the hand-written app (nor the reverse). */
function handWritten(): typeof import('./hand-written-aws') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./hand-written-aws') as typeof import('./hand-written-aws');
}

type Side = 'allframe' | 'hand-written';

interface ChildResult {
  side: Side;
  services: number;
  /** Resources per stack. */
  stacks: Record<string, number>;
  /** Named phases inside the process, in ms. */
  phases: Record<string, number>;
  /** The child's own view of its peak RSS (MB), a cross-check of /usr/bin/time. */
  maxRssMb: number;
}

interface Run extends ChildResult {
  wallMs: number;
  peakRssMb: number;
}

/** The architecture file: `n` stateless Lambda services, each with one DynamoDB entity table and one event. */
export function generateAwsArchitecture(n: number): string {
  const lines = [
    'architecture: { name: bench-aws, version: 1.0.0 }',
    'settings: { event_bus: sns, default_database: dynamodb }',
    'cloud: { primary: aws, aws: { account_id: "123456789012", region: eu-west-1, compute: lambda } }',
    'services:',
  ];
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(3, '0');
    lines.push(
      `  - name: svc-${id}`,
      '    type: stateless',
      '    compute: lambda',
      '    domain: { entities: [Item] }',
      '    database: { type: dynamodb }',
      `    publishes: [Item${id}Changed]`,
      '    idempotency: { enabled: false }',
    );
  }
  return lines.join('\n') + '\n';
}

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One measured process: one side, one size. */
function child(side: Side, n: number, file: string): void {
  let result: Omit<ChildResult, 'maxRssMb'>;
  if (side === 'allframe') {
    const t0 = process.hrtime.bigint();
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { validateSource } = require(join(lib, 'validate', 'index.js')) as typeof import('../src/validate');
    const { synthAws } = require(join(lib, 'targets', 'aws', 'synth.js')) as typeof import('../src/targets/aws/synth');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const loadMs = ms(t0);
    const t1 = process.hrtime.bigint();
    const v = validateSource(file, readFileSync(file), { env: {}, target: 'aws' });
    if (!v.ok || !v.model) throw new Error(`invalid: ${JSON.stringify(v.diagnostics)}`);
    const validateMs = ms(t1);
    const t2 = process.hrtime.bigint();
    const r = synthAws(v.model, { validation: true });
    if (r.problems.length > 0) throw new Error(`problems: ${JSON.stringify(r.problems)}`);
    const synthMs = ms(t2);
    result = { side, services: n, stacks: Object.fromEntries(r.stacks.map((s) => [s.stackName, s.resources])), phases: { load: loadMs, validate: validateMs, synth: synthMs } };
  } else {
    const outdir = mkdtempSync(join(tmpdir(), 'hand-written-cdk-'));
    try {
      const r = handWritten().synthHandWritten(n, outdir);
      result = { side, services: n, stacks: r.stacks, phases: { build: r.buildMs, synth: r.synthMs } };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  process.stdout.write(JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function measure(side: Side, n: number, file: string): Run {
  const t = process.hrtime.bigint();
  const p = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--import', 'tsx', __filename, '--child', side, String(n), file], {
    encoding: 'utf8',
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = ms(t);
  if (p.status !== 0) throw new Error(`${side} ${n} failed: ${p.stderr}`);
  const peakRssMb = Number(p.stderr.trim().split('\n').pop()) / 1024;
  return { ...(JSON.parse(p.stdout) as ChildResult), wallMs, peakRssMb };
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function total(stacks: Record<string, number>): number {
  return Object.values(stacks).reduce((a, b) => a + b, 0);
}

/** Resources of one service's stack (the same for every service here). */
function perService(stacks: Record<string, number>): number {
  return stacks['bench-aws-svc-001'] ?? NaN;
}

function fmtS(x: number): string {
  return `${(x / 1000).toFixed(1)} s`;
}

function mainBench(): void {
  if (!existsSync(join(lib, 'targets', 'aws', 'synth.js'))) {
    process.stderr.write('bench: lib/ is missing; run `npm run compile` first\n');
    process.exitCode = 1;
    return;
  }
  // The two apps must start from the same settings; checked here, outside the timed processes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { appContext } = require(join(lib, 'targets', 'aws', 'app.js')) as typeof import('../src/targets/aws/app');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { REVIEW_CONTEXT } = require(join(lib, 'targets', 'aws', 'synth.js')) as typeof import('../src/targets/aws/synth');
  const { HAND_WRITTEN_POST_CLI_CONTEXT, handWrittenContext } = handWritten();
  if (!isDeepStrictEqual(handWrittenContext(), appContext()) || !isDeepStrictEqual(HAND_WRITTEN_POST_CLI_CONTEXT, { ...REVIEW_CONTEXT })) {
    throw new Error('hand-written-aws.ts no longer uses the context of allframe apps: update handWrittenContext()');
  }
  const sizes = (argValue('--sizes') ?? '1,10,100').split(',').map(Number);
  const runs = Number(argValue('--runs') ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-aws-'));
  const rows: string[] = [];
  const goals: string[] = [];
  try {
    for (const n of sizes) {
      const file = join(dir, `architecture-${n}.yaml`);
      writeFileSync(file, generateAwsArchitecture(n));
      const got: Record<Side, Run[]> = { allframe: [], 'hand-written': [] };
      // Interleaved, so that a noisy moment on the machine hits both sides.
      for (let i = 0; i < runs; i++) {
        for (const side of ['allframe', 'hand-written'] as const) {
          const r = measure(side, n, file);
          got[side].push(r);
          process.stderr.write(`${side} n=${n} run ${i + 1}: ${r.wallMs.toFixed(0)} ms, ${r.peakRssMb.toFixed(0)} MB, phases ${JSON.stringify(Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, Math.round(v)])))}\n`);
        }
      }
      const af = got.allframe;
      const hw = got['hand-written'];
      const afMs = median(af.map((r) => r.wallMs));
      const hwMs = median(hw.map((r) => r.wallMs));
      const afRss = Math.max(...af.map((r) => r.peakRssMb));
      const hwRss = Math.max(...hw.map((r) => r.peakRssMb));
      const afRes = af[0]!.stacks;
      const hwRes = hw[0]!.stacks;
      const afSynth = median(af.map((r) => r.phases.synth!));
      const afValidate = median(af.map((r) => r.phases.validate!));
      const hwSynth = median(hw.map((r) => r.phases.synth!));
      const hwBuild = median(hw.map((r) => r.phases.build!));
      rows.push(
        `| ${n} | ${fmtS(afMs)} | ${fmtS(hwMs)} | **${(afMs / hwMs).toFixed(2)}** | ${afRss.toFixed(0)} MB | ${hwRss.toFixed(0)} MB | ${(afRss / hwRss).toFixed(2)} | ${total(afRes)} / ${total(hwRes)} (${perService(afRes)} / ${perService(hwRes)}) | ${afValidate.toFixed(0)} ms + ${fmtS(afSynth)} | ${fmtS(hwBuild)} + ${fmtS(hwSynth)} |`,
      );
      if (n === 100) {
        goals.push(`100 services under 30 s and 2 GB with validation on: ${afMs < 30_000 && afRss < 2048 ? 'met' : 'MISSED'} (${fmtS(afMs)}, ${afRss.toFixed(0)} MB)`);
      }
      goals.push(`within 1.1 × the hand-written app at ${n}: ${afMs <= 1.1 * hwMs && afRss <= 1.1 * hwRss ? 'met' : 'MISSED'} (time ${(afMs / hwMs).toFixed(2)}, memory ${(afRss / hwRss).toFixed(2)})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const note = [
    `One service is \`type: stateless\`, \`compute: lambda\`, one entity (a DynamoDB TableV2), one published event (an SNS topic in the shared stack), no idempotency table or secrets: a stack of 16 resources (function, role, policy, 2 log groups, HTTP API, stage, integration, 2 routes with IAM authorization, 2 permissions, table, 3 alarms), plus 2 per service in the shared stack and a row on the dashboard.`,
    `The hand-written app (bench/hand-written-aws.ts) builds the same with plain aws-cdk-lib L2s. Both run as fresh processes (\`node --import tsx\`, ${runs} runs each, interleaved) with the same App settings: allframe's feature-flag context, built-in CloudFormation validation on, code assets with custom hashes (nothing bundled). Times are wall clock of the whole process (median), memory is the peak RSS of the process (largest of the runs, /usr/bin/time). The allframe process includes reading and validating the file.`,
  ].join('\n\n');
  const table = [
    '| services | allframe | hand-written | time ratio | allframe peak RSS | hand-written peak RSS | RSS ratio | resources, all stacks (one service stack): allframe / hand-written | allframe: validate + synthAws | hand-written: build + synth |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
  const report = `### synth-aws (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, aws-cdk-lib ${awsCdkLibVersion()})\n\n${note}\n\n${table}\n\nGoals: ${goals.join('; ')}.\n`;
  process.stdout.write(report);
  if (process.argv.includes('--write')) {
    const file = join(root, 'bench', 'RESULTS.md');
    const old = readFileSync(file, 'utf8');
    const marker = '<!-- synth-aws -->';
    const section = `${marker}\n${report}${marker}`;
    writeFileSync(file, old.includes(marker) ? old.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), section) : `${old}\n${section}\n`);
  }
}

function awsCdkLibVersion(): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')) as { version: string }).version;
}

const at = process.argv.indexOf('--child');
if (at >= 0) child(process.argv[at + 1] as Side, Number(process.argv[at + 2]), process.argv[at + 3]!);
else mainBench();
