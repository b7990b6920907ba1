/**
 * The secrets a service lists in `secrets:`, read once at start-up: from the environment (SECRETS_SOURCE=env, the
 * default: local runs, platforms injecting them) or from AWS Secrets Manager (SECRETS_SOURCE=aws-secrets, ids
 * prefixed with SECRETS_PREFIX, as the AWS target sets them). They are never configuration variables: on Lambda
 * their values are not in the environment. Container entries await them before serving; Lambda entries on the
 * first invocation of an instance (the platform's `startOnce`).
 */
import { OutputFile, managed } from '../model/output-file';
import { secretNamesOf } from '../resolve/model';
import type { ConfigVar } from './common';
import type { ServiceContext } from './context';

export function secretNames(ctx: ServiceContext): readonly string[] {
  return secretNamesOf(ctx.service);
}

/** SECRETS_SOURCE and SECRETS_PREFIX: configuration of every service with secrets. */
export function secretsConfig(): Record<string, ConfigVar> {
  return {
    SECRETS_SOURCE: { kind: 'string', default: 'env', description: 'env | aws-secrets: where the secrets are read at start-up' },
    SECRETS_PREFIX: { kind: 'string', default: '', description: 'Prefix of the secret ids (aws-secrets) or variable names (env), e.g. shop/user-service/' },
  };
}

/** The secrets of the generated tests, as an object literal: `{ API_KEY: 'test-api_key' }`. */
export function testSecrets(ctx: ServiceContext): string {
  return literal(Object.fromEntries(secretNames(ctx).map((x) => [x, `test-${x.toLowerCase()}`])));
}

