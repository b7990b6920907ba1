/**
 * The checks every fly.toml allframe writes must pass (issue 14). First SchemaStore's fly.json schema, vendored
 * unchanged with its licence in lib-constructs/fly/schema/ (AF5201); then allframe's own rules for what that schema
 * misses and a real `fly deploy` would trip over, or what Fly would silently change (AF5202..AF5213, docs/errors.md).
 * All problems are collected, none thrown: the caller fails once.
 *
 * Sources, read 2026-08 (each rule cites its own):
 * - [config] Fly's fly.toml reference, https://fly.io/docs/reference/configuration/ (superfly/docs 5c22c8c,
 *   reference/configuration.html.markerb);
 * - [health] Fly's health-check guide, https://fly.io/docs/reference/health-checks/ (reference/health-checks.html.markerb);
 * - [sizing] https://fly.io/docs/machines/guides-examples/machine-sizing/ and [volumes] https://fly.io/docs/volumes/overview/;
 * - [flyctl] superfly/flyctl ad0172f: internal/appconfig/validation.go (`fly deploy` validates the file with it),
 *   internal/command/deploy/{deploy,machines_deploymachinesapp,strategy_bluegreen}.go, internal/machine/leasable_machine.go;
 * - [fly-go] superfly/fly-go 22d6e51: machine_types.go (sizes, check kinds).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseToml } from 'smol-toml';
import {
  FLY_CPU_KINDS,
  FLY_DEFAULT_VM_SIZE,
  FLY_RESERVED_ENV_NAMES,
  FLY_RESERVED_ENV_PREFIX,
  FLY_SERVICE_CHECK_MAX_MS,
  FLY_SERVICE_CHECK_MIN_MS,
  FLY_SNAPSHOT_RETENTION_DAYS,
  FLY_TOP_LEVEL_CHECK_MAX_TIMEOUT_MS,
  FLY_TOP_LEVEL_CHECK_MIN_INTERVAL_MS,
  FLY_VM_PRESETS,
  FLY_VOLUME_MIN_GB,
  flyVmFits,
} from '../../../lib-constructs/core/cloud-limits';
import type FlySchema from '../../../lib-constructs/fly/schema/fly.json';
import { DocPath, ErrorCode, formatPath, toPointer } from '../../model/diagnostics';
import { isRecord } from '../../parse/values';

export { FLY_CPU_KINDS, FLY_VM_PRESETS, FLY_VM_SIZES, flyVmFits } from '../../../lib-constructs/core/cloud-limits';
export type { FlyCpuKind, FlyCpuKindLimits, FlyVmSize } from '../../../lib-constructs/core/cloud-limits';

/** One thing wrong with a fly.toml. */
export interface FlyTomlProblem {
  /** AF5201 (the schema refuses it) or the code of one of allframe's own rules (AF5202..AF5213). */
  readonly code: ErrorCode;
  /** What is wrong, naming the key (`deploy.strategy ...`), and what Fly would do with it. */
  readonly message: string;
  /** JSON Pointer (RFC 6901) into the fly.toml document, e.g. `/http_service/checks/0/interval`; empty for the whole file. */
  readonly pointer: string;
  /** The fly.toml checked, as the caller named it. */
  readonly file: string;
}

type Json = Record<string, unknown>;
type Report = (code: ErrorCode, path: DocPath, message: string) => void;

