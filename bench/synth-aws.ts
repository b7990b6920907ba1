/**
 * AWS synth benchmark: allframe against a hand-written aws-cdk-lib app building the same resources
 * (bench/hand-written-aws.ts), at 1, 10 and 100 services. Each run is a fresh process with the same settings
 * (node --import tsx, same App context, built-in CloudFormation validation on, custom-hash code assets so nothing
 * is bundled), timed as a whole (wall clock) with its peak RSS from /usr/bin/time.
 *
 * One service: `type: stateless`, `compute: lambda`, one entity (one DynamoDB table), one published event (one SNS
 * topic in the shared stack), no idempotency table, no secrets, no callers.
 *
 * allframe side: read the file, validateSource(target aws), synthesize(model, { validation: true, skeletons: false })
 * (the library's synth, as `allframe synth` calls it, less the workspace's files), from the CLI bundle lib/allframe.cjs
 * as bin/allframe loads it.
 * hand-written side: synthHandWritten(n) from hand-written-aws.ts.
 *
 *   npm run compile && npx tsx bench/synth-aws.ts [--write] [--sizes 1,10,100] [--runs 3]
 */
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureFile, cliBundle, compareSides, entryPoint, fmtS, lib, libMissing, median, ms, packageVersion, publishComparison, runChild, sizesAndRuns, summarize, total, validModel, withinGoal, writeChildResult } from './harness';
import type { Side, SideResult } from './harness';

/** Loaded only where used, so that the allframe process never loads the hand-written app (nor the reverse). */
function handWritten(): typeof import('./hand-written-aws') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./hand-written-aws') as typeof import('./hand-written-aws');
}

interface ChildResult extends SideResult {
  /** Resources per stack. */
  stacks: Record<string, number>;
}

/** The architecture file: `n` stateless Lambda services, each with one DynamoDB entity table and one event. */
export function generateAwsArchitecture(n: number): string {
  const head = [
    'architecture: { name: bench-aws, version: 1.0.0 }',
    'settings: { event_bus: sns, default_database: dynamodb }',
    'cloud: { primary: aws, aws: { account_id: "123456789012", region: eu-west-1, compute: lambda } }',
  ];
  return architectureFile(n, head, (id) => [
    `  - name: svc-${id}`,
    '    type: stateless',
    '    compute: lambda',
    '    domain: { entities: [Item] }',
    '    database: { type: dynamodb }',
    `    publishes: [Item${id}Changed]`,
    '    idempotency: { enabled: false }',
  ]);
}

