/**
 * Validation benchmark: architectures of 10, 100 and 1,000 services through the whole front half of the
 * pipeline (parse → interpolate → schema → resolve → semantic and target checks), plus `allframe validate`
 * on the reference example as a real process (start-up included). Uses the compiled build (lib/), i.e. what
 * users run. Results go to bench/RESULTS.md.
 *
 *   npm run compile && npx tsx bench/validate.ts [--write]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { generateArchitecture } from './generate';

const root = join(__dirname, '..');
const lib = join(root, 'lib', 'src', 'validate', 'index.js');

interface ChildResult {
  services: number;
  bytes: number;
  firstMs: number;
  medianMs: number;
  maxRssMb: number;
  ok: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs in a fresh process per size so that peak memory is that size's own. */
function child(n: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateSource } = require(lib) as typeof import('../src/validate');
  const text = generateArchitecture(n);
  const times: number[] = [];
  let ok = true;
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    const r = validateSource('bench.yaml', text, { env: {} });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    ok &&= r.ok;
  }
  const result: ChildResult = { services: n, bytes: Buffer.byteLength(text), firstMs: times[0]!, medianMs: median(times.slice(1)), maxRssMb: process.resourceUsage().maxRSS / 1024, ok };
  process.stdout.write(JSON.stringify(result));
}

function cliWall(runs: number): { medianMs: number; maxMs: number; maxRssMb: number } {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const p = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(root, 'bin', 'allframe'), 'validate', join(root, 'examples', 'shop', 'architecture.yaml')], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (p.status !== 0) throw new Error(`allframe validate failed: ${p.stderr}`);
    rss = Math.max(rss, Number(p.stderr.trim().split('\n').pop()) / 1024);
  }
  return { medianMs: median(times), maxMs: Math.max(...times), maxRssMb: rss };
}

function mainBench(): void {
  if (!existsSync(lib)) {
    process.stderr.write('bench: lib/ is missing; run `npm run compile` first\n');
    process.exitCode = 1;
    return;
  }
  const rows: ChildResult[] = [];
  for (const n of [10, 100, 1000]) {
    const p = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', String(n)], { encoding: 'utf8', cwd: root });
    if (p.status !== 0) throw new Error(p.stderr);
    rows.push(JSON.parse(p.stdout) as ChildResult);
  }
  const cli = cliWall(15);
  const table = [
    '| services | file size | first run | median of 6 warm runs | peak RSS of the process | valid |',
    '|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.services} | ${(r.bytes / 1024).toFixed(0)} KiB | ${r.firstMs.toFixed(0)} ms | ${r.medianMs.toFixed(1)} ms | ${r.maxRssMb.toFixed(0)} MB | ${r.ok ? 'yes' : 'NO'} |`),
  ].join('\n');
  const cliLine = `\`allframe validate examples/shop/architecture.yaml\` (13 services), whole process, 15 runs: median **${cli.medianMs.toFixed(0)} ms** wall, slowest ${cli.maxMs.toFixed(0)} ms, peak RSS ${cli.maxRssMb.toFixed(0)} MB.`;
  const note = 'Each size runs in its own process under tsx (which adds about 40 MB of RSS); times are for validateSource on the generated text, from the compiled lib/.';
  const report = `### validate (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version})\n\n${note}\n\n${table}\n\n${cliLine}\n`;
  process.stdout.write(report);
  const thousand = rows.find((r) => r.services === 1000)!;
  const goals = [`1,000 services in under 1 s: ${thousand.firstMs < 1000 ? 'met' : 'MISSED'} (${thousand.firstMs.toFixed(0)} ms cold, ${thousand.medianMs.toFixed(0)} ms warm)`, `CLI on the reference under 400 ms: ${cli.medianMs < 400 ? 'met' : 'MISSED'} (${cli.medianMs.toFixed(0)} ms)`];
  process.stdout.write(`\nGoals: ${goals.join('; ')}\n`);
  if (process.argv.includes('--write')) {
    const file = join(root, 'bench', 'RESULTS.md');
    const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nNumbers from `bench/` on the project machines (2 cores, 24 GB). Newest first within each section.\n';
    const marker = '<!-- validate -->';
    const section = `${marker}\n${report}\nGoals: ${goals.join('; ')}.\n${marker}`;
    const next = old.includes(marker) ? old.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), section) : `${old}\n${section}\n`;
    writeFileSync(file, next);
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) child(Number(process.argv[at + 1]));
else mainBench();