/** Check a parsed fly.toml: the schema, then allframe's rules. An empty list means it passes. */
export function checkFlyToml(config: unknown, file: string): FlyTomlProblem[] {
  const problems: FlyTomlProblem[] = [];
  const seen = new Set<string>();
  const report: Report = (code, path, message) => {
    const pointer = toPointer(path);
    const key = `${code}|${pointer}|${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ code, message, pointer, file });
  };
  schemaProblems(config, report);
  if (isRecord(config)) for (const rule of RULES) rule(config, report);
  return problems;
}

/** Check the text of a fly.toml. Text that is not TOML is refused as AF5201 (no schema can accept it). */
export function checkFlyTomlText(text: string, file: string): FlyTomlProblem[] {
  let config: unknown;
  try {
    config = plainData(parseToml(text));
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n', 1).join('');
    return [{ code: 'AF5201', message: `not TOML: ${first.replace(/^Invalid TOML document: /, '')}`, pointer: '', file }];
  }
  return checkFlyToml(config, file);
}

// ---------------------------------------------------------------------------------------------------------------
// AF5201: the vendored schema
// ---------------------------------------------------------------------------------------------------------------

let validator: ValidateFunction | undefined;

/**
 * The schema's validator, compiled on first use and kept. Draft-07, as its $schema says; strict, with Taplo's
 * editor annotations (`x-taplo`, `x-taplo-info`) declared as keywords so that strict mode accepts them. ajv and
 * the schema are loaded only here: a synth that checks no fly.toml loads neither. Compiling takes some 0.2-0.3 s.
 */
function flyTomlValidator(): ValidateFunction {
  if (validator === undefined) {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use */
    const Ajv = (require('ajv') as typeof import('ajv')).default;
    const schema = require('../../../lib-constructs/fly/schema/fly.json') as typeof FlySchema;
    /* eslint-enable @typescript-eslint/no-require-imports */
    // The vendored copy is checked against the draft-07 meta-schema by its test, not at every compile (half the time).
    validator = new Ajv({ allErrors: true, strict: true, validateSchema: false, keywords: ['x-taplo', 'x-taplo-info'] }).compile(schema);
  }
  return validator;
}

const TYPE_WORDS: Readonly<Record<string, string>> = { object: 'a table', array: 'an array', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' };

/**
 * The schema's errors, one per mistake: a union (oneOf/anyOf) whose value has the type of one of its forms keeps
 * that form's own errors (services = [{ protocol = "sctp" }] is about the protocol); a value of none of its types
 * gets one message naming them (`must be a table or an array`).
 */
function schemaProblems(config: unknown, report: Report): void {
  const validate = flyTomlValidator();
  if (validate(config)) return;
  const errors = validate.errors ?? [];
  const dropped = new Set<ErrorObject>();
  const unionTypes = new Map<ErrorObject, string[]>();
  for (const u of errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')) {
    const types = errors.filter((e) => e.keyword === 'type' && e.instancePath === u.instancePath);
    types.forEach((e) => dropped.add(e));
    // a form of the value's type failed on something else: its errors say what
    const within = errors.some((e) => e !== u && !types.includes(e) && (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`)));
    if (within) dropped.add(u);
    else unionTypes.set(u, types.map((e) => String(e.params.type)));
  }
  for (const e of errors) {
    if (dropped.has(e)) continue;
    const path = pathOf(e.instancePath, config);
    const types = unionTypes.get(e);
    if (types !== undefined && types.length > 0) report('AF5201', path, `${formatPath(path)} must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')} (fly.json schema)`);
    else if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      report('AF5201', [...path, key], `${formatPath([...path, key])} is not a key of ${path.length === 0 ? 'fly.toml' : formatPath(path)} (fly.json schema)`);
    } else if (e.keyword === 'enum') report('AF5201', path, `${formatPath(path)} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (fly.json schema)`);
    else if (e.keyword === 'type') report('AF5201', path, `${formatPath(path)} must be ${TYPE_WORDS[String(e.params.type)] ?? String(e.params.type)} (fly.json schema)`);
    else if (e.keyword === 'required') report('AF5201', path, `${formatPath(path)} needs ${String(e.params.missingProperty)} (fly.json schema)`);
    else report('AF5201', path, `${formatPath(path)} ${e.message === undefined ? 'is refused' : e.message} (fly.json schema)`);
  }
}

/** The path of an ajv instancePath: array indexes as numbers, keys unescaped. */
function pathOf(pointer: string, data: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let at = data;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(at) && /^\d+$/.test(key) ? Number(key) : undefined;
    path.push(index ?? key);
    at = index !== undefined && Array.isArray(at) ? at[index] : isRecord(at) ? at[key] : undefined;
  }
  return path;
}

// ---------------------------------------------------------------------------------------------------------------
// What a fly.toml holds, read defensively (the rules run even where the schema refused a value)
// ---------------------------------------------------------------------------------------------------------------

interface At {
  readonly value: Json;
  readonly path: DocPath;
}

