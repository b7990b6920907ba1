/**
 * The template matrix (issue 15): every template on every cloud it supports, as a user gets it from the installed
 * package, end to end. One command:
 *
 *   npx tsx bench/template-matrix.ts [--write] [--templates ecommerce,data-pipeline] [--clouds aws,gcp,fly]
 *
 * Per template and cloud:
 * 1. `allframe ignite` with the packed, installed CLI (validation, the target's own referees inside synth: GCP policy,
 *    the fly.toml schema and checks; aws-cdk-lib's validation on AWS);
 * 2. `npm install` in the new workspace, then its own `npm test`: strict tsc, ESLint with 0 warnings, jest with 80%
 *    line and branch coverage per package (the workspace's jest.config.js sets the thresholds);
 * 3. the deployable artifact: `npx cdk synth` on aws, then cfn-lint over every template of the cloud assembly
 *    (no error); the Terraform JSON on gcp and the fly.toml set on fly are written by step 1.
 * A failure of one cell does not stop the others; the command exits 1 when any cell failed. `--write` puts the
 * table in bench/RESULTS.md (template-matrix). Not in .ci/run (about 3 minutes a cell): CI covers every template on
 * one cloud (ignite + synth --check), the tests cover the generated services of every template on AWS.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATES } from '../src/ignite/templates';
import type { TargetId } from '../src/model/constants';
import { CDK_ENV, outcome, packAllframe, run, writeOfflineInstall } from '../test/e2e/pack';
import { argValue, entryPoint, heading, measuredCommit, writeSection } from './harness';

interface Cell {
  readonly template: string;
  readonly cloud: TargetId;
  readonly steps: { readonly name: string; readonly ok: boolean; readonly seconds: number; readonly note: string }[];
}

const ok = (c: Cell) => c.steps.every((s) => s.ok);

/** The jest summary line of a workspace's `npm test` ("Tests: 212 passed, 212 total"), for the table. */
function jestSummary(text: string): string {
  const line = /Tests:\s+([^\n]+)/.exec(text);
  return line ? line[1]!.trim() : '';
}

function cell(allframe: string, tarball: string, template: string, cloud: TargetId): Cell {
  const steps: Cell['steps'][number][] = [];
  const work = mkdtempSync(join(tmpdir(), 'allframe-matrix-'));
  const step = (name: string, r: { status: number | null; stdout: string; stderr: string; seconds: number }, note = ''): boolean => {
    const o = outcome(r);
    steps.push({ name, ok: o.status === 0, seconds: r.seconds, note: o.status === 0 ? note : o.out.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' / ').slice(0, 300) });
    return o.status === 0;
  };
  try {
    if (!step('ignite', run(allframe, ['ignite', 'system', '--template', template, '--cloud', cloud, '--name', `my-${template}`, '--format', 'json'], work))) return { template, cloud, steps };
    const dir = join(work, 'system');
    if (!step('npm install', run('npm', ['install', '--prefer-offline', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', tarball], dir))) return { template, cloud, steps };
    const test = run('npm', ['test'], dir);
    step('npm test', test, jestSummary(`${test.stdout}\n${test.stderr}`));
    if (cloud === 'aws') {
      if (step('cdk synth', run('npx', ['--offline', 'cdk', 'synth', '--quiet'], dir, CDK_ENV))) {
        const templates = readdirSync(join(dir, 'cdk.out'), { recursive: true }).map(String).filter((f) => f.endsWith('.template.json')).map((f) => join('cdk.out', f));
        // cfn-lint exits 0 clean, 4 with warnings only, 2/6/8/... with errors: warnings are reported, errors fail
        const lint = run('cfn-lint', templates, dir);
        const errors = templates.length === 0 || (lint.status !== 0 && lint.status !== 4);
        steps.push({ name: 'cfn-lint', ok: !errors, seconds: lint.seconds, note: errors ? `${lint.stdout}${lint.stderr}`.slice(0, 300) : `${templates.length} templates, ${lint.status === 4 ? 'warnings only' : 'clean'}` });
      }
    } else {
      const artifact = cloud === 'gcp' ? join(dir, 'infrastructure', 'gcp', 'default', 'cdk.tf.json') : join(dir, 'infrastructure', 'fly', 'default', 'deploy.sh');
      steps.push({ name: 'artifact', ok: existsSync(artifact), seconds: 0, note: artifact.slice(dir.length + 1) });
    }
    return { template, cloud, steps };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(): void {
  const templates = (argValue('--templates') ?? TEMPLATES.map((t) => t.name).join(',')).split(',');
  const clouds = (argValue('--clouds') ?? 'aws,gcp,fly').split(',') as TargetId[];
  const packed = packAllframe();
  const tools = mkdtempSync(join(tmpdir(), 'allframe-matrix-tools-'));
  const cells: Cell[] = [];
  try {
    writeOfflineInstall(tools, packed);
    const install = run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], tools);
    if (install.status !== 0) throw new Error(`installing the packed allframe failed: ${outcome(install).out}`);
    const allframe = join(tools, 'node_modules', '.bin', 'allframe');
    for (const t of TEMPLATES.filter((x) => templates.includes(x.name))) {
      for (const cloud of clouds.filter((c) => t.clouds.includes(c))) {
        const c = cell(allframe, packed.tarball, t.name, cloud);
        cells.push(c);
        process.stderr.write(`${t.name} on ${cloud}: ${c.steps.map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'} (${s.seconds.toFixed(0)} s)${s.ok ? '' : `: ${s.note}`}`).join(', ')}\n`);
      }
    }
  } finally {
    rmSync(tools, { recursive: true, force: true });
    packed.dispose();
  }
  const rows = cells.map((c) => `| ${c.template} | ${c.cloud} | ${c.steps.map((s) => `${s.name}: ${s.ok ? 'ok' : '**FAILED**'} (${s.seconds.toFixed(0)} s)${s.note !== '' ? ` ${s.note}` : ''}`).join('; ')} | ${ok(c) ? 'passed' : '**failed**'} |`);
  const report = `${heading('template-matrix', { extras: [measuredCommit()] })}

Every template on every cloud it supports, from the packed and installed allframe (bench/template-matrix.ts): \`allframe ignite\`, \`npm install\`, the workspace's own \`npm test\` (strict tsc, ESLint with 0 warnings, jest at 80% line and branch coverage per package), and the artifact (on aws \`cdk synth\` and cfn-lint over the cloud assembly). ${cells.filter(ok).length} of ${cells.length} cells passed.

| template | cloud | steps | result |
|---|---|---|---|
${rows.join('\n')}
`;
  process.stdout.write(report);
  writeSection('template-matrix', report);
  if (!cells.every(ok)) process.exitCode = 1;
}

entryPoint(module, main);
