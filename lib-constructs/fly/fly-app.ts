/**
 * A Fly.io app as its fly.toml says it: the typed subset of the configuration allframe writes (the names are
 * fly.toml's own, checked against the SchemaStore fly.json schema), and `serviceApp`, which makes the app of one
 * HTTP service with the defaults a production app wants: health checks that gate deploys, a private network only
 * unless public, HTTPS forced on the public edge, machines stopped when idle only where nothing runs in the
 * background. Pure functions, no I/O: usable on its own to write fly.toml files for any app.
 */
import { stringify } from 'smol-toml';
import { FLY_CPU_KINDS, FLY_MAX_KILL_TIMEOUT_SECONDS, FLY_MIN_KILL_TIMEOUT_SECONDS, flyCpusFor, flyVmFits, type FlyCpuKind } from '../core/cloud-limits';

export type { FlyCpuKind };

/** One health check: fly.toml's `[[http_service.checks]]` or a top-level `[checks.<name>]`. */
export interface FlyHttpCheck {
  readonly grace_period: string;
  readonly interval: string;
  readonly timeout: string;
  readonly method: 'GET';
  readonly path: string;
}

/** A top-level check, for process groups that no http_service routes to (they are not auto-stopped). */
export interface FlyMachineCheck extends FlyHttpCheck {
  readonly type: 'http';
  readonly port: number;
  readonly processes?: readonly string[];
}

export interface FlyConcurrency {
  readonly type: 'requests' | 'connections';
  readonly soft_limit: number;
  readonly hard_limit: number;
}

export interface FlyHttpService {
  readonly internal_port: number;
  readonly force_https: boolean;
  /** off: Machines run until stopped; stop: an idle Machine is stopped (and started by the next request). */
  readonly auto_stop_machines: 'off' | 'stop' | 'suspend';
  readonly auto_start_machines: boolean;
  readonly min_machines_running: number;
  readonly processes?: readonly string[];
  readonly concurrency: FlyConcurrency;
  readonly http_options?: { readonly h2_backend?: boolean };
  readonly checks: readonly FlyHttpCheck[];
}

export interface FlyVm {
  readonly cpu_kind: FlyCpuKind;
  readonly cpus: number;
  readonly memory: string;
  readonly processes?: readonly string[];
}

export interface FlyMount {
  readonly source: string;
  readonly destination: string;
  readonly initial_size: string;
}

export interface FlyFile {
  readonly guest_path: string;
  readonly local_path: string;
}

export type FlyDeployStrategy = 'rolling' | 'canary' | 'bluegreen' | 'immediate';

/** The fly.toml of one app, in the order the file is written. */
export interface FlyAppConfig {
  readonly app: string;
  readonly primary_region: string;
  readonly kill_signal: 'SIGTERM' | 'SIGINT';
  readonly kill_timeout: number;
  readonly build: { readonly dockerfile?: string; readonly image?: string };
  readonly deploy: { readonly strategy: FlyDeployStrategy };
  readonly experimental?: { readonly auto_rollback: boolean };
  readonly env?: Readonly<Record<string, string>>;
  readonly processes?: Readonly<Record<string, string>>;
  readonly http_service?: FlyHttpService;
  readonly checks?: Readonly<Record<string, FlyMachineCheck>>;
  readonly mounts?: readonly FlyMount[];
  readonly files?: readonly FlyFile[];
  readonly vm: readonly FlyVm[];
}

/**
 * The Machine for `cpuUnits` (1024 units are one CPU) and `memoryMb`: the fewest CPUs of `kind` that give at least
 * the units. Returns the problem instead when Fly offers no such Machine (FLY_CPU_KINDS).
 */
export function flyVm(kind: FlyCpuKind, cpuUnits: number, memoryMb: number): FlyVm | { readonly problem: string } {
  const limits = FLY_CPU_KINDS[kind];
  const cpus = flyCpusFor(kind, cpuUnits);
  if (cpus === undefined) return { problem: `Fly offers ${kind} Machines of at most ${limits.cpus[limits.cpus.length - 1]!} CPUs (${Math.ceil(cpuUnits / 1024)} asked for)` };
  if (!flyVmFits(kind, cpus, memoryMb)) {
    return { problem: `a ${kind} Machine of ${cpus} CPU${cpus > 1 ? 's' : ''} takes ${limits.minMemoryMbPerCpu * cpus} to ${limits.maxMemoryMbPerCpu * cpus} MB of memory in steps of ${limits.memoryStepMb} MB` };
  }
  return { cpu_kind: kind, cpus, memory: `${memoryMb}mb` };
}