/** A table or an array of tables (fly.toml allows both for services, mounts, metrics), each with its path. */
function tables(config: Json, key: string): At[] {
  const v = config[key];
  if (Array.isArray(v)) return v.flatMap((x, i) => (isRecord(x) ? [{ value: x, path: [key, i] }] : []));
  return isRecord(v) ? [{ value: v, path: [key] }] : [];
}

function count(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/** The app's services: [http_service] and each [[services]] (Fly Proxy's services), with their own checks. */
interface Service extends At {
  readonly kind: 'http_service' | 'services';
  /** How many checks Fly Proxy runs for it: http_service.checks, or services' http_checks and tcp_checks. */
  readonly checks: number;
}

function servicesOf(config: Json): Service[] {
  const http = isRecord(config.http_service) ? [{ value: config.http_service, path: ['http_service'], kind: 'http_service' as const, checks: count(config.http_service.checks) }] : [];
  return [...http, ...tables(config, 'services').map((s) => ({ ...s, kind: 'services' as const, checks: count(s.value.http_checks) + count(s.value.tcp_checks) }))];
}

function serviceChecks(config: Json): number {
  return servicesOf(config).reduce((n, s) => n + s.checks, 0);
}

/** The top-level [checks]: a table of named checks. */
function topLevelChecks(config: Json): At[] {
  return isRecord(config.checks) ? Object.entries(config.checks).flatMap(([name, c]) => (isRecord(c) ? [{ value: c, path: ['checks', name] }] : [])) : [];
}

/**
 * The process groups: the keys of [processes], or "app" alone without them; the default group (what a mount or a
 * check without `processes` belongs to) is "app" if there is one, else the first by name ([flyctl] processgroups.go).
 */
function processGroups(config: Json): { readonly names: readonly string[]; readonly declared: boolean; readonly defaultGroup: string } {
  const declared = isRecord(config.processes) ? Object.keys(config.processes).sort() : [];
  const names = declared.length > 0 ? declared : ['app'];
  return { names, declared: declared.length > 0, defaultGroup: names.includes('app') ? 'app' : names[0]! };
}

function strategyOf(config: Json): { readonly value: unknown; readonly set: boolean } {
  const deploy = isRecord(config.deploy) ? config.deploy : {};
  return { value: deploy.strategy, set: deploy.strategy !== undefined };
}

const GO_DURATION_PART = '(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h)';
const GO_DURATION = new RegExp(`^[-+]?(?:0|(?:${GO_DURATION_PART})+)$`);
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration as flyctl reads a check's: a number is milliseconds, a string Go's time.ParseDuration ("10s", "1m30s"). */
function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !GO_DURATION.test(v)) return undefined;
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return v.startsWith('-') ? -total : total;
}

const BINARY: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const DECIMAL: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/**
 * A size as flyctl reads one (helpers.ParseSize): a bare integer is in `unit`, anything else is docker/go-units text
 * ("512mb", "2gb", "1.5GB") in bytes, binary for memory (RAMInBytes) and decimal for volumes (FromHumanSize).
 */
function sizeIn(v: unknown, unit: 'MB' | 'GB'): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(v);
  if (m === null) return undefined;
  const bytes = Number(m[1]) * (unit === 'MB' ? BINARY : DECIMAL)[m[2]!.toLowerCase()]!;
  return Math.floor(bytes / (unit === 'MB' ? 1024 ** 2 : 1e9));
}

// ---------------------------------------------------------------------------------------------------------------
// allframe's rules, one per code (a table, not branches)
// ---------------------------------------------------------------------------------------------------------------

type Rule = (config: Json, report: Report) => void;

/**
 * AF5202: the checks that decide whether a Machine is ready are service-level. [health]: "The proxy uses
 * service-level checks to determine whether a given Machine should be routed to"; top-level `[checks]` "do not
 * affect request routing" and are meant for monitoring (fly-go: a top-level check is `informational` unless told
 * otherwise). So every [http_service] needs [[http_service.checks]], every tcp [[services]] http_checks or
 * tcp_checks, and an app with services whose only checks are top-level is refused: its traffic would reach Machines
 * failing them. An app without services may have top-level checks only.
 * (flyctl's deploy does wait on every configured check, top-level ones included, before moving on
 * ([flyctl] leasable_machine.go WaitForHealthchecksToPass); what top-level checks miss is routing.)
 */
