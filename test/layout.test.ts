/**
 * The layout the lint relies on: the stage list of eslint.config.mjs names the folders src/ has (every one but
 * cli/, the outer shell), in pipeline order; and a few things that must be built in one place are.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'src');

function stages(): string[] {
  const config = readFileSync(join(ROOT, 'eslint.config.mjs'), 'utf8');
  const m = /^const STAGES = \[([^\]]*)\];$/m.exec(config);
  if (!m) throw new Error('eslint.config.mjs has no STAGES list');
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'platform') return [];
    return statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? [p] : [];
  });
}

describe('the stages of the ESLint config', () => {
  test('every listed stage is a folder of src/, and every folder of src/ but cli/ is listed', () => {
    // GIVEN the folders of src/ and the stage list
    const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory()).sort();
    const listed = stages();
    // THEN they match, and each stage is listed once
    expect(listed.filter((s) => !folders.includes(s))).toEqual([]);
    expect(folders.filter((f) => f !== 'cli' && !listed.includes(f))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });

  test('the order is the pipeline: model first; synth after targets and skeletons, which it composes', () => {
    const s = stages();
    expect(s[0]).toBe('model');
    expect(s.indexOf('synth')).toBeGreaterThan(s.indexOf('targets'));
    expect(s.indexOf('synth')).toBeGreaterThan(s.indexOf('skeletons'));
    expect(s.indexOf('validate')).toBeLessThan(s.indexOf('targets'));
  });

  test('the config refuses to load when the list and src/ disagree (a lint-time check), and lints for import cycles', () => {
    const config = readFileSync(join(ROOT, 'eslint.config.mjs'), 'utf8');
    expect(config).toContain("throw new Error(`eslint.config.mjs: STAGES names folders src/ does not have");
    expect(config).toContain("'import-x/no-cycle': ['error'");
    // without a parser for import-x, no-cycle sees no imports in .ts files and never reports
    expect(config).toContain("'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] }");
  });
});

describe('built in one place', () => {
  test('AF1001 (file not found or unreadable) is made only by src/parse/file.ts', () => {
    const makers = sources(SRC)
      .filter((f) => /code: 'AF1001'|'AF1001'/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f))
      .filter((f) => f !== join('src', 'model', 'diagnostics.ts'));
    expect(makers).toEqual([join('src', 'parse', 'file.ts')]);
  });

  test('the per-target validation checks are one function per target (TARGET_CHECKS), not branches on the target', () => {
    // GIVEN the target capability checks
    const source = readFileSync(join(SRC, 'validate', 'capabilities.ts'), 'utf8');
    // THEN nothing there compares the target with a target id: each target's limits live in its own function
    expect(source.match(/\b(t|target|model\.target)\s*[!=]==\s*'(aws|gcp|fly)'/g) ?? []).toEqual([]);
    expect(source).toMatch(/export const TARGET_CHECKS: Record<TargetId, TargetChecks>/);
  });

  test('each cloud limit has one home (lib-constructs/core/cloud-limits.ts), which validation and the constructs read', () => {
    // GIVEN the limits that used to be written out in several places
    const literals = /\b(43_?200)\b|name(?:s)?\W[^\n]{0,40}\b49\b|<= 900\b|> 900\b/;
    const files = [...sources(SRC), ...sources(join(ROOT, 'lib-constructs'))].filter((f) => !f.includes(`${join('skeletons', 'platform')}`));
    // THEN only cloud-limits.ts spells them out
    const spelled = files.filter((f) => literals.test(readFileSync(f, 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, ''))).map((f) => relative(ROOT, f));
    expect(spelled).toEqual([join('lib-constructs', 'core', 'cloud-limits.ts')]);
  });

  test('defaults are resolved once (ResolvedService.sizing, ResolvedArchitecture.platform), never a literal fallback in a target', () => {
    // GIVEN every `<value> ?? <literal>` in the targets' sources (comments aside)
    const fallback = /\?\?\s*(?:-?\d|'|"|`|true\b|false\b)/;
    /** Fallbacks that are no default of the architecture file: a count, options of a call, the end of a table, the state prefix without --env. */
    const allowed: Record<string, readonly string[]> = {
      [join('src', 'targets', 'index.ts')]: ['options.validation ?? true'],
      [join('src', 'targets', 'aws', 'synth.ts')]: ['options.validation ?? true', '(resourceTypes[r.Type] ?? 0)', "options.sourceFile ?? 'architecture.yaml'"],
      [join('src', 'targets', 'gcp', 'app.ts')]: ['.find((n) => n >= vcpus) ?? 8'],
      [join('src', 'targets', 'aws', 'service-stack.ts')]: ['options.description ?? `'],
      [join('src', 'targets', 'gcp', 'stack.ts')]: ["model.environment ?? 'default'"],
      [join('src', 'targets', 'fly', 'naming.ts')]: ["model.environment ?? 'default'"],
    };
    const found = sources(join(SRC, 'targets')).flatMap((f) => {
      const file = relative(ROOT, f);
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*\*)/.test(line))
        .map((line) => (allowed[file] ?? []).reduce((l, ok) => l.split(ok).join(''), line))
        .filter((line) => fallback.test(line))
        .map((line) => `${file}: ${line.trim()}`);
    });
    // THEN none is left: a default is decided by the resolver (src/resolve/sizing.ts), which the targets read
    expect(found).toEqual([]);
    // (the guard sees the fallbacks it was written against, aliases included)
    for (const old of ['s.spec.timeout_seconds ?? 30', 'c.max_retries ?? 5', "s.spec.subscriptions?.authorization ?? 'jwt'", '(units ?? 1024)']) expect([old, fallback.test(old)]).toEqual([old, true]);
  });
});