/** The checks of an HTTP service: GET `path` every 15 s, after a grace period for start-up. */
export function httpCheck(path: string): FlyHttpCheck {
  return { grace_period: '10s', interval: '15s', timeout: '5s', method: 'GET', path };
}

/** Props of {@link serviceApp}. */
export interface FlyServiceAppProps {
  readonly app: string;
  readonly primaryRegion: string;
  /** The service's Dockerfile, relative to the fly.toml. */
  readonly dockerfile: string;
  readonly internalPort: number;
  /** Reachable from the internet (a public IP, HTTPS forced); else on the private network only (.flycast). */
  readonly public: boolean;
  /**
   * Machines kept running; with 0 every idle Machine is stopped and started again by the next request.
   * Ignored (every Machine runs) when `alwaysOn`.
   */
  readonly minMachinesRunning: number;
  /** Work that runs without requests (a consumer, a scheduler): the Machines are never stopped for being idle. */
  readonly alwaysOn: boolean;
  /**
   * Background work in a process group of its own (`worker`, the image's default command) beside the HTTP one
   * (`app`, `httpCommand`): the HTTP Machines stop when idle, the worker's never.
   */
  readonly worker?: { readonly httpCommand: string; readonly command: string };
  readonly concurrency: { readonly type: 'requests' | 'connections'; readonly limit: number };
  /** HTTP/2 cleartext to the app (gRPC). */
  readonly h2c?: boolean;
  /** How long a request may take: the Machine is given that long (15 to 300 s) to finish after its kill signal. */
  readonly timeoutSeconds: number;
  readonly strategy: FlyDeployStrategy;
  readonly autoRollback: boolean;
  readonly cpuKind: FlyCpuKind;
  readonly vm: FlyVm;
  readonly env: Readonly<Record<string, string>>;
}

/** The fly.toml of one HTTP service. */
export function serviceApp(props: FlyServiceAppProps): FlyAppConfig {
  const check = httpCheck('/healthz');
  const soft = Math.max(1, Math.floor(props.concurrency.limit * 0.8));
  const httpService: FlyHttpService = {
    internal_port: props.internalPort,
    // The private network (.flycast) carries plain HTTP over WireGuard: a redirect to HTTPS would break it.
    force_https: props.public,
    auto_stop_machines: !props.alwaysOn || props.worker !== undefined ? 'stop' : 'off',
    auto_start_machines: true,
    min_machines_running: props.alwaysOn && props.worker === undefined ? 0 : props.minMachinesRunning,
    ...(props.worker !== undefined ? { processes: ['app'] } : {}),
    concurrency: { type: props.concurrency.type, soft_limit: soft, hard_limit: props.concurrency.limit },
    ...(props.h2c === true ? { http_options: { h2_backend: true } } : {}),
    checks: [check],
  };
  return {
    app: props.app,
    primary_region: props.primaryRegion,
    kill_signal: 'SIGTERM',
    kill_timeout: Math.min(FLY_MAX_KILL_TIMEOUT_SECONDS, Math.max(FLY_MIN_KILL_TIMEOUT_SECONDS, props.timeoutSeconds)),
    build: { dockerfile: props.dockerfile },
    deploy: { strategy: props.strategy },
    ...(props.autoRollback ? {} : { experimental: { auto_rollback: false } }),
    env: props.env,
    ...(props.worker !== undefined ? { processes: { app: props.worker.httpCommand, worker: props.worker.command } } : {}),
    http_service: httpService,
    ...(props.worker !== undefined ? { checks: { worker: { type: 'http', port: props.internalPort, ...check, processes: ['worker'] } } } : {}),
    vm: [props.vm],
  };
}

/** fly.toml text: `header` lines as comments first, then the configuration. */
export function renderFlyToml(config: FlyAppConfig, header: readonly string[] = []): string {
  const body = stringify(config as unknown as Record<string, unknown>);
  return `${header.map((h) => `# ${h}\n`).join('')}${body.trimEnd()}\n`;
}