const servicesHaveChecks: Rule = (config, report) => {
  for (const s of servicesOf(config)) {
    if (s.checks > 0 || (s.kind === 'services' && s.value.protocol === 'udp')) continue;
    report(
      'AF5202',
      s.path,
      s.kind === 'http_service'
        ? 'http_service has no [[http_service.checks]]: Fly Proxy would route requests to Machines that are not ready, and a deploy would not wait for new Machines to be healthy'
        : `${formatPath(s.path)} has neither http_checks nor tcp_checks: Fly Proxy would route connections to Machines that are not ready, and a deploy would not wait for new Machines to be healthy`,
    );
  }
  // An app no service routes to (a private server reached over .internal, such as the event bus) has only
  // top-level checks, as Fly recommends for it: they are what its deploys wait on.
  if (servicesOf(config).length > 0 && topLevelChecks(config).length > 0 && serviceChecks(config) === 0) {
    report('AF5202', ['checks'], 'the only checks are top-level [checks], which do not affect request routing: put the checks that gate deploys and routing under [[http_service.checks]] or [[services.http_checks]] / [[services.tcp_checks]]');
  }
};

/**
 * AF5203: [config] "You need to configure at least one health check to use the `bluegreen` strategy"; flyctl stops
 * such a deploy ("You need to define at least 1 check in order to use blue-green deployments", [flyctl]
 * strategy_bluegreen.go). flyctl would count top-level checks too; allframe asks for service-level ones (AF5202).
 */
const bluegreenHasChecks: Rule = (config, report) => {
  if (strategyOf(config).value === 'bluegreen' && serviceChecks(config) === 0) {
    report('AF5203', ['deploy', 'strategy'], 'deploy.strategy "bluegreen" needs at least one check under [[http_service.checks]] or [[services.http_checks]] / [[services.tcp_checks]]: Fly moves traffic to the new Machines only once their checks pass');
  }
};

/**
 * AF5204: [config] "For rolling deploys, you can use max_unavailable"; flyctl honours it with `rolling` and `canary`
 * and ignores it otherwise ("Warning: max-unavailable set for non-rolling strategy", [flyctl] deploy.go). No strategy
 * means rolling ([config]: "rolling: The default strategy"), so it is accepted there.
 */
const maxUnavailableStrategy: Rule = (config, report) => {
  const deploy = isRecord(config.deploy) ? config.deploy : {};
  const { value, set } = strategyOf(config);
  if (deploy.max_unavailable !== undefined && set && value !== 'rolling' && value !== 'canary') {
    report('AF5204', ['deploy', 'max_unavailable'], `deploy.max_unavailable applies only to the rolling and canary strategies; with strategy ${JSON.stringify(value)} Fly ignores it`);
  }
};

/**
 * AF5205: [config] whole numbers >= 1 are Machines, fractions between 0 and 1 a share of them; flyctl refuses
 * --max-unavailable <= 0 and truncates 1.5 to 1 ([flyctl] deploy.go, machines_deploymachinesapp.go getPoolSize).
 */
const maxUnavailableValue: Rule = (config, report) => {
  const v = isRecord(config.deploy) ? config.deploy.max_unavailable : undefined;
  if (typeof v !== 'number') return;
  if (v <= 0 || (v >= 1 && !Number.isInteger(v))) {
    report('AF5205', ['deploy', 'max_unavailable'], `deploy.max_unavailable is ${v}: Fly takes a whole number of Machines (1 or more) or a fraction of them between 0 and 1`);
  }
};

/**
 * AF5206: every `processes` list names groups of [processes] (or "app" when there is none). flyctl refuses services
 * and restart policies that name unknown groups ([flyctl] validation.go); a mount, [[vm]], check, file or metrics
 * entry naming one applies to no Machine at all ([flyctl] Flatten).
 */
