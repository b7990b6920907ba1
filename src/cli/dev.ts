/**
 * `allframe dev`: synthesize (as `allframe synth` does), start the architecture locally (src/dev), print where
 * everything is, then the logs of every process until Ctrl-C. `allframe dev --trigger SERVICE` runs a scheduled
 * service's job in a local run that is already up.
 */
import { DEFAULT_PORT_BASE } from '../dev/constants';
import type { LogLine } from '../dev/processes';
import type { Io } from './io';

/** Options of the log output. */
export interface LogFormat {
  readonly format: 'pretty' | 'json';
  readonly color: boolean;
}

const LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const PALETTE = [36, 35, 32, 33, 34, 96, 95, 92, 93, 94];
/** Fields of a pino line shown in its own place, not as key=value. */
const SHOWN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

function colour(on: boolean, code: number, s: string): string {
  return on ? `\u001b[${code}m${s}\u001b[39m` : s;
}

/** A stable colour per source, from its name. */
function sourceColour(source: string): number {
  let h = 0;
  for (const ch of source) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

/** A pino JSON line as an object, or undefined for any other line. */
function structured(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line of the run's log. pretty: `source  | level message key=value` (a service's pino JSON made readable);
 * json: one JSON object a line, `{ "source", "stream", ...the pino fields or "msg" }`.
 */
export function formatLogLine(line: LogLine, options: LogFormat, width: number): string {
  const fields = structured(line.text);
  if (options.format === 'json') return JSON.stringify({ source: line.source, stream: line.stream, ...(fields ?? { msg: line.text }) });
  const prefix = colour(options.color, sourceColour(line.source), `${line.source.padEnd(width)} |`);
  if (fields === undefined) return `${prefix} ${line.text}`;
  const level = typeof fields.level === 'number' ? (LEVELS[fields.level] ?? String(fields.level)) : String(fields.level ?? 'info');
  const levelText = level === 'error' || level === 'fatal' ? colour(options.color, 31, level) : level === 'warn' ? colour(options.color, 33, level) : level;
  const rest = Object.entries(fields)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [prefix, levelText, String(fields.msg ?? ''), ...rest].join(' ').trimEnd();
}

/** moto's request log (one line per API call): left out of the pretty log unless --verbose. */
export function isEmulatorChatter(line: LogLine): boolean {
  return line.source === 'moto' && /"(GET|POST|PUT|DELETE|HEAD|PATCH) [^"]* HTTP\/1\.[01]" \d{3}/.test(line.text);
}

/** The table printed once everything is ready. */
export function readyTable(
  services: readonly { name: string; kind: string; url: string; started: boolean }[],
  emulators: ReadonlyMap<string, string>,
  notes: readonly string[],
  seconds: number,
): string[] {
  const started = services.filter((s) => s.started);
  const w = Math.max(7, ...started.map((s) => s.name.length));
  const k = Math.max(4, ...started.map((s) => s.kind.length));
  const lines = [`allframe dev: ${started.length} service${started.length === 1 ? '' : 's'} ready in ${seconds.toFixed(1)} s`, '', `  ${'service'.padEnd(w)}  ${'kind'.padEnd(k)}  url                        docs`];
  for (const s of started) lines.push(`  ${s.name.padEnd(w)}  ${s.kind.padEnd(k)}  ${s.url.padEnd(25)}  ${s.url}/docs`);
  lines.push('');
  for (const [name, url] of emulators) lines.push(`  ${name.padEnd(w)}  ${'emulator'.padEnd(k)}  ${url}`);
  lines.push('', 'Differences from the cloud (docs/dev.md):', ...notes.map((n) => `  - ${n}`), '', 'Ctrl-C stops everything; a second Ctrl-C kills.');
  return lines;
}

