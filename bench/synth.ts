/**
 * Synth benchmark: `allframe synth` of the 13-service reference into an empty directory (every file written),
 * and again over its own output (nothing to write), as whole processes from the compiled build.
 *
 *   npm run compile && npx tsx bench/synth.ts [--write]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'allframe');

function run(dir: string): { ms: number; rssMb: number; stderr: string } {
  const t = process.hrtime.bigint();
  const p = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, 'synth', 'architecture.yaml'], { cwd: dir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (p.status !== 0) throw new Error(`synth failed: ${p.stderr}`);
  const lines = p.stderr.trim().split('\n');
  return { ms, rssMb: Number(lines.pop()) / 1024, stderr: lines.join('\n') };
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function mainBench(): void {
  if (!existsSync(join(root, 'lib', 'src', 'cli', 'main.js'))) {
    process.stderr.write('bench: lib/ is missing; run `npm run compile` first\n');
    process.exitCode = 1;
    return;
  }
  const cold: number[] = [];
  const warm: number[] = [];
  let rss = 0;
  let size = { files: 0, bytes: 0 };
  for (let i = 0; i < 5; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-bench-synth-'));
    try {
      cpSync(join(root, 'examples', 'shop', 'architecture.yaml'), join(dir, 'architecture.yaml'));
      const first = run(dir);
      cold.push(first.ms);
      rss = Math.max(rss, first.rssMb);
      size = countFiles(dir);
      const again = run(dir);
      if (!/0 written/.test(again.stderr)) throw new Error(`rerun wrote files: ${again.stderr}`);
      warm.push(again.ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const report = `### synth (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version})

\`allframe synth\` of examples/shop (13 services) as a whole process from lib/, 5 runs each:

| run | median | slowest | peak RSS |
|---|---:|---:|---:|
| into an empty directory (${size.files} files, ${(size.bytes / 1024).toFixed(0)} KiB written) | ${median(cold).toFixed(0)} ms | ${Math.max(...cold).toFixed(0)} ms | ${rss.toFixed(0)} MB |
| again over its own output (nothing written) | ${median(warm).toFixed(0)} ms | ${Math.max(...warm).toFixed(0)} ms | |

Goal: the 13-service reference, all files, under 10 s: ${median(cold) < 10000 ? 'met' : 'MISSED'}.
`;
  process.stdout.write(report);
  if (process.argv.includes('--write')) {
    const file = join(root, 'bench', 'RESULTS.md');
    const old = readFileSync(file, 'utf8');
    const marker = '<!-- synth -->';
    const section = `${marker}\n${report}${marker}`;
    writeFileSync(file, old.includes(marker) ? old.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), section) : `${old}\n${section}\n`);
  }
}

mainBench();