const processesExist: Rule = (config, report) => {
  const groups = processGroups(config);
  const entries: At[] = [
    ...servicesOf(config),
    ...tables(config, 'mounts'),
    ...tables(config, 'vm'),
    ...tables(config, 'restart'),
    ...tables(config, 'files'),
    ...tables(config, 'metrics'),
    ...topLevelChecks(config),
  ];
  for (const e of entries) {
    const list = e.value.processes;
    if (!Array.isArray(list)) continue;
    list.forEach((name, i) => {
      if (typeof name !== 'string' || groups.names.includes(name)) return;
      report(
        'AF5206',
        [...e.path, 'processes', i],
        groups.declared
          ? `${formatPath([...e.path, 'processes'])} names ${JSON.stringify(name)}, which [processes] does not define (it defines ${groups.names.map((n) => JSON.stringify(n)).join(', ')})`
          : `${formatPath([...e.path, 'processes'])} names ${JSON.stringify(name)}, but there is no [processes] section: the only process group is "app"`,
      );
    });
  }
};

/** AF5207: with [processes], flyctl refuses a service that names none ("Service has no processes set but app has N processes defined", [flyctl] validation.go). */
const servicesNameProcesses: Rule = (config, report) => {
  const groups = processGroups(config);
  if (!groups.declared) return;
  for (const s of servicesOf(config)) {
    if (count(s.value.processes) > 0) continue;
    report('AF5207', s.path, `${formatPath(s.path)} names no processes, but [processes] defines ${groups.names.map((n) => JSON.stringify(n)).join(', ')}: flyctl refuses the file; list the groups that serve it`);
  }
};

/**
 * AF5208: the Machine each [[vm]] (and deploy.release_command_vm) asks for is one Fly offers (FLY_CPU_KINDS). The
 * size is worked out as flyctl does ([flyctl] appconfig/machines.go computeToGuest): start from `size` (default
 * shared-cpu-1x), then `memory`, then `cpu_kind`, `cpus` and `memory_mb`; so `cpus = 2` alone keeps shared-cpu-1x's
 * 256 MB, which Fly refuses for 2 CPUs ([sizing], [flyctl] machine/update.go). GPU Machines (gpu_kind, gpus) come
 * in Fly's GPU sizes and are not checked here.
 */
const vmSizes: Rule = (config, report) => {
  const vms = [...tables(config, 'vm'), ...(isRecord(config.deploy) && isRecord(config.deploy.release_command_vm) ? [{ value: config.deploy.release_command_vm, path: ['deploy', 'release_command_vm'] }] : [])];
  for (const { value: vm, path } of vms) {
    if (vm.gpu_kind !== undefined || vm.gpus !== undefined) continue;
    const size = typeof vm.size === 'string' ? vm.size : FLY_DEFAULT_VM_SIZE;
    if (!Object.hasOwn(FLY_VM_PRESETS, size)) continue; // the schema refuses the name (AF5201)
    const preset = FLY_VM_PRESETS[size]!;
    let memoryMb = preset.memoryMb;
    let memoryFrom = `the memory of ${size}`;
    if (typeof vm.memory === 'string' || typeof vm.memory === 'number') {
      const mb = sizeIn(vm.memory, 'MB');
      if (mb === undefined || mb <= 0) {
        report('AF5208', [...path, 'memory'], `${formatPath([...path, 'memory'])} is ${JSON.stringify(vm.memory)}, which is no memory size Fly reads: write megabytes (1024) or a size with its unit ("512mb", "2gb")`);
        continue;
      }
      memoryMb = mb;
      memoryFrom = 'memory';
    }
    if (typeof vm.memory_mb === 'number') {
      memoryMb = vm.memory_mb;
      memoryFrom = 'memory_mb';
    }
    const cpuKind = typeof vm.cpu_kind === 'string' ? vm.cpu_kind : preset.cpuKind;
    const cpus = typeof vm.cpus === 'number' ? vm.cpus : preset.cpus;
    if (cpuKind !== 'shared' && cpuKind !== 'performance') continue; // the schema refuses it (AF5201)
    if (flyVmFits(cpuKind, cpus, memoryMb)) continue;
    const k = FLY_CPU_KINDS[cpuKind];
    const offer = k.cpus.includes(cpus)
      ? `${cpus} ${cpuKind} CPU${cpus === 1 ? ' takes' : 's take'} ${k.minMemoryMbPerCpu * cpus}..${k.maxMemoryMbPerCpu * cpus} MB in steps of ${k.memoryStepMb} MB`
      : `${cpuKind} Machines have ${k.cpus.join(', ')} CPUs`;
    report('AF5208', path, `${formatPath(path)} asks for ${cpus} ${cpuKind} CPU${cpus === 1 ? '' : 's'} with ${memoryMb} MB (${memoryFrom}), which Fly does not offer: ${offer}`);
  }
};

