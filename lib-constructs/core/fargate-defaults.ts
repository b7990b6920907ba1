/** Defaults of every Fargate service allframe builds (HTTP services and queue workers). */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** vCPU units of a task (256 = 0.25 vCPU). */
export const DEFAULT_CPU = 256;
/** Memory of a task, in MiB. */
export const DEFAULT_MEMORY_MIB = 512;
/** The port an HTTP container listens on. */
export const DEFAULT_CONTAINER_PORT = 8080;
/** The path the load balancer's health check requests. */
export const DEFAULT_HEALTH_CHECK_PATH = '/healthz';
/** How long container logs are kept. */
export const DEFAULT_CONTAINER_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;
/** Instruction set: x86, because an image built on an x86 CI runner fails on Graviton ("exec format error"). */
export const DEFAULT_CPU_ARCHITECTURE = ecs.CpuArchitecture.X86_64;

/** HTTP services: tasks. */
export const DEFAULT_HTTP_MIN_CAPACITY = 1;
export const DEFAULT_HTTP_MAX_CAPACITY = 2;
/** HTTP services scale out above this average CPU. */
export const DEFAULT_TARGET_CPU_PERCENT = 60;
/** HTTP services scale out above this many requests per task per minute (ALBRequestCountPerTarget). */
export const DEFAULT_REQUESTS_PER_TARGET = 1000;
/** Target 5xx responses in 5 minutes that raise the server-error alarm. */
export const DEFAULT_SERVER_ERROR_THRESHOLD = 10;
/** The p99 target response time that raises the latency alarm. */
export const DEFAULT_P99_LATENCY_THRESHOLD = Duration.seconds(2);
/** How long the load balancer lets a deregistering task finish its requests. */
export const DEFAULT_DEREGISTRATION_DELAY = Duration.seconds(30);
/** Time a new task has to pass its first health checks. */
export const DEFAULT_HEALTH_CHECK_GRACE = Duration.seconds(60);

/**
 * Queue workers: at least one task, so a message is picked up within seconds rather than after the
 * queue-depth alarm (1 minute or more) and a task start (about a minute); pass 0 to pay nothing while idle.
 */
export const DEFAULT_WORKER_MIN_CAPACITY = 1;
export const DEFAULT_WORKER_MAX_CAPACITY = 4;
/** Environment variable holding the consumed queue's URL. */
export const DEFAULT_QUEUE_URL_VARIABLE = 'QUEUE_URL';
/**
 * The longest ECS waits after SIGTERM before it kills a worker container (the Fargate maximum), so a task
 * being scaled in can finish the message in hand.
 */
export const WORKER_STOP_TIMEOUT = Duration.seconds(120);
/** Pause after a scaling step before the next one. */
export const DEFAULT_WORKER_SCALING_COOLDOWN = Duration.seconds(120);

/** Task sizes Fargate accepts: cpu units → allowed memory in MiB (Linux). */
export function fargateMemoryOptions(cpu: number): number[] | undefined {
  const range = (from: number, to: number, step: number): number[] => {
    const out: number[] = [];
    for (let m = from; m <= to; m += step) out.push(m);
    return out;
  };
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return undefined;
  }
}

/** How long load-balancer access logs are kept. */
export const DEFAULT_ACCESS_LOG_EXPIRATION = Duration.days(365);

/**
 * A bucket for logs (load-balancer access logs, S3 server access logs): SSE-S3 (load balancers and S3 logging
 * cannot write to a KMS-encrypted bucket), TLS only, no public access, objects owned by the bucket owner,
 * versioned, retained on stack deletion, logs expiring after a year.
 */
export function defaultLogBucketProps(): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: DEFAULT_ACCESS_LOG_EXPIRATION, noncurrentVersionExpiration: Duration.days(30) }],
  };
}
