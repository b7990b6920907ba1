#!/usr/bin/env node
// jest for `npm test` (the projen task "jest"). With no arguments: the two files that build whole generated
// workspaces (their npm install, tsc, ESLint and jest runs: mostly one core each, and waits on the registry) run in
// one jest process while every other file runs in another, side by side on the machine's two cores; their JSON
// results are merged into test-results.json, which CI reads. The workspaces' own jest runs one worker then
// (ALLFRAME_WORKSPACE_WORKERS=1), so the two processes hold about a core each. With arguments (a path, -t, ...) it is
// plain jest with them. Exits non-zero when either process fails.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { Buffer } from 'node:buffer';

const require = createRequire(import.meta.url);
const JEST = require.resolve('jest/bin/jest');
const RESULT = 'test-results.json';
const HEAVY = ['test/e2e/generated-workspace.test.ts', 'test/skeletons/workspace-tests.test.ts'];

/** Runs jest with `args`; its output is passed through, or kept to print once it ends (`buffer`). */
function jest(args, { buffer = false, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JEST, ...args], { stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: { ...process.env, ...env } });
    const kept = [];
    if (buffer) {
      child.stdout.on('data', (d) => kept.push(d));
      child.stderr.on('data', (d) => kept.push(d));
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(kept).toString('utf8') }));
  });
}

const args = process.argv.slice(2);
if (args.length > 0) {
  process.exit((await jest(['--json', `--outputFile=${RESULT}`, ...args])).code);
}

const parts = ['test-results.heavy.json', 'test-results.rest.json'];
for (const f of [RESULT, ...parts]) rmSync(f, { force: true });
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const [heavy, rest] = await Promise.all([
  jest(['--json', `--outputFile=${parts[0]}`, '--runTestsByPath', ...HEAVY], { buffer: true, env: { ALLFRAME_WORKSPACE_WORKERS: '1' } }),
  jest(['--json', `--outputFile=${parts[1]}`, '--testPathIgnorePatterns', '/node_modules/', ...HEAVY.map((f) => `/${escape(f)}$`)]),
]);
process.stderr.write(`\n== the generated workspaces (run beside the rest)\n${heavy.output}`);

// the merged result: counts summed, suites listed; a process that wrote no result counts as a suite that failed to run
const COUNTS = ['numTotalTestSuites', 'numPassedTestSuites', 'numFailedTestSuites', 'numPendingTestSuites', 'numRuntimeErrorTestSuites', 'numTotalTests', 'numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests'];
const results = parts.map((f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : { numRuntimeErrorTestSuites: 1, numTotalTestSuites: 1, success: false, testResults: [] }));
const merged = { ...results[1], success: results.every((r) => r.success === true), testResults: results.flatMap((r) => r.testResults ?? []), startTime: Math.min(...results.map((r) => r.startTime ?? Date.now())) };
for (const key of COUNTS) merged[key] = results.reduce((n, r) => n + (r[key] ?? 0), 0);
writeFileSync(RESULT, JSON.stringify(merged));
for (const f of parts) rmSync(f, { force: true });
process.stderr.write(`\njest: ${merged.numPassedTests} passed, ${merged.numFailedTests} failed in ${merged.numTotalTestSuites} suites (two processes); the result is in ${RESULT}\n`);
process.exit(heavy.code !== 0 ? heavy.code : rest.code);