/**
 * AF5209: [config] "The canary strategy cannot be used for Machines with attached volumes", nor can bluegreen;
 * flyctl refuses canary with [mounts] ("canary deployment strategy is not supported when using mounted volumes",
 * [flyctl] validation.go).
 */
const strategyWithVolumes: Rule = (config, report) => {
  const { value } = strategyOf(config);
  if ((value === 'canary' || value === 'bluegreen') && tables(config, 'mounts').length > 0) {
    report('AF5209', ['deploy', 'strategy'], `deploy.strategy ${JSON.stringify(value)} cannot deploy Machines with volumes ([mounts]): use "rolling" or "immediate"`);
  }
};

/**
 * AF5210: mounts Fly refuses. [config]: the destination "cannot be `/`"; [volumes]: "A Machine can only mount one
 * volume" (flyctl: "has more than one [[mounts]] section" per process group); [flyctl] validation.go: initial_size
 * at least 1 GB, snapshot_retention 1..60 days. A mount without `processes` belongs to the default group.
 */
const mountsFlyAccepts: Rule = (config, report) => {
  const groups = processGroups(config);
  const taken = new Map<string, DocPath>();
  for (const { value: m, path } of tables(config, 'mounts')) {
    if (m.destination === '/') report('AF5210', [...path, 'destination'], `${formatPath([...path, 'destination'])} is "/", where the Machine's root file system is: mount the volume on a directory such as /data`);
    if (typeof m.initial_size === 'string' || typeof m.initial_size === 'number') {
      const gb = sizeIn(m.initial_size, 'GB');
      if (gb === undefined || gb < FLY_VOLUME_MIN_GB) report('AF5210', [...path, 'initial_size'], `${formatPath([...path, 'initial_size'])} is ${JSON.stringify(m.initial_size)}: a volume is at least ${FLY_VOLUME_MIN_GB} GB ("${FLY_VOLUME_MIN_GB}gb", "10gb")`);
    }
    const r = m.snapshot_retention;
    if (typeof r === 'number' && (r < FLY_SNAPSHOT_RETENTION_DAYS.min || r > FLY_SNAPSHOT_RETENTION_DAYS.max)) {
      report('AF5210', [...path, 'snapshot_retention'], `${formatPath([...path, 'snapshot_retention'])} is ${JSON.stringify(r)}: Fly keeps snapshots for ${FLY_SNAPSHOT_RETENTION_DAYS.min} to ${FLY_SNAPSHOT_RETENTION_DAYS.max} days`);
    }
    const named = Array.isArray(m.processes) ? m.processes.filter((p): p is string => typeof p === 'string') : [];
    for (const group of named.length > 0 ? named : [groups.defaultGroup]) {
      const first = taken.get(group);
      if (first === undefined) taken.set(group, path);
      else report('AF5210', path, `${formatPath(path)} is a second volume for process group ${JSON.stringify(group)} (the first is ${formatPath(first)}): a Machine mounts one volume`);
    }
  }
};

/**
 * AF5211: health checks Fly refuses or changes. Service-level checks: flyctl raises an interval or timeout under
 * 1 s (and a non-zero grace period under 1 s) to 1 s and lowers any over 1 min to 1 min ([flyctl] validation.go
 * validateSingleServiceCheckDuration); allframe never lets Fly change its values silently. Top-level checks: flyctl
 * refuses an interval under 2 s, a timeout over 60 s and a type other than http or tcp; [config] also requires a
 * port. Durations must be ones flyctl reads: integer milliseconds or Go durations ("10s").
 */
