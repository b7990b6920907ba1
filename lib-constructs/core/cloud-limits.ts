/**
 * Limits of the cloud services, each in one place: the constructs check their props against them, and allframe's
 * validation (src/model/targets.ts LIMITS) refuses files that would cross them. No imports, so that validation can
 * read them without loading aws-cdk-lib or cdktf.
 */

/** SQS: the longest visibility timeout of a queue, in seconds (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/** Cloud Run: the longest service name. */
export const RUN_SERVICE_NAME_MAX_LENGTH = 49;

/** Lambda: the longest tumbling window of a Kinesis event source, in seconds (15 minutes). */
export const MAX_TUMBLING_WINDOW_SECONDS = 900;

/** Lambda: the longest timeout of a function, in seconds (15 minutes). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Cloud Run: environment variable names Cloud Run sets itself and refuses in a container's env. */
export const RUN_RESERVED_ENV_NAMES: readonly string[] = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'];

/** Lambda: environment variable names the runtime sets itself; a function's configuration may not set them. */
export const LAMBDA_RESERVED_ENV_NAMES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_REGION',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
];

/** Cloud Run: the least memory of an instance in the second-generation execution environment, in MiB. */
export const RUN_MIN_MEMORY_MIB = 512;

/** Cloud Run: the longest request timeout, in seconds (60 minutes). */
export const RUN_MAX_TIMEOUT_SECONDS = 3600;

/** Cloud Run: the most concurrent requests one instance takes. */
export const RUN_MAX_CONCURRENCY = 1000;

/** Workflows: the longest timeout of one HTTP call, in seconds (30 minutes). */
export const WORKFLOWS_MAX_CALL_TIMEOUT_SECONDS = 1800;

// ---------------------------------------------------------------------------------------------------------------
// Fly.io (fly.toml, Fly Machines). Sources, read 2026-08: Fly's docs (superfly/docs 5c22c8c: reference/configuration,
// machines/guides-examples/machine-sizing), flyctl (superfly/flyctl ad0172f: internal/appconfig/validation.go,
// internal/machine/update.go) and fly-go (superfly/fly-go 22d6e51: machine_types.go).
// ---------------------------------------------------------------------------------------------------------------

/** Fly Machines: the kinds of vCPU. */
export type FlyCpuKind = 'shared' | 'performance';

/** What Fly offers for one kind of vCPU. */
export interface FlyCpuKindLimits {
  /** The vCPU counts a fly.toml [[vm]] may ask for. */
  readonly cpus: readonly number[];
  /** The least memory per vCPU, in MB. */
  readonly minMemoryMbPerCpu: number;
  /** The most memory per vCPU, in MB. */
  readonly maxMemoryMbPerCpu: number;
  /** Memory is a multiple of this, in MB. */
  readonly memoryStepMb: number;
}

/**
 * Fly Machines: the vCPU counts and memory of each CPU kind. Memory per vCPU is 256..2048 MB (shared) and
 * 2048..8192 MB (performance): the machine-sizing guide and fly-go's MIN_/MAX_MEMORY_MB_PER_(SHARED_)CPU agree.
 * vCPU counts: the fly.toml schema (and the configuration reference) allow 1, 2, 4, 8 and 16, the last only for
 * performance (flyctl's pre-check also knows 6 and larger performance counts, which fly.toml cannot ask for).
 * Memory steps: 256 MB (shared) in the guide and flyctl; for performance the guide says multiples of 2048 MB and
 * flyctl's pre-check 1024 MB: we keep to 2048, which both accept.
 */
export const FLY_CPU_KINDS: Readonly<Record<FlyCpuKind, FlyCpuKindLimits>> = {
  shared: { cpus: [1, 2, 4, 8], minMemoryMbPerCpu: 256, maxMemoryMbPerCpu: 2048, memoryStepMb: 256 },
  performance: { cpus: [1, 2, 4, 8, 16], minMemoryMbPerCpu: 2048, maxMemoryMbPerCpu: 8192, memoryStepMb: 2048 },
};

/** One size of Fly Machine: CPU kind, vCPUs and memory in MB. */
export interface FlyVmSize {
  readonly cpuKind: FlyCpuKind;
  readonly cpus: number;
  readonly memoryMb: number;
}

/** Does Fly offer a Machine of this CPU kind, vCPU count and memory (MB)? */
export function flyVmFits(cpuKind: string, cpus: number, memoryMb: number): boolean {
  if (cpuKind !== 'shared' && cpuKind !== 'performance') return false;
  const k = FLY_CPU_KINDS[cpuKind];
  return k.cpus.includes(cpus) && Number.isInteger(memoryMb) && memoryMb % k.memoryStepMb === 0 && memoryMb >= k.minMemoryMbPerCpu * cpus && memoryMb <= k.maxMemoryMbPerCpu * cpus;
}

/**
 * The vCPUs of a Fly Machine of `kind` for `cpuUnits` (1024 units are one vCPU): the fewest Fly offers that give at
 * least the units, or undefined when it offers none that many.
 */
export function flyCpusFor(kind: FlyCpuKind, cpuUnits: number): number | undefined {
  const wanted = Math.max(1, Math.ceil(cpuUnits / 1024));
  return FLY_CPU_KINDS[kind].cpus.find((n) => n >= wanted);
}

