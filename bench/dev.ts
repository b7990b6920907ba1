/**
 * allframe dev benchmark: start-up of the reference architecture (examples/shop, 13 services: moto, PostgreSQL and
 * Redis, every service's container entry) as users run it, `bin/allframe dev` (the CLI bundle), from the command's
 * start until every service answers 200 on /readyz, polled from outside. The command synthesizes first (the
 * workspace is current: nothing to write), finds the tools, bundles the services with esbuild, starts the emulators,
 * creates the infrastructure and starts the services. 5 runs, each in a fresh workspace with the same ports.
 *
 *   npm run compile && npx tsx bench/dev.ts [--write]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeDevWorkspace } from '../test/dev/workspace';
import { entryPoint, heading, lib, libMissing, median, root, writeSection } from './harness';

const bin = join(root, 'bin', 'allframe');
const BASE = 6700;
const SERVICES = 13;

async function allReady(): Promise<boolean> {
  const answers = await Promise.all(
    Array.from({ length: SERVICES }, (_, i) =>
      fetch(`http://127.0.0.1:${BASE + 10 + i}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      ),
    ),
  );
  return answers.every(Boolean);
}

/** One start-up: wall clock until every /readyz is 200, and what the command says of itself. */
async function once(): Promise<{ wallMs: number; reportedS: number; stopMs: number }> {
  const ws = await writeDevWorkspace('examples/shop/architecture.yaml');
  try {
    const t0 = Date.now();
    const child = spawn(bin, ['dev', join(root, 'examples', 'shop', 'architecture.yaml'), '--out', ws.dir, '--port-base', String(BASE)], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!(await allReady())) {
      if (child.exitCode !== null) throw new Error(`allframe dev ended: ${out}`);
      if (Date.now() - t0 > 120_000) throw new Error(`not ready after 120 s: ${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const wallMs = Date.now() - t0;
    // the command prints its table once it has seen every service ready itself (it polls every 100 ms)
    for (let i = 0; i < 100 && !/ ready in /.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const reported = / (\d+ services) ready in ([\d.]+) s/.exec(out);
    const t1 = Date.now();
    child.kill('SIGINT');
    if ((await exited) !== 0) throw new Error(`allframe dev did not stop cleanly: ${out.slice(-2000)}`);
    return { wallMs, reportedS: Number(reported?.[2] ?? NaN), stopMs: Date.now() - t1 };
  } finally {
    ws.remove();
  }
}

async function mainBench(): Promise<void> {
  if (libMissing(join(lib, 'cli', 'main.js'))) return;
  const runs: { wallMs: number; reportedS: number; stopMs: number }[] = [];
  for (let i = 0; i < 5; i++) runs.push(await once());
  const wall = runs.map((r) => r.wallMs);
  const reported = runs.map((r) => r.reportedS * 1000);
  const stop = runs.map((r) => r.stopMs);
  const report = `${heading('dev')}

\`bin/allframe dev examples/shop/architecture.yaml\` (13 services; moto, PostgreSQL and Redis), 5 runs, each in a fresh workspace: from the command's start until all 13 services answer 200 on /readyz (polled every 50 ms from outside), then Ctrl-C (SIGINT) until the command has ended with every process.

| | median | slowest |
|---|---:|---:|
| start-up, whole command (synth check, tools, bundling, emulators, infrastructure, services) | ${(median(wall) / 1000).toFixed(1)} s | ${(Math.max(...wall) / 1000).toFixed(1)} s |
| what the command reports ("ready in"), from after its synth to every service ready | ${(median(reported) / 1000).toFixed(1)} s | ${(Math.max(...reported) / 1000).toFixed(1)} s |
| stop on Ctrl-C, until every process has ended | ${(median(stop) / 1000).toFixed(1)} s | ${(Math.max(...stop) / 1000).toFixed(1)} s |

Goal: the reference architecture up (every /readyz 200) in under 20 s on 2 cores: ${Math.max(...wall) < 20_000 ? 'met' : median(wall) < 20_000 ? 'met at the median' : 'MISSED'}.
`;
  process.stdout.write(report);
  writeSection('dev', report);
}

entryPoint(module, () => {
  mainBench().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
});