/** `{ A: 'a', B: 'b' }`: a TypeScript object literal of strings (names are constants, values have no quotes). */
function literal(values: Record<string, string>): string {
  const entries = Object.entries(values).map(([k, v]) => `${k}: '${v}'`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** What `deps.ts` and its tests add for secrets; empty strings for a service without any. */
export interface SecretsWiring {
  /** `import type { Secrets } from './secrets';` */
  readonly importType: string;
  /** The `secrets` field of `Dependencies`. */
  readonly field: string;
  /** `, secrets: Secrets`: the parameter of `createDependencies` after the configuration. */
  readonly param: string;
  /** The `secrets` property of the object `createDependencies` returns. */
  readonly prop: string;
  /** `, <test secrets>`: the argument of `createDependencies` in tests, after the configuration. */
  readonly testArg: string;
  /** The `secrets` property of a `Dependencies` literal in tests. */
  readonly testProp: string;
}

export function secretsWiring(ctx: ServiceContext): SecretsWiring {
  if (secretNames(ctx).length === 0) return { importType: '', field: '', param: '', prop: '', testArg: '', testProp: '' };
  return {
    importType: "import type { Secrets } from './secrets';\n",
    field: '  /** The secrets read at start-up (never log them). */\n  readonly secrets: Secrets;\n',
    param: ', secrets: Secrets',
    prop: '    secrets,\n',
    testArg: `, ${testSecrets(ctx)}`,
    testProp: `    secrets: ${testSecrets(ctx)},\n`,
  };
}

/** `src/secrets.ts` (the loader) and its test; nothing for a service without secrets. */
export function secretsFiles(ctx: ServiceContext): OutputFile[] {
  const names = secretNames(ctx);
  if (names.length === 0) return [];
  const P = ctx.platform;
  const values = Object.fromEntries(names.map((x) => [x, `test-${x.toLowerCase()}`]));
  const last = names[names.length - 1]!;
  const allButLast = Object.fromEntries(names.slice(0, -1).map((x) => [x, `value-of-${x.toLowerCase()}`]));
  return [
    managed(
      `${ctx.dir}/src/secrets.ts`,
      `import { loadSecrets, type AwsClient } from '${P}';
import type { Config } from './config';

/** The secrets the service reads at start-up: names only, the values live in the environment or the secrets manager. */
export const SECRET_NAMES = [${names.map((x) => `'${x}'`).join(', ')}] as const;
export type Secrets = Readonly<Record<(typeof SECRET_NAMES)[number], string>>;

/**
 * Reads the secrets once, at start-up: from the environment (SECRETS_SOURCE=env, the default) or from AWS Secrets
 * Manager (SECRETS_SOURCE=aws-secrets), each name prefixed with SECRETS_PREFIX. Fails with the names of the missing
 * secrets, never a value.
 */
export function loadServiceSecrets(
  config: Pick<Config, 'SECRETS_SOURCE' | 'SECRETS_PREFIX'>,
  env: Record<string, string | undefined> = process.env,
  client?: AwsClient,
): Promise<Secrets> {
  const source = config.SECRETS_SOURCE;
  if (source !== 'env' && source !== 'aws-secrets') return Promise.reject(new Error(\`SECRETS_SOURCE must be env or aws-secrets, not \${source}\`));
  return loadSecrets(SECRET_NAMES, { source, env, prefix: config.SECRETS_PREFIX, client });
}
`,
    ),
    managed(
      `${ctx.dir}/test/secrets.test.ts`,
      `import { SecretsError } from '${P}';
import { SECRET_NAMES, loadServiceSecrets } from '../src/secrets';

const VALUES = ${literal(values)};

/** A Secrets Manager client answering \`answer(id)\`, recording the ids asked for. */
function fakeClient(answer: (id: string) => string | undefined) {
  const ids: string[] = [];
  const client = {
    send: (command: object) => {
      const id = (command as { input: { SecretId: string } }).input.SecretId;
      ids.push(id);
      return Promise.resolve({ SecretString: answer(id) });
    },
  };
  return { ids, client };
}

describe('secrets', () => {
  test('read from the environment by default', async () => {
    await expect(loadServiceSecrets({ SECRETS_SOURCE: 'env', SECRETS_PREFIX: '' }, { ...VALUES, OTHER: 'x' })).resolves.toEqual(VALUES);
  });

  test('read from AWS Secrets Manager, ids prefixed with SECRETS_PREFIX', async () => {
    // GIVEN the secrets in Secrets Manager under the service's prefix
    const { ids, client } = fakeClient((id) => \`from-aws-\${id}\`);
    // WHEN read with SECRETS_SOURCE=aws-secrets
    const secrets = await loadServiceSecrets({ SECRETS_SOURCE: 'aws-secrets', SECRETS_PREFIX: 'shop/${ctx.service.name}/' }, undefined, client);
    // THEN each secret is its own id, nothing comes from the environment
    expect(ids).toEqual(SECRET_NAMES.map((name) => \`shop/${ctx.service.name}/\${name}\`));
    expect(Object.keys(secrets)).toEqual([...SECRET_NAMES]);
    expect(Object.values(secrets).every((v) => v.startsWith('from-aws-shop/'))).toBe(true);
  });

  test('a missing secret is an error naming it, never a value', async () => {
    // GIVEN ${last} missing${names.length > 1 ? ', the other secrets set' : ''}
    const env: Record<string, string> = ${literal(allButLast)};
    // WHEN read, from the environment or Secrets Manager
    const fromEnv = loadServiceSecrets({ SECRETS_SOURCE: 'env', SECRETS_PREFIX: '' }, env);
    const fromAws = loadServiceSecrets({ SECRETS_SOURCE: 'aws-secrets', SECRETS_PREFIX: 'p/' }, {}, fakeClient((id) => (id === 'p/${last}' ? undefined : 'value')).client);
    // THEN the error names the secret and holds no value
    const error = await fromEnv.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect((error as SecretsError).missing).toEqual(['${last}']);
    expect((error as Error).message).toContain('${last}');
    for (const value of Object.values(env)) expect((error as Error).message).not.toContain(value);
    await expect(fromAws).rejects.toThrow('Missing secrets: p/${last}');
  });

  test('an unknown SECRETS_SOURCE is refused', async () => {
    await expect(loadServiceSecrets({ SECRETS_SOURCE: 'vault', SECRETS_PREFIX: '' }, VALUES)).rejects.toThrow('SECRETS_SOURCE must be env or aws-secrets, not vault');
  });
});
`,
    ),
  ];
}

const SECRETS_IMPORT = "import { loadServiceSecrets } from '../secrets';";
const CREATE = /createDependencies\(config(?=[,)])/g;
const CREATES = /createDependencies\(config[,)]/;
const CREATE_INLINE = 'createDependencies(loadConfig(process.env)';

function withSecretsImport(lines: string[]): string[] {
  const last = lines.reduce((at, l, i) => (l.startsWith('import ') ? i : at), -1);
  return [...lines.slice(0, last + 1), SECRETS_IMPORT, ...lines.slice(last + 1)];
}

function readSecretsFirst(ctx: ServiceContext, text: string): string {
  if (!CREATES.test(text)) throw new Error(`an entry of ${ctx.service.name} does not create its dependencies from config`);
  return text.replace(CREATE, 'createDependencies(config, await loadServiceSecrets(config)');
}

const indent = (l: string) => (l === '' ? '' : `  ${l}`);

/**
 * A container entry (`entry/*.ts`, run with node): unchanged without secrets; with secrets, its body runs in
 * `async main()`, the secrets read before the dependencies are created, and a failure (e.g. a missing secret,
 * named) exits with 1 before anything is served.
 */
export function containerEntry(ctx: ServiceContext, text: string): string {
  if (secretNames(ctx).length === 0) return text;
  const lines = withSecretsImport(text.split('\n'));
  const split = lines.indexOf(SECRETS_IMPORT) + 1;
  const head = lines.slice(0, split);
  const body = lines.slice(split).join('\n').replace(/^\n+/, '').replace(/\n+$/, '');
  if (body.includes('async function main(')) return [...head, '', readSecretsFirst(ctx, body), ''].join('\n');
  return [
    ...head,
    '',
    'async function main(): Promise<void> {',
    ...readSecretsFirst(ctx, body).split('\n').map(indent),
    '}',
    '',
    'main().catch((error: unknown) => {',
    '  console.error(error);',
    '  process.exit(1);',
    '});',
    '',
  ].join('\n');
}

/**
 * A Lambda entry (`export const handler = ...`): unchanged without secrets; with secrets, what depends on the
 * dependencies (from the first statement creating them to the handler) is built by `startOnce` on the first
 * invocation of an instance, after the secrets are read, and the handler awaits it. Config stays read at module load.
 */
export function lambdaEntry(ctx: ServiceContext, text: string): string {
  if (secretNames(ctx).length === 0) return text;
  let lines = text.split('\n');
  const P = ctx.platform;
  const platformImport = lines.findIndex((l) => l.startsWith('import { ') && l.endsWith(` } from '${P}';`));
  if (platformImport >= 0) lines[platformImport] = lines[platformImport]!.replace(` } from '${P}';`, `, startOnce } from '${P}';`);
  else lines.splice(lines.findIndex((l) => l.startsWith('import ')), 0, `import { startOnce } from '${P}';`);
  lines = withSecretsImport(lines);
  const start = lines.findIndex((l) => l.includes('createDependencies('));
  const handlerAt = lines.findIndex((l) => l.startsWith('export const handler = '));
  if (start < 0 || handlerAt < start) throw new Error(`the Lambda entry of ${ctx.service.name} has no handler after its dependencies`);
  const handlerEnd = lines[handlerAt]!.endsWith(';') ? handlerAt : lines.findIndex((l, i) => i > handlerAt && l === '};');
  if (handlerEnd < 0) throw new Error(`the Lambda handler of ${ctx.service.name} does not end with '};'`);
  let docAt = handlerAt;
  while (docAt > start && /^(\/\*\*|\*| \*|\/\/)/.test(lines[docAt - 1]!)) docAt--;
  const before = lines.slice(0, start).join('\n').replace(/\n+$/, '').split('\n');
  if (!before.includes('const config = loadConfig(process.env);')) before.push(...(before.at(-1)?.startsWith('import ') ? [''] : []), 'const config = loadConfig(process.env);');
  const setup = lines.slice(start, docAt).join('\n').replace(/\n+$/, '');
  const handler = lines.slice(handlerAt, handlerEnd + 1).join('\n').replace(/^export const handler = /, '').replace(/;$/, '');
  const region = readSecretsFirst(ctx, [setup, `return ${handler};`].filter((x) => x !== '').join('\n').split(CREATE_INLINE).join('createDependencies(config'));
  return [
    ...before,
    '',
    '/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */',
    'const started = startOnce(async () => {',
    ...region.split('\n').map(indent),
    '});',
    '',
    ...lines.slice(docAt, handlerAt),
    'export const handler = async (...args: Parameters<Awaited<ReturnType<typeof started>>>) => (await started())(...args);',
    ...lines.slice(handlerEnd + 1),
  ].join('\n');
}
