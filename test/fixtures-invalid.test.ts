/**
 * The bad-input corpus: every file in fixtures/invalid/ must be rejected with exactly the errors (code, line,
 * column) listed for it in fixtures/invalid/expected.json, without an exception or a stack trace.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Io, main } from '../src/cli/main';
import type { TargetId } from '../src/model/constants';
import { Diagnostic, ERROR_CODES } from '../src/model/diagnostics';
import { ValidationResult, validateSource } from '../src/validate';

interface ExpectedError {
  readonly code: string;
  readonly line: number;
  readonly col: number;
}

interface Expectation {
  /** Environment variables for ${...} interpolation; tests never read process.env. */
  readonly env?: Record<string, string>;
  readonly target?: TargetId;
  readonly environment?: string;
  readonly errors: readonly ExpectedError[];
  /** The exact stderr of `allframe validate <file>` (no color), one string a line: messages, excerpts, carets. */
  readonly output?: readonly string[];
}

const DIR = join(__dirname, '..', 'fixtures', 'invalid');
const EXPECTED_FILE = 'expected.json';
const expectations = JSON.parse(readFileSync(join(DIR, EXPECTED_FILE), 'utf8')) as Record<string, Expectation>;
const files = readdirSync(DIR)
  .filter((f) => f !== EXPECTED_FILE)
  .sort();

const STACK_FRAME = '    at ';

function expectationFor(file: string): Expectation {
  const e = expectations[file];
  if (!e) throw new Error(`${file} has no entry in fixtures/invalid/${EXPECTED_FILE}`);
  return e;
}

function validateFixture(file: string): ValidationResult {
  const e = expectationFor(file);
  return validateSource(file, readFileSync(join(DIR, file)), {
    env: e.env ?? {},
    ...(e.target !== undefined ? { target: e.target } : {}),
    ...(e.environment !== undefined ? { environment: e.environment } : {}),
  });
}

const byPosition = (a: ExpectedError, b: ExpectedError) => a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
const located = (d: Diagnostic): ExpectedError => ({ code: d.code, line: d.line, col: d.col });

