/**
 * `allframe ignite`: a new system from a template. `ignite <dir> --template <name> --cloud <cloud>` writes the
 * template's architecture file into <dir> and synthesizes it there, in one emit: the architecture file is one of the
 * files the emitter writes (an owned file), so any problem (a value from the environment the file reads, the
 * target's checks, a file in the way) writes nothing at all, and a killed run leaves what a killed synth leaves.
 * `ignite --config <file>` is `synth <file>`; `ignite --list` lists the templates.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { TargetId } from '../model/constants';
import type { Diagnostic } from '../model/diagnostics';
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

export interface IgniteHelpers {
  /** Print located diagnostics (with excerpts of `text`). */
  readonly report: (diagnostics: readonly Diagnostic[], text?: string) => void;
  /** `allframe synth <file>` (for `--config`). */
  readonly synth: (file: string) => Promise<number>;
}

const EXIT_OK = 0;
const EXIT_INVALID = 2;

/** architecture.name as the schema takes it. */
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** What to run next, per cloud: the deploy step differs. */
const DEPLOY: Readonly<Record<TargetId, string>> = {
  aws: 'npx cdk deploy --all                     # AWS: the CDK app in cdk.json',
  gcp: 'terraform -chdir=infrastructure/gcp/default init && terraform -chdir=infrastructure/gcp/default apply   # GCP',
  fly: 'infrastructure/fly/default/deploy.sh     # Fly.io: every app, in order',
};

export async function igniteCommand(dirArg: string | undefined, flags: IgniteFlags, io: Io, helpers: IgniteHelpers): Promise<number> {
  const { TEMPLATES, findTemplate } = await import('../ignite/templates');
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

  // Every choice must be given: a run without a terminal cannot ask (see docs/templates.md).
  const missing = [...(dirArg === undefined ? ['<dir>'] : []), ...(flags.template === undefined ? ['--template <name>'] : []), ...(flags.cloud === undefined ? ['--cloud <cloud>'] : [])];
  if (missing.length > 0) return usage(`missing ${missing.join(', ')}`);
  const template = findTemplate(flags.template!);
  if (template === undefined) return usage(`no template "${flags.template}"; the templates are ${TEMPLATES.map((t) => t.name).join(', ')}`);
  const cloud = flags.cloud!;
  if (!template.clouds.includes(cloud)) return usage(`the ${template.name} template is for ${template.clouds.join(', ')}, not ${cloud}`);

  const dir = resolve(io.cwd, dirArg!);
  const name = flags.name ?? basename(dir);
  if (!NAME.test(name) || name.length < 3 || name.length > 40) {
    return usage(`"${name}" cannot be the architecture's name (lowercase kebab-case, 3-40 characters, e.g. my-shop)${flags.name === undefined ? ": it is the directory's; give one with --name" : ''}`);
  }
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) return usage(`${dirArg} exists and is not a directory`);
  const entries = stat !== undefined ? readdirSync(dir) : [];
  if (entries.length > 0 && flags.force !== true) return usage(`${dirArg} is not empty; ignite starts a new system: give a new or empty directory, or --force to write into this one`);
  if (existsSync(join(dir, 'architecture.yaml'))) return usage(`${join(dirArg!, 'architecture.yaml')} exists: ignite does not replace an architecture file; synthesize it with --config`);

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
