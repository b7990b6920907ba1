/**
 * `allframe ignite`: a new system from a template. `ignite <dir> --template <name> --cloud <cloud>` writes the
 * template's architecture file into <dir> and synthesizes it there, in one emit: the architecture file is one of the
 * files the emitter writes (an owned file), so any problem (a value from the environment the file reads, the
 * target's checks, a file in the way) writes nothing at all, and a killed run leaves what a killed synth leaves.
 * `ignite --config <file>` is `synth <file>`; `ignite --list` lists the templates.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { ARCHITECTURE_NAME_LENGTH, PATTERNS, type TargetId } from '../model/constants';
import type { Diagnostic } from '../model/diagnostics';
import type { Template } from '../ignite/templates';
import type { Io } from './io';

export interface IgniteFlags {
  template?: string;
  cloud?: TargetId;
  name?: string;
  force?: boolean;
  list?: boolean;
  config?: string;
  format?: 'text' | 'json';
  validation?: boolean;
  color?: boolean;
  debug?: boolean;
}

/** Asks the user on a terminal (the CLI's: @inquirer/select and @inquirer/input; tests give their own). */
export interface Asker {
  select<T extends string>(message: string, choices: readonly { readonly value: T; readonly name: string; readonly description?: string }[]): Promise<T>;
  /** `validate` returns true, or what is wrong. */
  input(message: string, defaultValue: string, validate: (value: string) => true | string): Promise<string>;
}

/** The asker of a terminal; a prompt cancelled with Ctrl-C rejects. */
export async function terminalAsker(): Promise<Asker> {
  const [{ default: select }, { default: input }] = await Promise.all([import('@inquirer/select'), import('@inquirer/input')]);
  return {
    select: (message, choices) => select({ message, choices: choices.map((c) => ({ ...c })) }),
    input: (message, defaultValue, validate) => input({ message, default: defaultValue, validate }),
  };
}

export interface IgniteHelpers {
  /** Print located diagnostics (with excerpts of `text`). */
  readonly report: (diagnostics: readonly Diagnostic[], text?: string) => void;
  /** `allframe synth <file>` (for `--config`). */
  readonly synth: (file: string) => Promise<number>;
  /** Present on a terminal: the choices not given are asked. Without it they are a usage error. */
  readonly ask?: () => Promise<Asker>;
}

/** The choices of a run: given as flags, asked on a terminal, or what is missing (a usage error). */
async function choose(
  dirArg: string | undefined,
  flags: IgniteFlags,
  templates: readonly Template[],
  ask: (() => Promise<Asker>) | undefined,
  cwd: string,
): Promise<{ dir: string; template: Template; cloud: TargetId; name: string } | string> {
  const missing = [...(dirArg === undefined ? ['<dir>'] : []), ...(flags.template === undefined ? ['--template <name>'] : []), ...(flags.cloud === undefined ? ['--cloud <cloud>'] : [])];
  if (missing.length > 0 && ask === undefined) return `missing ${missing.join(', ')}`;
  const asker = missing.length > 0 ? await ask!() : undefined;
  let template: Template | undefined;
  if (flags.template !== undefined) {
    template = templates.find((t) => t.name === flags.template);
    if (template === undefined) return `no template "${flags.template}"; the templates are ${templates.map((t) => t.name).join(', ')}`;
  } else {
    const picked = await asker!.select('Template', templates.map((t) => ({ value: t.name, name: t.name, description: t.summary })));
    template = templates.find((t) => t.name === picked)!;
  }
  let cloud = flags.cloud;
  if (cloud === undefined) cloud = await asker!.select('Cloud', template.clouds.map((c) => ({ value: c, name: c })));
  if (!template.clouds.includes(cloud)) return `the ${template.name} template is for ${template.clouds.join(', ')}, not ${cloud}`;
  const dir = dirArg ?? (await asker!.input('Directory of the new system', `my-${template.name}`, (v) => (v.trim() !== '' ? true : 'a directory, e.g. my-shop')));
  let name = flags.name ?? basename(resolve(cwd, dir));
  if (!validName(name)) {
    if (asker === undefined) return `"${name}" cannot be the architecture's name (lowercase kebab-case, 3-40 characters, e.g. my-shop)${flags.name === undefined ? ": it is the directory's; give one with --name" : ''}`;
    name = await asker.input('Name of the architecture', 'my-system', (v) => (validName(v) ? true : 'lowercase kebab-case, 3-40 characters, e.g. my-shop'));
  }
  return { dir, template, cloud, name };
}

function validName(name: string): boolean {
  return NAME.test(name) && name.length >= ARCHITECTURE_NAME_LENGTH.min && name.length <= ARCHITECTURE_NAME_LENGTH.max;
}

const EXIT_OK = 0;
const EXIT_INVALID = 2;

/** architecture.name as the schema takes it. */
const NAME = new RegExp(PATTERNS.kebab);