describe('fixtures/invalid', () => {
  test('GIVEN the corpus WHEN it is listed THEN it holds at least 120 files in both formats, each with an expectation', () => {
    // GIVEN / WHEN
    const yaml = files.filter((f) => ['.yaml', '.yml'].includes(extname(f)));
    const toml = files.filter((f) => extname(f) === '.toml');

    // THEN
    expect(files.length).toBeGreaterThanOrEqual(120);
    expect(yaml.length).toBeGreaterThan(0);
    expect(toml.length).toBeGreaterThanOrEqual(30);
    expect(yaml.length + toml.length).toBe(files.length);
    expect(Object.keys(expectations).sort()).toEqual(files);
    for (const [file, e] of Object.entries(expectations)) {
      expect({ file, errors: e.errors.length > 0 }).toEqual({ file, errors: true });
    }
  });

  test.each(files)('GIVEN %s WHEN it is validated THEN it is rejected with exactly the expected errors', (file) => {
    // GIVEN
    const expected = [...expectationFor(file).errors].sort(byPosition);

    // WHEN
    let result: ValidationResult | undefined;
    expect(() => {
      result = validateFixture(file);
    }).not.toThrow();

    // THEN
    expect(result?.ok).toBe(false);
    const diagnostics = result?.diagnostics ?? [];
    expect(diagnostics.map(located).sort(byPosition)).toEqual(expected);
    for (const d of diagnostics) {
      expect(Object.keys(ERROR_CODES)).toContain(d.code);
      expect(d.message.trim()).not.toBe('');
      expect(d.message).not.toContain(STACK_FRAME);
      expect(d.hint ?? '').not.toContain(STACK_FRAME);
    }
  });

  test.each(files.filter((f) => f.startsWith('misspelt-')))('GIVEN the misspelt key in %s WHEN it is validated THEN the error suggests the right key', (file) => {
    // WHEN
    const unknown = validateFixture(file).diagnostics.filter((d) => d.code === 'AF3001');

    // THEN
    expect(unknown.length).toBeGreaterThan(0);
    for (const d of unknown) {
      expect(d.hint).toMatch(/^did you mean "/);
      expect(d.suggestions?.length ?? 0).toBeGreaterThan(0);
    }
  });

  test.each(files.filter((f) => f.startsWith('misindented-')))('GIVEN the mis-indented key in %s WHEN it is validated THEN the hint points at the indentation', (file) => {
    // WHEN
    const unknown = validateFixture(file).diagnostics.filter((d) => d.code === 'AF3001');

    // THEN
    expect(unknown.length).toBeGreaterThan(0);
    for (const d of unknown) expect(d.hint).toMatch(/indent/);
  });

  test('GIVEN a YAML text over 10 MB WHEN it is validated THEN it is refused as too large at 1:1 before parsing', () => {
    // GIVEN
    const service = '  - name: user-service\n    type: stateless\n    responsibility: ' + 'x'.repeat(200) + '\n';
    const text = 'architecture: { name: shop }\nservices:\n' + service.repeat(Math.ceil((10 * 1024 * 1024) / service.length) + 1);
    expect(Buffer.byteLength(text)).toBeGreaterThan(10 * 1024 * 1024);

    // WHEN
    const fromString = validateSource('huge.yaml', text, { env: {} });
    const fromBytes = validateSource('huge.yaml', Buffer.from(text), { env: {} });

    // THEN
    for (const result of [fromString, fromBytes]) {
      expect(result.ok).toBe(false);
      expect(result.diagnostics.map(located)).toEqual([{ code: 'AF1002', line: 1, col: 1 }]);
      expect(result.diagnostics[0]?.message).not.toContain(STACK_FRAME);
    }
  });
});

/** Run `allframe validate` in-process on a corpus file, as a user in fixtures/invalid/ would. */
async function validateCli(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const e = expectationFor(file);
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: DIR, env: e.env ?? {}, isTTY: false };
  const argv = [
    'node',
    'allframe',
    'validate',
    file,
    ...(e.target !== undefined ? ['--target', e.target] : []),
    ...(e.environment !== undefined ? ['--env', e.environment] : []),
  ];
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('fixtures/invalid through the CLI', () => {
  const CLI_FILES = [
    'yaml-syntax-tab-indentation.yaml',
    'toml-duplicate-key.toml',
    'binary-png-bytes.yaml',
    'unknown-key-cloud-aws.yaml',
    'interpolation-required-variable.yaml',
    'cycle-three-services.toml',
    'target-gcp-max-retries-3.yaml',
    'target-fly-consumer-on-sqs.toml',
    'contradiction-min-above-max-in-environment.yaml',
  ];

  test.each(CLI_FILES)('GIVEN %s WHEN `allframe validate` runs on it THEN it exits 2 and prints each error as file:line:col without a stack', async (file) => {
    // GIVEN
    const e = expectationFor(file);

    // WHEN
    const { code, stdout, stderr } = await validateCli(file);

    // THEN
    expect(code).toBe(2);
    for (const err of e.errors) expect(stderr).toContain(`${file}:${err.line}:${err.col}: error ${err.code}`);
    expect(stderr).not.toContain(STACK_FRAME);
    expect(stderr).not.toMatch(/internal error/i);
    expect(stdout).toBe('');
  });

  const WITH_OUTPUT = files.filter((f) => expectationFor(f).output !== undefined);

  test('GIVEN the corpus WHEN it is listed THEN syntax errors and duplicate keys of both formats have their exact output', () => {
    const kinds = WITH_OUTPUT.map((f) => `${extname(f)} ${expectationFor(f).errors.map((x) => x.code).join(' ')}`);
    for (const kind of ['.yaml AF1005', '.yaml AF1006', '.toml AF1008', '.toml AF1006']) expect(kinds).toContain(kind);
  });

  test.each(WITH_OUTPUT)('GIVEN %s WHEN `allframe validate` runs on it THEN it prints exactly the expected output: located message, excerpt with a caret, path, hint', async (file) => {
    // WHEN
    const { code, stdout, stderr } = await validateCli(file);

    // THEN
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.replace(/\n$/, '').split('\n')).toEqual(expectationFor(file).output);
  });
});
