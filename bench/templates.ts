/**
 * How much of the generated TypeScript comes from checked template files (issue 11 §3), and how long the render
 * functions are: over the services of every fixture (the examples and the archetype fixtures of both targets).
 * `npx tsx bench/templates.ts --write` puts the numbers in bench/RESULTS.md. Not a timing: a count, the same on
 * every machine.
 */
import { heading, writeSection } from './harness';
import { longFunctions, measureShare, workspaceSources } from '../test/skeletons/workspaces';

const m = measureShare();
const long = longFunctions(150);
const longest = longFunctions(0)
  .map((f) => ({ f, lines: Number(/ (\d+) lines$/.exec(f)?.[1] ?? 0) }))
  .sort((a, b) => b.lines - a.lines)[0];
const body = [
  heading('templates'),
  '',
  `Generated service TypeScript of ${workspaceSources().length} architecture files (examples/shop, examples/shop-gcp, every archetype fixture of both targets and the ignite templates on AWS; the platform package, copied verbatim from checked files, left out): **${m.fromTemplates} of ${m.total} non-blank lines (${(m.share * 100).toFixed(1)}%)** come from templates under src/skeletons/templates/, which allframe type-checks (tsconfig.skeletons.json) and lints; the rest are the marker line of managed files and per-service slots (configuration variables, literals).`,
  '',
  `Render functions over 150 lines: ${long.length === 0 ? 'none' : long.join('; ')}. Longest function in src/skeletons (templates and platform aside): ${longest ? longest.f : 'none'}.`,
  '',
  `Goals: at least 80% of the generated TypeScript lines from checked files: ${m.share >= 0.8 ? 'met' : 'MISSED'} (${(m.share * 100).toFixed(1)}%); no render function over 150 lines: ${long.length === 0 ? 'met' : 'MISSED'}.`,
  '',
].join('\n');
console.log(body);
writeSection('templates', body);