const checkSettings: Rule = (config, report) => {
  const duration = (check: At, key: string): number | undefined => {
    const v = check.value[key];
    if (typeof v !== 'string' && typeof v !== 'number') return undefined; // absent, or of a type the schema refuses (AF5201)
    const ms = durationMs(v);
    if (ms === undefined) report('AF5211', [...check.path, key], `${formatPath([...check.path, key])} is ${JSON.stringify(v)}, which is no duration Fly reads: write milliseconds (5000) or a duration with its unit ("5s", "1m30s")`);
    return ms;
  };
  const serviceCheckLists = servicesOf(config).flatMap((s) => (s.kind === 'http_service' ? ['checks'] : ['http_checks', 'tcp_checks']).map((key) => ({ list: s.value[key], path: [...s.path, key] })));
  for (const { list, path } of serviceCheckLists) {
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (!isRecord(c)) return;
      const check = { value: c, path: [...path, i] };
      for (const key of ['interval', 'timeout', 'grace_period']) {
        const ms = duration(check, key);
        if (ms === undefined || (key === 'grace_period' && ms === 0)) continue;
        if (ms < FLY_SERVICE_CHECK_MIN_MS || ms > FLY_SERVICE_CHECK_MAX_MS) {
          report('AF5211', [...check.path, key], `${formatPath([...check.path, key])} is ${JSON.stringify(c[key])}: Fly would change it to ${ms < FLY_SERVICE_CHECK_MIN_MS ? '1 s' : '1 min'}; a service check's ${key.replace('_', ' ')} is ${key === 'grace_period' ? '0 or ' : ''}1 s to 1 min`);
        }
      }
    });
  }
  for (const check of topLevelChecks(config)) {
    const c = check.value;
    if (c.type !== 'http' && c.type !== 'tcp') report('AF5211', [...check.path, 'type'], `${formatPath(check.path)} needs type "http" or "tcp"`);
    if (typeof c.port !== 'number') report('AF5211', [...check.path, 'port'], `${formatPath(check.path)} needs the port it checks`);
    const interval = duration(check, 'interval');
    if (interval !== undefined && interval < FLY_TOP_LEVEL_CHECK_MIN_INTERVAL_MS) report('AF5211', [...check.path, 'interval'], `${formatPath([...check.path, 'interval'])} is ${JSON.stringify(c.interval)}: a top-level check runs at most every 2 s`);
    const timeout = duration(check, 'timeout');
    if (timeout !== undefined && timeout > FLY_TOP_LEVEL_CHECK_MAX_TIMEOUT_MS) report('AF5211', [...check.path, 'timeout'], `${formatPath([...check.path, 'timeout'])} is ${JSON.stringify(c.timeout)}: a top-level check times out after at most 60 s`);
    duration(check, 'grace_period');
  }
};

/**
 * AF5212: [config] [env] names "cannot begin with `FLY_`", and "the primary_region option sets the PRIMARY_REGION
 * environment variable within a Machine and overrides any value set in the [env] section".
 */
const envNamesFlyLeaves: Rule = (config, report) => {
  if (!isRecord(config.env)) return;
  for (const name of Object.keys(config.env)) {
    if (name.startsWith(FLY_RESERVED_ENV_PREFIX)) report('AF5212', ['env', name], `env.${name}: names beginning with ${FLY_RESERVED_ENV_PREFIX} belong to Fly's runtime environment`);
    else if (FLY_RESERVED_ENV_NAMES.includes(name) && typeof config.primary_region === 'string' && config.env[name] !== config.primary_region) {
      report('AF5212', ['env', name], `env.${name} is ${JSON.stringify(config.env[name])}, but Fly sets it from primary_region (${JSON.stringify(config.primary_region)}) over [env]`);
    }
  }
};

/** AF5213: [config] "At least one `services.ports` entry is required for each `services` section". */
const servicesHavePorts: Rule = (config, report) => {
  for (const s of tables(config, 'services')) {
    if (count(s.value.ports) === 0) report('AF5213', s.path, `${formatPath(s.path)} has no [[services.ports]]: Fly Proxy would have nothing to accept connections on`);
  }
};

const RULES: readonly Rule[] = [servicesHaveChecks, bluegreenHasChecks, maxUnavailableStrategy, maxUnavailableValue, processesExist, servicesNameProcesses, vmSizes, strategyWithVolumes, mountsFlyAccepts, checkSettings, envNamesFlyLeaves, servicesHavePorts];

/** TOML values as JSON data: dates become their text (fly.toml has none that matter). */
function plainData(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plainData);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainData(x)]));
  return v;
}
