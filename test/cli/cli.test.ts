import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINIMAL, cli } from '../helpers';

describe('allframe CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('validate finds architecture.yaml in the current directory and exits 0', async () => {
    writeFileSync(join(dir, 'architecture.yaml'), MINIMAL);
    const r = await cli(['validate'], dir);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe('✔ architecture.yaml is valid\n');
  });

  test('an invalid file: exit 2, file:line:col, code, excerpt with caret, path and hint; no colour off a TTY', async () => {
    // GIVEN
    writeFileSync(join(dir, 'architecture.yaml'), MINIMAL + '    memroy_mb: 256\n');
    // WHEN
    const r = await cli(['validate'], dir);
    // THEN
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        'architecture.yaml:5:5: error AF3001: unknown key "memroy_mb" in services[0]',
        '  4 |     type: stateless',
        '  5 |     memroy_mb: 256',
        '    |     ^^^^^^^^^',
        '  at services[0].memroy_mb',
        '  hint: did you mean "memory_mb"?',
        '',
        '1 error in architecture.yaml',
        '',
      ].join('\n'),
    );
  });

  test('colour only on a TTY, and never with NO_COLOR or --no-color', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'nope: 1\n');
    expect((await cli(['validate', 'a.yaml'], dir, { isTTY: true })).stderr).toContain('\u001b[31m');
    expect((await cli(['validate', 'a.yaml'], dir, { isTTY: true, env: { NO_COLOR: '1' } })).stderr).not.toContain('\u001b[');
    expect((await cli(['validate', 'a.yaml', '--no-color'], dir, { isTTY: true })).stderr).not.toContain('\u001b[');
  });

  test('--format json gives every diagnostic for machines', async () => {
    writeFileSync(join(dir, 'a.toml'), '[architecture]\nname = "x"\n');
    const r = await cli(['validate', 'a.toml', '--format', 'json'], dir);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { ok: boolean; diagnostics: { code: string; line: number; col: number; path: string }[] };
    expect(out.ok).toBe(false);
    expect(out.diagnostics.map((d) => [d.code, d.line, d.col, d.path])).toEqual([
      ['AF3005', 2, 8, '/architecture/name'],
      ['AF3004', 1, 1, ''],
    ].sort((a, b) => (a[1] as number) - (b[1] as number) || (a[2] as number) - (b[2] as number)));
  });

  test('--print shows the resolved model; --env merges an environment; env vars come from the environment', async () => {
    writeFileSync(
      join(dir, 'architecture.yaml'),
      'architecture: { name: shop, description: "${DESC}" }\nenvironments:\n  prod:\n    overrides:\n      user-service: { memory_mb: 1024 }\nservices:\n  - name: user-service\n    type: stateless\n',
    );
    const r = await cli(['validate', '--print', '--env', 'prod'], dir, { env: { DESC: 'Shop' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('description: Shop');
    expect(r.stdout).toMatch(/memory_mb: 1024/);
    expect(r.stdout).toMatch(/compute: lambda/);
    expect(r.stdout).toMatch(/event_bus: sns/);
  });

  test('a missing file is AF1001 with exit 2', async () => {
    const r = await cli(['validate', 'nope.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.yaml:1:1: error AF1001');
    const none = await cli(['validate'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error AF1001: no architecture file');
  });

  test('usage errors exit 2', async () => {
    expect((await cli(['validate', '--target', 'azure'], dir)).code).toBe(2);
    expect((await cli(['frobnicate'], dir)).code).toBe(2);
  });

  test('--help of every command has examples', async () => {
    for (const cmd of ['validate', 'schema', 'docs']) {
      const r = await cli([cmd, '--help'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
  });

  test('schema --out and docs write their files', async () => {
    expect((await cli(['schema', '--out', 'schema.json'], dir)).code).toBe(0);
    const schema = JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')) as { $schema: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect((await cli(['docs', '--out', 'ref'], dir)).code).toBe(0);
    expect(existsSync(join(dir, 'ref', 'architecture-reference.md'))).toBe(true);
    expect(readFileSync(join(dir, 'ref', 'errors.md'), 'utf8')).toContain('| AF3001 |');
    expect(readFileSync(join(dir, 'ref', 'target-support.md'), 'utf8')).toContain('| `deployment.strategy` |');
  });

  test('as a real process: exit code 2 and no stack trace for bad input, even binary garbage', () => {
    writeFileSync(join(dir, 'bad.yaml'), Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a]));
    const p = spawnSync(process.execPath, ['--import', 'tsx', '-e', "require('./src/cli/main.ts').run([process.argv[0], 'allframe', ...process.argv.slice(1)])", '--', 'validate', join(dir, 'bad.yaml')], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('error AF1003');
    expect(p.stderr).not.toMatch(/\n\s+at /);
  });
});