export interface DevFlags {
  out?: string;
  env?: string;
  target?: 'aws' | 'gcp' | 'fly';
  only?: string[];
  portBase?: string;
  format: 'pretty' | 'json';
  synth?: boolean;
  trigger?: string;
  provision?: string;
  verbose?: boolean;
  color?: boolean;
  debug?: boolean;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_INVALID = 2;

function portBase(flags: DevFlags): number | string {
  if (flags.portBase === undefined) return DEFAULT_PORT_BASE;
  const n = Number(flags.portBase);
  return Number.isInteger(n) && n >= 1024 && n <= 65000 ? n : `--port-base must be a whole number from 1024 to 65000, got ${flags.portBase}`;
}

/**
 * Runs `allframe dev` until a signal on `signals` (SIGINT or SIGTERM) stops it: the first stops every process
 * politely, a second kills them. Returns the exit code.
 */
export async function devCommand(fileArg: string | undefined, flags: DevFlags, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const color = flags.color !== false && io.isTTY && io.env.NO_COLOR === undefined && flags.format !== 'json';
  const { formatDiagnostic, formatSummary } = await import('./format');
  const fail = (message: string) => {
    io.stderr(`allframe dev: ${message}\n`);
    return EXIT_INVALID;
  };
  const base = portBase(flags);
  if (typeof base === 'string') return fail(base);
  const options = { cwd: io.cwd, env: io.env, ...(flags.env !== undefined ? { environment: flags.env } : {}), ...(flags.target !== undefined ? { target: flags.target } : {}) };
  const { synthesizeFile } = await import('../synth/index');
  const result = synthesizeFile(fileArg, { ...options, ...(flags.out !== undefined ? { outDir: flags.out } : {}), validation: false, skeletons: true });
  if (!result.ok || result.outDir === undefined || result.validation.model === undefined) {
    for (const d of result.diagnostics) io.stderr(formatDiagnostic(d, { color, ...(result.validation.text !== undefined ? { text: result.validation.text } : {}) }) + '\n\n');
    io.stderr(formatSummary(result.diagnostics, result.validation.display, { color }) + '\n');
    return EXIT_INVALID;
  }
  const model = result.validation.model;
  const { DevError, servicePorts, startDev } = await import('../dev/index');
  if (flags.trigger !== undefined) return triggerCommand(flags.trigger, model, servicePorts(model, base), io);
  if (flags.provision !== undefined) {
    if (flags.provision !== 'compose') return fail(`--provision takes "compose" (the compose file's emulators), got ${flags.provision}`);
    const { provisionCompose } = await import('../dev/index');
    let proxy: Awaited<ReturnType<typeof provisionCompose>>;
    try {
      proxy = await provisionCompose({ model, outputs: result.outputs, workspace: result.outDir, env: io.env });
    } catch (e) {
      if (e instanceof DevError) return fail(e.message);
      throw e;
    }
    io.stderr('allframe dev: the infrastructure is created on the compose emulators\n');
    if (proxy === undefined) return EXIT_OK;
    // GCP: the filter proxy stays up until the container is stopped
    io.stderr('allframe dev: filtering pushes on port 8090 until stopped\n');
    await new Promise<void>((resolve) => {
      signals.once('SIGINT', resolve);
      signals.once('SIGTERM', resolve);
    });
    await proxy.close();
    return EXIT_OK;
  }
  if (flags.synth !== false) {
    const { planOutput, applyPlan } = await import('../emit/index');
    const plan = planOutput(result.outDir, result.outputs);
    const errors = plan.problems.filter((p) => p.severity === 'error');
    for (const p of plan.problems) io.stderr(formatDiagnostic(p, { color }) + '\n\n');
    if (errors.length > 0) return fail(`nothing started: ${errors.length} problem${errors.length === 1 ? '' : 's'} writing the workspace (as allframe synth would)`);
    const { written } = await applyPlan(plan);
    if (written > 0) io.stderr(`allframe dev: synth wrote ${written} file${written === 1 ? '' : 's'}\n`);
  }
  const { MissingToolsError } = await import('../dev/tools');
  const format: LogFormat = { format: flags.format, color };
  const width = Math.max(8, ...model.services.map((s) => s.name.length));
  const print = (line: LogLine) => {
    if (flags.verbose !== true && flags.format === 'pretty' && isEmulatorChatter(line)) return;
    io.stdout(formatLogLine(line, format, width) + '\n');
  };
  // Signals: the first stops, the second kills. Until the run is up, a signal ends the start-up the same way.
  let signalled = 0;
  let onSignal: (() => void) | undefined;
  const handler = () => {
    signalled++;
    onSignal?.();
  };
  signals.on('SIGINT', handler);
  signals.on('SIGTERM', handler);
  const started = Date.now();
  try {
    let run: Awaited<ReturnType<typeof startDev>>;
    try {
      run = await startDev({
        model,
        outputs: result.outputs,
        workspace: result.outDir,
        ...(flags.only !== undefined ? { only: flags.only } : {}),
        portBase: base,
        env: io.env,
        log: print,
        onUnexpectedExit: (name, code) => print({ source: 'allframe', stream: 'stderr', text: `${name} exited (${code}) while the run is up; the others go on` }),
      });
    } catch (e) {
      if (e instanceof DevError || e instanceof MissingToolsError) return fail(e.message);
      throw e;
    }
    if (signalled > 0) {
      await run.stop();
      return EXIT_OK;
    }
    if (flags.format === 'json') io.stdout(JSON.stringify({ source: 'allframe', event: 'ready', seconds: (Date.now() - started) / 1000, services: run.services.filter((s) => s.started).map((s) => ({ name: s.name, kind: s.kind, url: s.url, docs: `${s.url}/docs` })), emulators: Object.fromEntries(run.emulators), notes: run.notes }) + '\n');
    else for (const line of readyTable(run.services, run.emulators, run.notes, (Date.now() - started) / 1000)) io.stdout(line + '\n');
    return await new Promise<number>((resolve) => {
      onSignal = () => {
        if (signalled === 1) {
          io.stderr('\nallframe dev: stopping (Ctrl-C again to kill)\n');
          run.stop().then(() => resolve(EXIT_OK), () => resolve(EXIT_FAILED));
        } else {
          run.kill().then(() => resolve(130), () => resolve(130));
        }
      };
    });
  } finally {
    signals.off('SIGINT', handler);
    signals.off('SIGTERM', handler);
  }
}

async function triggerCommand(name: string, model: { services: readonly { name: string; kind: string }[] }, ports: ReadonlyMap<string, number>, io: Io): Promise<number> {
  const service = model.services.find((s) => s.name === name);
  if (service?.kind !== 'scheduled') {
    const scheduled = model.services.filter((s) => s.kind === 'scheduled').map((s) => s.name);
    io.stderr(`allframe dev --trigger: ${name} is not a scheduled service of the architecture (scheduled: ${scheduled.join(', ') || 'none'})\n`);
    return EXIT_INVALID;
  }
  const url = `http://127.0.0.1:${ports.get(name)}`;
  const { triggerRun } = await import('../dev/schedule');
  try {
    const r = await triggerRun(url);
    io.stdout(`${name}: ${r.status} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}\n`);
    return r.status >= 200 && r.status < 300 ? EXIT_OK : EXIT_FAILED;
  } catch {
    io.stderr(`allframe dev --trigger: nothing answers at ${url}: start "allframe dev" (with the same --port-base) first\n`);
    return EXIT_INVALID;
  }
}
