/**
 * The fast YAML path (src/parse/yaml-fast.ts: js-yaml, positions on demand) must be indistinguishable from the full
 * parser (src/parse/yaml.ts): the same value, the same problems at the same places, the same location for every
 * path. GIVEN every YAML file of the repository and thousands of mutations of them, WHEN both read the text, THEN
 * their results are equal. A fresh process that reads a valid file does not load `yaml` at all.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import type { Diagnostic, DocPath } from '../../src/model/diagnostics';
import { SourceDocument } from '../../src/parse/document';
import { parseYaml as fullParse } from '../../src/parse/yaml';
import { fastLoad, parseYaml as fastParse } from '../../src/parse/yaml-fast';

const ROOT = join(__dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(name) ? [p] : [];
  });
}

const CORPUS = ['fixtures', 'examples', 'test'].flatMap((d) => yamlFiles(join(ROOT, d))).sort();

/** Every path in a value, parents before children. */
function paths(value: unknown, at: DocPath = []): DocPath[] {
  const out: DocPath[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

/** What a parse gives: the value, its problems as printed, and where each path of the value stands. */
function outcome(parse: (doc: SourceDocument, diags: Diagnostic[]) => void, text: string) {
  const doc = new SourceDocument('a.yaml', text, 'yaml');
  const diags: Diagnostic[] = [];
  parse(doc, diags);
  const where = (p: DocPath) => {
    const { location, exact } = doc.map.locate(p);
    const at = (s: { start: { offset: number }; end: { offset: number } } | undefined) => (s ? `${s.start.offset}-${s.end.offset}` : '-');
    return `${p.join('.')}=${exact ? '' : '~'}${at(location?.key)}/${at(location?.value)}`;
  };
  return {
    value: doc.value,
    problems: diags.map((d) => `${d.line}:${d.col}-${d.endLine}:${d.endCol} ${d.code} ${d.message}`),
    locations: diags.length === 0 ? paths(doc.value).map(where) : [],
  };
}

describe('the fast YAML path reads every file exactly as the full parser does', () => {
  test('the corpus holds the repository’s YAML files, valid and invalid', () => {
    expect(CORPUS.length).toBeGreaterThan(150);
    expect(CORPUS.some((f) => f.includes(join('fixtures', 'invalid')))).toBe(true);
  });

  test.each(CORPUS.map((f) => [relative(ROOT, f)]))('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(outcome(fastParse, text)).toEqual(outcome(fullParse, text));
  });

  test('and on mutations of them (inserted YAML punctuation, deleted ranges, repeated lines)', () => {
    const texts = CORPUS.map((f) => readFileSync(f, 'utf8'));
    const punct = fc.constantFrom(':', '-', ' ', '  ', '\t', '\n', '#', '"', "'", '&a ', '*a', '!t ', '{', '}', '[', ']', ',', '? ', '|', '>', '<<: ', '~', '0x1', '.5', 'true', '---\n', '%YAML 1.2\n', '\\');
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), what: punct }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, edits) => {
        let text = texts[which]!;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          if (e.kind === 'insert') text = text.slice(0, at) + e.what + text.slice(at);
          else if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
          else {
            const start = text.lastIndexOf('\n', at - 1) + 1;
            const end = text.indexOf('\n', at);
            const line = text.slice(start, end < 0 ? undefined : end + 1);
            text = text.slice(0, start) + line + (line.endsWith('\n') ? '' : '\n') + text.slice(start);
          }
        }
        expect(outcome(fastParse, text)).toEqual(outcome(fullParse, text));
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 20261205), numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });

  test('YAML 1.2 core scalars resolve alike (numbers, booleans, nulls, and what only looks like them)', () => {
    const scalars = ['0', '-0', '007', '0o17', '0o8', '0x1F', '0b101', '1_000', '1e3', '1.', '.5', '+.5', '.inf', '-.Inf', '.NaN', 'nan', '~', 'null', 'Null', 'nULL', 'true', 'True', 'tRue', 'yes', 'on', '2001-12-14', '12:30', '9007199254740993', '1,000'];
    for (const s of scalars) expect({ s, v: outcome(fastParse, `v: ${s}\n`).value }).toEqual({ s, v: outcome(fullParse, `v: ${s}\n`).value });
  });

  test('what the fast path leaves to the full parser: aliases, tags, merge keys, directives, non-mappings', () => {
    expect(fastLoad('a: &x 1\nb: *x\n')).toBeUndefined();
    expect(fastLoad('a: !!binary aGk=\n')).toBeUndefined();
    expect(fastLoad('a: 1\n---\nb: 2\n')).toBeUndefined();
    expect(fastLoad('a: 1\na: 2\n')).toBeUndefined();
    expect(fastLoad('architecture: { name: x }\n')).toEqual({ architecture: { name: 'x' } });
    // Each goes to the full parser, whose diagnostics are the ones reported.
    expect(outcome(fastParse, 'a: 1\nbase: &b { x: 1 }\nc: { <<: *b }\n').problems).toEqual(['3:6-3:8 AF1012 YAML merge keys (<<) are not supported']);
    expect(outcome(fastParse, '~\n').value).toBeUndefined();
  });
});

describe('a valid file is read without loading the full parser', () => {
  /** In a fresh process: whether `yaml` was loaded by validating `text`, and the diagnostics' locations. */
  function validateFresh(text: string): { loadedYaml: boolean; problems: string[] } {
    const script = `
      const { validateSource } = require('./src/validate/index.ts');
      const v = validateSource('architecture.yaml', process.argv[1], { env: {} });
      const loadedYaml = Object.keys(require.cache).some((f) => /node_modules[/]yaml[/]/.test(f));
      process.stdout.write(JSON.stringify({ loadedYaml, problems: v.diagnostics.map((d) => d.line + ':' + d.col + ' ' + d.code) }));
    `;
    const p = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, text], { cwd: ROOT, encoding: 'utf8' });
    if (p.status !== 0) throw new Error(p.stderr);
    return JSON.parse(p.stdout) as { loadedYaml: boolean; problems: string[] };
  }

  test('the reference example: no problem, no yaml module', () => {
    expect(validateFresh(readFileSync(join(ROOT, 'examples', 'shop', 'architecture.yaml'), 'utf8'))).toEqual({ loadedYaml: false, problems: [] });
  }, 60_000);

  test('a file with a mistake: the full parser is loaded to locate it exactly', () => {
    const text = 'architecture: { name: shop, version: 1.0.0 }\nservices:\n  - name: users\n    type: stateless\n    memroy_mb: 256\n';
    expect(validateFresh(text)).toEqual({ loadedYaml: true, problems: ['5:5 AF3001'] });
  }, 60_000);
});
