/**
 * Validation benchmark: architectures of 10, 100 and 1,000 services through the whole front half of the
 * pipeline (parse → interpolate → schema → resolve → semantic and target checks), plus `allframe validate`
 * on the reference example as a real process (start-up included). Uses the compiled build (lib/), i.e. what
 * users run. Results go to bench/RESULTS.md.
 *
 *   npm run compile && npx tsx bench/validate.ts [--write]
 */
import { join } from 'node:path';
import { generateArchitecture } from './generate';
import { entryPoint, heading, lib, libMissing, median, ms, root, runChild, timeProcess, writeChildResult, writeSection } from './harness';

const validate = join(lib, 'validate', 'index.js');

interface ChildResult {
  services: number;
  bytes: number;
  firstMs: number;
  medianMs: number;
  maxRssMb: number;
  ok: boolean;
}

/** Runs in a fresh process per size so that peak memory is that size's own. */
function child(n: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateSource } = require(validate) as typeof import('../src/validate');
  const text = generateArchitecture(n);
  const times: number[] = [];
  let ok = true;
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    const r = validateSource('bench.yaml', text, { env: {} });
    times.push(ms(t));
    ok &&= r.ok;
  }
  const result: Omit<ChildResult, 'maxRssMb'> = { services: n, bytes: Buffer.byteLength(text), firstMs: times[0]!, medianMs: median(times.slice(1)), ok };
  writeChildResult(result);
}

function cliWall(runs: number): { medianMs: number; maxMs: number; maxRssMb: number } {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const p = timeProcess('allframe validate', [process.execPath, join(root, 'bin', 'allframe'), 'validate', join(root, 'examples', 'shop', 'architecture.yaml')]);
    times.push(p.wallMs);
    rss = Math.max(rss, p.peakRssMb);
  }
  return { medianMs: median(times), maxMs: Math.max(...times), maxRssMb: rss };
}

function mainBench(): void {
  if (libMissing(validate)) return;
  // The table shows the child's own peak RSS (maxRssMb); /usr/bin/time measures the same process.
  const rows = [10, 100, 1000].map((n) => runChild<ChildResult>(`validate ${n}`, __filename, [String(n)]));
  const cli = cliWall(15);
  const table = [
    '| services | file size | first run | median of 6 warm runs | peak RSS of the process | valid |',
    '|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.services} | ${(r.bytes / 1024).toFixed(0)} KiB | ${r.firstMs.toFixed(0)} ms | ${r.medianMs.toFixed(1)} ms | ${r.maxRssMb.toFixed(0)} MB | ${r.ok ? 'yes' : 'NO'} |`),
  ].join('\n');
  const cliLine = `\`allframe validate examples/shop/architecture.yaml\` (13 services), whole process, 15 runs: median **${cli.medianMs.toFixed(0)} ms** wall, slowest ${cli.maxMs.toFixed(0)} ms, peak RSS ${cli.maxRssMb.toFixed(0)} MB.`;
  const note = 'Each size runs in its own process under tsx (which adds about 40 MB of RSS); times are for validateSource on the generated text, from the compiled lib/.';
  const report = `${heading('validate')}\n\n${note}\n\n${table}\n\n${cliLine}\n`;
  process.stdout.write(report);
  const thousand = rows.find((r) => r.services === 1000)!;
  const goals = [`1,000 services in under 1 s: ${thousand.firstMs < 1000 ? 'met' : 'MISSED'} (${thousand.firstMs.toFixed(0)} ms cold, ${thousand.medianMs.toFixed(0)} ms warm)`, `CLI on the reference under 400 ms: ${cli.medianMs < 400 ? 'met' : 'MISSED'} (${cli.medianMs.toFixed(0)} ms)`];
  process.stdout.write(`\nGoals: ${goals.join('; ')}\n`);
  writeSection('validate', `${report}\nGoals: ${goals.join('; ')}.\n`);
}

entryPoint(module, mainBench, (args) => child(Number(args[0])));
