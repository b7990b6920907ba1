/**
 * The command line: the only place that touches argv, stdout/stderr and exit codes.
 * Exit codes: 0 valid, 2 invalid input or usage, 1 internal failure (a bug).
 */
import { Command, CommanderError, Option } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Diagnostic, InternalError } from '../model/diagnostics';
import { TARGETS, TargetId } from '../model/constants';
import { diagnosticJson, formatDiagnostic, formatSummary } from './format';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INVALID = 2;

/** Where output goes; tests pass their own. */
export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Colour when this is a terminal (and NO_COLOR is unset). */
  readonly isTTY: boolean;
}

const DEFAULT_FILES = ['architecture.yaml', 'architecture.yml', 'architecture.toml'];

interface ValidateFlags {
  env?: string;
  target?: TargetId;
  print?: boolean;
  format: 'text' | 'json';
  color?: boolean;
  debug?: boolean;
}

/** Run the CLI with `argv` (as process.argv), returning the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exit = EXIT_OK;
  let debug = argv.includes('--debug');
  const program = new Command('allframe')
    .description('One architecture file in: a deployable, secure, tested cloud architecture out.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExamples:\n  $ allframe validate\n  $ allframe validate examples/shop/architecture.yaml --env prod --print\n  $ allframe schema --out schema/architecture.schema.json\n  $ allframe docs');

  program
    .command('validate')
    .description('Check an architecture file: syntax, schema, references, cycles and what the target can honour')
    .argument('[file]', `architecture file (default: ${DEFAULT_FILES.join(', ')} in the current directory)`)
    .option('-e, --env <name>', 'merge environments.<name> over the base before checking')
    .addOption(new Option('-t, --target <target>', 'target to check against (default: cloud.primary)').choices(TARGETS))
    .option('-p, --print', 'print the resolved model (all defaults filled in)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'no colour, even on a terminal')
    .option('--debug', 'show stack traces of internal errors')
    .addHelpText(
      'after',
      '\nExit codes: 0 valid, 2 invalid, 1 internal error.\n\nExamples:\n  $ allframe validate\n  $ allframe validate architecture.toml --target gcp\n  $ allframe validate --env prod --print\n  $ allframe validate --format json > report.json',
    )
    .action(async (file: string | undefined, flags: ValidateFlags) => {
      debug = flags.debug === true;
      exit = await validateCommand(file, flags, io);
    });

  program
    .command('schema')
    .description('Print the JSON Schema of the architecture format (draft 2020-12)')
    .option('-o, --out <file>', 'write it to a file instead of stdout')
    .addHelpText('after', '\nEditors with yaml-language-server check and complete the file with it:\n  # yaml-language-server: $schema=./schema/architecture.schema.json\n\nExamples:\n  $ allframe schema > architecture.schema.json\n  $ allframe schema --out schema/architecture.schema.json')
    .action(async (flags: { out?: string }) => {
      const { architectureJsonSchema } = await import('../model/schema');
      const text = JSON.stringify(architectureJsonSchema(), null, 2) + '\n';
      if (flags.out) {
        const { writeFileAtomic } = await import('../emit/atomic');
        writeFileAtomic(resolve(io.cwd, flags.out), text);
        io.stderr(`wrote ${flags.out}\n`);
      } else {
        io.stdout(text);
      }
    });

  program
    .command('docs')
    .description('Write a Markdown reference of every key and every error code, generated from the schema')
    .option('-o, --out <dir>', 'directory to write into', 'docs')
    .addHelpText('after', '\nWrites <dir>/architecture-reference.md and <dir>/errors.md.\n\nExamples:\n  $ allframe docs\n  $ allframe docs --out website/reference')
    .action(async (flags: { out: string }) => {
      const { referenceMarkdown, errorsMarkdown } = await import('../docs/reference');
      const { writeFileAtomic } = await import('../emit/atomic');
      const dir = resolve(io.cwd, flags.out);
      writeFileAtomic(join(dir, 'architecture-reference.md'), referenceMarkdown());
      writeFileAtomic(join(dir, 'errors.md'), errorsMarkdown());
      io.stderr(`wrote ${join(flags.out, 'architecture-reference.md')} and ${join(flags.out, 'errors.md')}\n`);
    });

  try {
    await program.parseAsync(argv);
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_INVALID; // commander already printed the usage error
    }
    io.stderr(`allframe: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    else io.stderr('This is a bug in allframe, not in your file. Rerun with --debug for details and report it.\n');
    return EXIT_INTERNAL;
  }
}

async function validateCommand(fileArg: string | undefined, flags: ValidateFlags, io: Io): Promise<number> {
  const color = flags.color !== false && io.isTTY && io.env.NO_COLOR === undefined && flags.format === 'text';
  const found = locate(fileArg, io.cwd);
  const { validateSource } = await import('../validate/index');
  let diagnostics: readonly Diagnostic[];
  let text: string | undefined;
  let printed: Record<string, unknown> | undefined;
  if ('error' in found) {
    diagnostics = [found.error];
  } else {
    const bytes = readFileSync(found.path);
    const result = validateSource(found.display, bytes, {
      env: io.env,
      ...(flags.env !== undefined ? { environment: flags.env } : {}),
      ...(flags.target !== undefined ? { target: flags.target } : {}),
    });
    diagnostics = result.diagnostics;
    text = result.document?.text;
    if (result.model && flags.print) {
      const { resolvedDocument } = await import('../resolve/index');
      printed = resolvedDocument(result.model);
    }
  }
  const display = 'error' in found ? found.error.file : found.display;
  const ok = !diagnostics.some((d) => d.severity === 'error');
  if (flags.format === 'json') {
    io.stdout(JSON.stringify({ ok, file: display, diagnostics: diagnostics.map(diagnosticJson), ...(printed ? { model: printed } : {}) }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) io.stderr(formatDiagnostic(d, { color, ...(text !== undefined ? { text } : {}) }) + '\n\n');
    if (printed) {
      const { stringify } = await import('yaml');
      io.stdout(stringify(printed, { lineWidth: 0 }));
    }
    io.stderr(formatSummary(diagnostics, display, { color }) + '\n');
  }
  return ok ? EXIT_OK : EXIT_INVALID;
}

function locate(fileArg: string | undefined, cwd: string): { path: string; display: string } | { error: Diagnostic } {
  const notFound = (file: string, message: string): { error: Diagnostic } => ({
    error: { code: 'AF1001', severity: 'error', message, path: [], pointer: '', file, line: 1, col: 1, endLine: 1, endCol: 1, hint: 'pass the path of an architecture file, or run in a directory that has architecture.yaml' },
  });
  if (fileArg === undefined) {
    const hit = DEFAULT_FILES.find((f) => existsSync(join(cwd, f)));
    if (!hit) return notFound('.', `no architecture file in ${cwd} (looked for ${DEFAULT_FILES.join(', ')})`);
    fileArg = hit;
  }
  const path = resolve(cwd, fileArg);
  const display = relative(cwd, path) || fileArg;
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      const hit = DEFAULT_FILES.find((f) => existsSync(join(path, f)));
      if (!hit) return notFound(display, `${display} is a directory without ${DEFAULT_FILES.join(', ')}`);
      return { path: join(path, hit), display: join(display, hit) };
    }
  } catch {
    return notFound(display, `cannot read ${display}: no such file`);
  }
  return { path, display };
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Entry point of bin/allframe. */
export function run(argv: readonly string[]): void {
  const io: Io = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
  };
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`allframe: internal error: ${e instanceof InternalError || e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT_INTERNAL;
    },
  );
}
