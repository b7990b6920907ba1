import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATES } from '../../src/ignite/templates';
import { igniteCommand, type Asker, type IgniteHelpers } from '../../src/cli/ignite';
import type { Io } from '../../src/cli/io';
import { cli } from '../helpers';

describe('allframe ignite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-ignite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('--list names every template with its clouds, as text and as JSON', async () => {
    const text = await cli(['ignite', '--list'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ecommerce +aws, gcp, fly +a shop: /m);
    const json = await cli(['ignite', '--list', '--format', 'json'], dir);
    expect(JSON.parse(json.stdout)).toEqual(TEMPLATES.map((t) => ({ name: t.name, clouds: t.clouds, summary: t.summary })));
  });

  test('makes the directory: the commented architecture file with its schema modeline, synthesized; a synth right after changes nothing', async () => {
    // WHEN
    const r = await cli(['ignite', 'my-shop', '--template', 'ecommerce', '--cloud', 'fly'], dir);
    // THEN
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('ignite: my-shop, the ecommerce template on fly: ');
    expect(r.stderr).toContain('  cd my-shop\n  npm install\n  npm test\n');
    expect(r.stderr).toContain('infrastructure/fly/default/deploy.sh');
    const root = join(dir, 'my-shop');
    const text = readFileSync(join(root, 'architecture.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/allframe/schema/architecture.schema.json');
    expect(text).toContain('  name: my-shop\n');
    expect(text).toContain('  primary: fly\n');
    expect(existsSync(join(root, 'services', 'order-service', 'src', 'app.ts'))).toBe(true);
    expect(existsSync(join(root, 'infrastructure', 'fly', 'default', 'order-service', 'fly.toml'))).toBe(true);
    // the architecture file is the user's: the manifest does not name it, as synth's does not
    const manifest = JSON.parse(readFileSync(join(root, '.allframe', 'manifest.json'), 'utf8')) as { files: Record<string, unknown> };
    expect(manifest.files['architecture.yaml']).toBeUndefined();
    const again = await cli(['synth'], root);
    expect(again.stderr).toMatch(/^synth: 0 created, 0 updated, 0 deleted, \d+ unchanged \(0 written\)/);
    expect(readFileSync(join(root, '.allframe', 'manifest.json'), 'utf8')).toBe(JSON.stringify(manifest, null, 2) + '\n');
  });

  test('--format json prints what was made; --name names the architecture', async () => {
    const r = await cli(['ignite', 'shop', '--template', 'ecommerce', '--cloud', 'gcp', '--name', 'acme-shop', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { directory: string; name: string; template: string; cloud: string; files: string[]; next: string[] };
    expect(out).toMatchObject({ directory: join(dir, 'shop'), name: 'acme-shop', template: 'ecommerce', cloud: 'gcp' });
    expect(out.files).toContain('architecture.yaml');
    expect(out.files).toContain('infrastructure/gcp/default/cdk.tf.json');
    expect(out.files.length).toBe(readdirSync(join(dir, 'shop'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.parentPath.includes('.allframe')).length);
    expect(out.next[0]).toBe('cd shop');
    expect(readFileSync(join(dir, 'shop', 'architecture.yaml'), 'utf8')).toContain('  name: acme-shop\n');
  });

  test.each([
    ['no directory', ['--template', 'ecommerce', '--cloud', 'aws'], 'missing <dir>'],
    ['no template or cloud', ['x-shop'], 'missing --template <name>, --cloud <cloud>'],
    ['an unknown template', ['x-shop', '--template', 'ecomerce', '--cloud', 'aws'], 'no template "ecomerce"; the templates are ecommerce'],
    ['a directory name that is no architecture name', ['My_Shop', '--template', 'ecommerce', '--cloud', 'aws'], '"My_Shop" cannot be the architecture\'s name (lowercase kebab-case, 3-40 characters, e.g. my-shop): it is the directory\'s; give one with --name'],
    ['--config with a template', ['--config', 'architecture.yaml', '--template', 'ecommerce'], '--config synthesizes an existing file'],
  ])('%s is a usage error: exit 2, nothing written', async (_what, args, message) => {
    const r = await cli(['ignite', ...args], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a directory that is not empty is refused unless --force; --force keeps what is there but never replaces an architecture file', async () => {
    // GIVEN a directory with a file of the user's
    const root = join(dir, 'shop');
    mkdirSync(root);
    writeFileSync(join(root, 'NOTES.md'), 'mine\n');
    // WHEN / THEN: refused, nothing written
    const refused = await cli(['ignite', 'shop', '--template', 'ecommerce', '--cloud', 'fly'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('shop is not empty');
    expect(readdirSync(root)).toEqual(['NOTES.md']);
    // WHEN --force: written beside the user's file
    expect((await cli(['ignite', 'shop', '--template', 'ecommerce', '--cloud', 'fly', '--force'], dir)).code).toBe(0);
    expect(readFileSync(join(root, 'NOTES.md'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(root, 'architecture.yaml'))).toBe(true);
    // AND again with --force: the architecture file there is not replaced
    writeFileSync(join(root, 'architecture.yaml'), readFileSync(join(root, 'architecture.yaml'), 'utf8') + '# my note\n');
    const again = await cli(['ignite', 'shop', '--template', 'ecommerce', '--cloud', 'fly', '--force'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('architecture.yaml exists: ignite does not replace an architecture file');
    expect(readFileSync(join(root, 'architecture.yaml'), 'utf8')).toContain('# my note\n');
  });

  test('a value of the environment that makes the file invalid is located in it, and nothing is written', async () => {
    const r = await cli(['ignite', 'shop', '--template', 'ecommerce', '--cloud', 'aws', '--no-validation'], dir, { env: { AWS_ACCOUNT_ID: 'not-an-account' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shop\/architecture\.yaml:\d+:\d+: error AF\d+/);
    expect(r.stderr).toContain('nothing written');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('--config synthesizes an existing file, as synth does', async () => {
    expect((await cli(['ignite', 'shop', '--template', 'ecommerce', '--cloud', 'fly'], dir)).code).toBe(0);
    const r = await cli(['ignite', '--config', join(dir, 'shop', 'architecture.yaml')], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^synth: 0 created, 0 updated, 0 deleted, \d+ unchanged/);
  });
});

describe('allframe ignite on a terminal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-ignite-tty-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** An asker that answers from `answers` in turn and notes each question. */
  const scripted = (answers: string[]) => {
    const asked: string[] = [];
    const asker: Asker = {
      select: <T extends string>(message: string, choices: readonly { value: T; name: string }[]) => {
        asked.push(`${message}: ${choices.map((c) => c.value).join('|')}`);
        return Promise.resolve(answers.shift() as T);
      },
      input: (message, defaultValue, validate) => {
        const answer = answers.shift()!;
        asked.push(`${message} [${defaultValue}] ${String(validate(answer))}`);
        return Promise.resolve(answer);
      },
    };
    return { asked, ask: () => Promise.resolve(asker) };
  };
  const io = (out: { stderr: string }): Io => ({ stdout: () => undefined, stderr: (s) => (out.stderr += s), cwd: dir, env: {}, isTTY: true });
  const helpers = (ask: () => Promise<Asker>): IgniteHelpers => ({ report: () => undefined, synth: () => Promise.resolve(0), ask });

  test('only the choices not given are asked, and the answers are used', async () => {
    // GIVEN a run with the directory only
    const { asked, ask } = scripted(['ecommerce', 'fly']);
    const out = { stderr: '' };
    // WHEN
    const code = await igniteCommand('shop', {}, io(out), helpers(ask));
    // THEN the template, then the cloud among the template's, were asked, and the system made with them
    expect(code).toBe(0);
    expect(asked).toEqual([`Template: ${TEMPLATES.map((t) => t.name).join('|')}`, 'Cloud: aws|gcp|fly']);
    expect(readFileSync(join(dir, 'shop', 'architecture.yaml'), 'utf8')).toContain('  primary: fly\n');
  });

  test('a missing directory is asked; a directory whose name is no architecture name asks for the name', async () => {
    const { asked, ask } = scripted(['Bad_Name', 'my-shop']);
    const out = { stderr: '' };
    const code = await igniteCommand(undefined, { template: 'ecommerce', cloud: 'gcp' }, io(out), helpers(ask));
    expect(code).toBe(0);
    expect(asked).toEqual(['Directory of the new system [my-ecommerce] true', 'Name of the architecture [my-system] true']);
    expect(readFileSync(join(dir, 'Bad_Name', 'architecture.yaml'), 'utf8')).toContain('  name: my-shop\n');
  });

  test('a prompt cancelled with Ctrl-C writes nothing: exit 2', async () => {
    const cancelled = Object.assign(new Error('User force closed the prompt'), { name: 'ExitPromptError' });
    const asker: Asker = { select: () => Promise.reject(cancelled), input: () => Promise.reject(cancelled) };
    const out = { stderr: '' };
    const code = await igniteCommand('shop', {}, io(out), helpers(() => Promise.resolve(asker)));
    expect(code).toBe(2);
    expect(out.stderr).toContain('cancelled; nothing written');
    expect(readdirSync(dir)).toEqual([]);
  });

  test("the terminal's asker loads its prompts (ESM packages) in node, as the CLI runs", () => {
    // jest's module runtime cannot require ESM on Node 20; node itself can, and the CLI bundle holds them
    const script = `require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'cli', 'ignite.ts'))}).terminalAsker().then((a) => process.stdout.write(typeof a.select + ' ' + typeof a.input))`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'function function', stderr: '' });
});
});
