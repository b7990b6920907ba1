/**
 * Synth benchmark: `allframe synth` of the 13-service reference into an empty directory (every file written),
 * and again over its own output (nothing to write), as whole processes from the compiled build.
 *
 *   npm run compile && npx tsx bench/synth.ts [--write]
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPoint, heading, lib, libMissing, measuredCommit, median, root, timeProcess, writeSection } from './harness';
import type { Timed } from './harness';

const bin = join(root, 'bin', 'allframe');

function run(dir: string): Timed {
  return timeProcess('synth', [process.execPath, bin, 'synth', 'architecture.yaml'], dir);
}

function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        files++;
        bytes += st.size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

function mainBench(): void {
  if (libMissing(join(lib, 'cli', 'main.js'))) return;
  // writing is disk-bound: the machine's load (other jobs on it) is part of the record
  const loadBefore = loadavg()[0]!;
  const cold: number[] = [];
  const warm: number[] = [];
  let rss = 0;
  let size = { files: 0, bytes: 0 };
  for (let i = 0; i < 5; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-'));
    try {
      cpSync(join(root, 'examples', 'shop', 'architecture.yaml'), join(dir, 'architecture.yaml'));
      const first = run(dir);
      cold.push(first.wallMs);
      rss = Math.max(rss, first.peakRssMb);
      size = countFiles(dir);
      const again = run(dir);
      if (!/0 written/.test(again.stderr)) throw new Error(`rerun wrote files: ${again.stderr}`);
      warm.push(again.wallMs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`;
  const report = `${heading('synth', { extras: [load, measuredCommit()] })}

\`allframe synth\` of examples/shop (13 services) as a whole process (bin/allframe, which runs the CLI bundle lib/allframe.cjs), 5 runs each:

| run | median | slowest | peak RSS |
|---|---:|---:|---:|
| into an empty directory (${size.files} files, ${(size.bytes / 1024).toFixed(0)} KiB written) | ${median(cold).toFixed(0)} ms | ${Math.max(...cold).toFixed(0)} ms | ${rss.toFixed(0)} MB |
| again over its own output (nothing written) | ${median(warm).toFixed(0)} ms | ${Math.max(...warm).toFixed(0)} ms | |

Goal: the 13-service reference, all files, under 10 s: ${median(cold) < 10000 ? 'met' : 'MISSED'}.
`;
  process.stdout.write(report);
  writeSection('synth', report);
}

entryPoint(module, mainBench);