/** What to run next, per cloud: the deploy step differs. */
const DEPLOY: Readonly<Record<TargetId, string>> = {
  aws: 'npx cdk deploy --all                     # AWS: the CDK app in cdk.json',
  gcp: 'terraform -chdir=infrastructure/gcp/default init && terraform -chdir=infrastructure/gcp/default apply   # GCP',
  fly: 'infrastructure/fly/default/deploy.sh     # Fly.io: every app, in order',
};

export async function igniteCommand(dirArg: string | undefined, flags: IgniteFlags, io: Io, helpers: IgniteHelpers): Promise<number> {
  const { TEMPLATES } = await import('../ignite/templates');
  const json = flags.format === 'json';
  const usage = (message: string): number => {
    io.stderr(`allframe ignite: ${message}\n(run with --help for usage; --list shows the templates)\n`);
    return EXIT_INVALID;
  };

  if (flags.list === true) {
    if (json) io.stdout(JSON.stringify(TEMPLATES.map((t) => ({ name: t.name, clouds: t.clouds, summary: t.summary })), null, 2) + '\n');
    else for (const t of TEMPLATES) io.stdout(`${t.name.padEnd(16)}${t.clouds.join(', ').padEnd(15)}${t.summary}\n`);
    return EXIT_OK;
  }
  if (flags.config !== undefined) {
    if (dirArg !== undefined || flags.template !== undefined || flags.cloud !== undefined || flags.name !== undefined) return usage('--config synthesizes an existing file: it takes no directory, --template, --cloud or --name');
    return helpers.synth(flags.config);
  }

  // On a terminal the choices not given are asked; without one they must all be given.
  let choices: { dir: string; template: Template; cloud: TargetId; name: string };
  try {
    const chosen = await choose(dirArg, flags, TEMPLATES, helpers.ask, io.cwd);
    if (typeof chosen === 'string') return usage(chosen);
    choices = chosen;
  } catch (e) {
    if ((e as Error).name !== 'ExitPromptError') throw e;
    io.stderr('allframe ignite: cancelled; nothing written\n');
    return EXIT_INVALID;
  }
  const { template, cloud, name } = choices;
  const dirGiven = choices.dir;
  const dir = resolve(io.cwd, dirGiven);
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) return usage(`${dirGiven} exists and is not a directory`);
  const entries = stat !== undefined ? readdirSync(dir) : [];
  if (entries.length > 0 && flags.force !== true) return usage(`${dirGiven} is not empty; ignite starts a new system: give a new or empty directory, or --force to write into this one`);
  if (existsSync(join(dir, 'architecture.yaml'))) return usage(`${join(dirGiven, 'architecture.yaml')} exists: ignite does not replace an architecture file; synthesize it with --config`);

  // The file as the template renders it, validated as `synth` reads it (the environment's variables included).
  const text = template.render({ name, cloud });
  const file = join(dir, 'architecture.yaml');
  const { validateSource } = await import('../validate/index');
  const validation = validateSource(relative(io.cwd, file), text, { env: io.env, target: cloud });
  if (validation.model === undefined) {
    helpers.report(validation.diagnostics, text);
    io.stderr('nothing written: the template does not validate with the values of this environment\n');
    return EXIT_INVALID;
  }
  const { synthesize } = await import('../synth/index');
  const { readEventSchemas } = await import('../model/event-schemas');
  const result = synthesize(validation.model, {
    sourceFile: 'architecture.yaml',
    ...(validation.document !== undefined ? { document: validation.document } : {}),
    validation: flags.validation !== false,
    eventSchemas: readEventSchemas(dir),
    onProgress: (message) => {
      if (io.isTTY && !json) io.stderr(message + '\n');
    },
  });
  if (!result.ok) {
    helpers.report(result.problems, text);
    io.stderr('nothing written\n');
    return EXIT_INVALID;
  }
  const { applyPlan, owned, planOutput } = await import('../emit/index');
  const outputs = [owned('architecture.yaml', text), ...result.outputs];
  const planned = planOutput(dir, outputs);
  // The architecture file is the user's from the start: the manifest, as `synth` then writes it, does not name it.
  const plan = { ...planned, manifest: Object.fromEntries(Object.entries(planned.manifest).filter(([path]) => path !== 'architecture.yaml')) };
  const errors = plan.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    helpers.report(plan.problems);
    io.stderr(`nothing written: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n`);
    return EXIT_INVALID;
  }
  await applyPlan(plan);

  const where = relative(io.cwd, dir) || '.';
  const next = [`cd ${where}`, 'npm install', 'npm test', 'npx allframe dev                         # the whole system on this machine', DEPLOY[cloud]];
  if (json) {
    io.stdout(JSON.stringify({ directory: dir, name, template: template.name, cloud, files: outputs.map((f) => f.path).sort(), next }, null, 2) + '\n');
  } else {
    io.stderr(`ignite: ${name}, the ${template.name} template on ${cloud}: ${outputs.length} files in ${where}\n`);
    for (const line of result.summary.report) io.stderr(line + '\n');
    io.stderr(`\nNext:\n${next.map((l) => `  ${l}`).join('\n')}\n`);
  }
  return EXIT_OK;
}