/** One measured process: one side, one size. */
function child(side: Side, n: number, file: string): void {
  let result: Omit<ChildResult, 'maxRssMb'>;
  if (side === 'allframe') {
    const t0 = process.hrtime.bigint();
    // The CLI bundle, as bin/allframe runs it (aws-cdk-lib stays outside it, in node_modules).
    const { validateSource, synthesize, loadTarget } = cliBundle();
    // synthesize loads its target on first use; loaded here so that the load phase is timed apart from synth
    loadTarget('aws');
    const loadMs = ms(t0);
    const t1 = process.hrtime.bigint();
    const model = validModel(validateSource, file, 'aws');
    const validateMs = ms(t1);
    const t2 = process.hrtime.bigint();
    const r = synthesize(model, { validation: true, skeletons: false });
    if (!r.ok) throw new Error(`problems: ${JSON.stringify(r.problems)}`);
    const synthMs = ms(t2);
    result = { side, services: n, stacks: Object.fromEntries(r.summary.stacks.map((s) => [s.name, total(s.resourceTypes)])), phases: { load: loadMs, validate: validateMs, synth: synthMs } };
  } else {
    const outdir = mkdtempSync(join(tmpdir(), 'hand-written-cdk-'));
    try {
      const r = handWritten().synthHandWritten(n, outdir);
      result = { side, services: n, stacks: r.stacks, phases: { build: r.buildMs, synth: r.synthMs } };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  writeChildResult(result);
}

/** Resources of one service's stack (the same for every service here). */
/** What one service stack holds, as the note lists it; the benchmark fails when the count no longer matches. */
const SERVICE_STACK: readonly [number, string][] = [
  [1, 'function'],
  [1, 'role'],
  [1, 'policy'],
  [2, 'log groups'],
  [1, 'HTTP API'],
  [1, 'stage'],
  [1, 'integration'],
  [2, 'routes with IAM authorization'],
  [2, 'permissions'],
  [1, 'table'],
  [5, 'alarms (3 on the function, 2 on the API)'],
];

function perService(stacks: Record<string, number>): number {
  return stacks['bench-aws-svc-001'] ?? NaN;
}

function mainBench(): void {
  if (libMissing(join(lib, 'targets', 'aws', 'synth.js'))) return;
  // The two apps must start from the same settings; checked here, outside the timed processes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { appContext } = require(join(lib, 'targets', 'aws', 'app.js')) as typeof import('../src/targets/aws/app');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { REVIEW_CONTEXT } = require(join(lib, 'targets', 'aws', 'synth.js')) as typeof import('../src/targets/aws/synth');
  const { HAND_WRITTEN_POST_CLI_CONTEXT, handWrittenContext } = handWritten();
  if (!isDeepStrictEqual(handWrittenContext(), appContext()) || !isDeepStrictEqual(HAND_WRITTEN_POST_CLI_CONTEXT, { ...REVIEW_CONTEXT })) {
    throw new Error('hand-written-aws.ts no longer uses the context of allframe apps: update handWrittenContext()');
  }
  const { sizes, runs } = sizesAndRuns();
  const dir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-aws-'));
  const rows: string[] = [];
  const goals: string[] = [];
  const documented = SERVICE_STACK.reduce((sum, [count]) => sum + count, 0);
  try {
    for (const n of sizes) {
      const file = join(dir, `architecture-${n}.yaml`);
      writeFileSync(file, generateAwsArchitecture(n));
      const got = compareSides(n, runs, (side) => runChild<ChildResult>(`${side} ${n}`, __filename, [side, String(n), file]));
      const af = got.allframe;
      const hw = got['hand-written'];
      // Memory: the largest peak of the runs.
      const summary = summarize(got, (peaks) => Math.max(...peaks));
      const { afMs, hwMs, afRss, hwRss } = summary;
      const afRes = af[0]!.stacks;
      const hwRes = hw[0]!.stacks;
      if (perService(afRes) !== documented || perService(hwRes) !== documented) {
        throw new Error(`a service stack now holds ${perService(afRes)} (allframe) / ${perService(hwRes)} (hand-written) resources, the note lists ${documented}: update SERVICE_STACK`);
      }
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
      goals.push(withinGoal(n, summary));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const note = [
    `One service is \`type: stateless\`, \`compute: lambda\`, one entity (a DynamoDB TableV2), one published event (an SNS topic in the shared stack), no idempotency table or secrets: a stack of ${documented} resources (${SERVICE_STACK.map(([c, what]) => (c === 1 ? what : `${c} ${what}`)).join(', ')}), plus 2 per service in the shared stack and a row on the dashboard.`,
    `The hand-written app (bench/hand-written-aws.ts) builds the same with plain aws-cdk-lib L2s. Both run as fresh processes (\`node --import tsx\`, ${runs} runs each, interleaved) with the same App settings: allframe's feature-flag context, built-in CloudFormation validation on, code assets with custom hashes (nothing bundled). Times are wall clock of the whole process (median), memory is the peak RSS of the process (largest of the runs, /usr/bin/time). The allframe process includes reading and validating the file, and loads allframe as bin/allframe does: the CLI bundle lib/allframe.cjs with its V8 code cache (src/cli/bundle.ts; aws-cdk-lib and constructs stay outside it, loaded from node_modules as the hand-written app loads them).`,
  ].join('\n\n');
  const columns = ['services', 'allframe', 'hand-written', 'time ratio', 'allframe peak RSS', 'hand-written peak RSS', 'RSS ratio', 'resources, all stacks (one service stack): allframe / hand-written', 'allframe: validate + synthesize', 'hand-written: build + synth'];
  publishComparison({ name: 'synth-aws', extras: [`aws-cdk-lib ${packageVersion('aws-cdk-lib')}`], note, columns, rows, goals });
}

entryPoint(module, mainBench, (args) => child(args[0] as Side, Number(args[1]), args[2]!));