/** Every size of Fly Machine a fly.toml can ask for (FLY_CPU_KINDS spelled out), by kind, vCPUs, then memory. */
export const FLY_VM_SIZES: readonly FlyVmSize[] = (Object.keys(FLY_CPU_KINDS) as FlyCpuKind[]).flatMap((cpuKind) => {
  const k = FLY_CPU_KINDS[cpuKind];
  return k.cpus.flatMap((cpus) => {
    const sizes: FlyVmSize[] = [];
    for (let memoryMb = k.minMemoryMbPerCpu * cpus; memoryMb <= k.maxMemoryMbPerCpu * cpus; memoryMb += k.memoryStepMb) sizes.push({ cpuKind, cpus, memoryMb });
    return sizes;
  });
});

/**
 * Fly's named Machine sizes (fly.toml [[vm]] `size`, the schema's enum): each is a CPU kind and vCPU count with
 * the least memory of that count (fly-go MachinePresets). `memory`, `cpus` and `cpu_kind` override a size.
 */
export const FLY_VM_PRESETS: Readonly<Record<string, FlyVmSize>> = Object.fromEntries(
  (Object.keys(FLY_CPU_KINDS) as FlyCpuKind[]).flatMap((cpuKind) =>
    FLY_CPU_KINDS[cpuKind].cpus.map((cpus) => [`${cpuKind === 'shared' ? 'shared-cpu' : 'performance'}-${cpus}x`, { cpuKind, cpus, memoryMb: FLY_CPU_KINDS[cpuKind].minMemoryMbPerCpu * cpus }]),
  ),
);

/** The size a Fly Machine starts from when fly.toml names none (fly-go DefaultVMSize). */
export const FLY_DEFAULT_VM_SIZE = 'shared-cpu-1x';

/** Fly: environment variable names may not begin with this (the runtime environment's own). */
export const FLY_RESERVED_ENV_PREFIX = 'FLY_';

/** Fly: variables the platform sets over an [env] value (PRIMARY_REGION, from primary_region). */
export const FLY_RESERVED_ENV_NAMES: readonly string[] = ['PRIMARY_REGION'];

/** Fly Proxy: service-level checks' interval, timeout and (non-zero) grace period are raised to 1 s and lowered to 1 min (flyctl warns). */
export const FLY_SERVICE_CHECK_MIN_MS = 1000;
export const FLY_SERVICE_CHECK_MAX_MS = 60_000;

/** Fly: a top-level check runs at most every 2 s and times out after at most 60 s (flyctl refuses the file otherwise). */
export const FLY_TOP_LEVEL_CHECK_MIN_INTERVAL_MS = 2000;
export const FLY_TOP_LEVEL_CHECK_MAX_TIMEOUT_MS = 60_000;

/** Fly volumes: the smallest initial size, in GB, and the days of snapshots a volume may keep. */
export const FLY_VOLUME_MIN_GB = 1;
export const FLY_SNAPSHOT_RETENTION_DAYS = { min: 1, max: 60 } as const;

/** Fly.io: the longest app name (it is a DNS label: <app>.fly.dev, <app>.internal, <app>.flycast). */
export const FLY_APP_NAME_MAX_LENGTH = 63;

/** Tigris (object storage on Fly.io): bucket names are global, 3..63 lowercase letters, digits and hyphens. */
export const TIGRIS_BUCKET_NAME_MAX_LENGTH = 63;

/** Fly.io: the longest kill_timeout, in seconds: how long a Machine may take to stop after its kill signal. */
export const FLY_MAX_KILL_TIMEOUT_SECONDS = 300;

/** Fly.io: environment variables the Machines' runtime sets itself (https://fly.io/docs/machines/runtime-environment/). */
export const FLY_RUNTIME_ENV_NAMES: readonly string[] = [
  'FLY_APP_NAME',
  'FLY_MACHINE_ID',
  'FLY_ALLOC_ID',
  'FLY_REGION',
  'FLY_PUBLIC_IP',
  'FLY_IMAGE_REF',
  'FLY_MACHINE_VERSION',
  'FLY_PRIVATE_IP',
  'FLY_PROCESS_GROUP',
  'FLY_VM_MEMORY_MB',
  'PRIMARY_REGION',
];

/**
 * allframe's shortest kill_timeout, in seconds: a generated service stops its background work (a scheduler waits up
 * to 10 s for a run in progress, a consumer drains) before it exits; Fly's default of 5 s would cut that short.
 */
export const FLY_MIN_KILL_TIMEOUT_SECONDS = 15;

/** Object storage: the longest retention the format accepts, in days (100 years; S3 and Cloud Storage lifecycles allow more). */
export const STORAGE_MAX_RETENTION_DAYS = 36_500;

/** S3 and Cloud Storage (a name without dots): the longest bucket name, in characters. */
export const BUCKET_NAME_MAX_LENGTH = 63;

/** AWS: the longest region code in use (ap-southeast-4 and the like), for names that hold a region not known at synth. */
export const AWS_REGION_MAX_LENGTH = 14;
