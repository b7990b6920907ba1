/**
 * What each target provides and can honour. Validation refuses what a target can't do (never a silent
 * downgrade); resolve fills in the per-target defaults from here.
 */
import { BUCKET_NAME_MAX_LENGTH, FLY_APP_NAME_MAX_LENGTH, LAMBDA_MAX_TIMEOUT_SECONDS, MAX_TUMBLING_WINDOW_SECONDS, RUN_MIN_MEMORY_MIB, RUN_SERVICE_NAME_MAX_LENGTH, SQS_MAX_VISIBILITY_SECONDS } from '../../lib-constructs/core/cloud-limits';
import { ARCHETYPE_KINDS, ArchetypeKind } from './archetypes';
import type { DiagnosticInit, DocPath } from './diagnostics';
import type { Compute, Database, EventBus, Metrics, SchemaRegistry, SecretsManager, TargetId } from './constants';

export interface TargetDefaults {
  readonly event_bus: EventBus;
  readonly default_database: Exclude<Database, 'none'>;
  readonly secrets_manager: SecretsManager;
  readonly metrics: Metrics;
  /** Compute for request/response services when neither the service nor cloud.<target>.compute says. */
  readonly compute: Compute;
}

export interface TargetCapabilities {
  readonly title: string;
  /**
   * Whether allframe can synthesize the target yet. A target that is not available is still validated (what it
   * will honour), but validation and synth refuse it with AF5005, and nothing is written.
   */
  readonly available: boolean;
  readonly archetypes: readonly ArchetypeKind[];
  readonly eventBuses: readonly EventBus[];
  readonly databases: readonly Database[];
  /** Compute values the target runs natively. */
  readonly computes: readonly Compute[];
  /** Other clouds' compute values the target maps onto its own (lambda and fargate run on Cloud Run on GCP). */
  readonly translates: Partial<Record<Compute, Compute>>;
  readonly secretsManagers: readonly SecretsManager[];
  readonly metrics: readonly Metrics[];
  readonly schemaRegistries: readonly SchemaRegistry[];
}

export const TARGET_DEFAULTS: Record<TargetId, TargetDefaults> = {
  aws: { event_bus: 'sns', default_database: 'dynamodb', secrets_manager: 'aws-secrets', metrics: 'cloudwatch', compute: 'lambda' },
  gcp: { event_bus: 'pubsub', default_database: 'firestore', secrets_manager: 'gcp-secrets', metrics: 'cloud-monitoring', compute: 'cloud-run' },
  fly: { event_bus: 'nats', default_database: 'postgres', secrets_manager: 'env', metrics: 'prometheus', compute: 'fly-machine' },
};

export const TARGET_CAPABILITIES: Record<TargetId, TargetCapabilities> = {
  aws: {
    title: 'AWS',
    available: true,
    archetypes: ARCHETYPE_KINDS,
    // kafka (MSK) is planned; until then it is refused rather than silently replaced.
    // sqs (publishers writing straight into their consumers' queues) is not built yet: consumers already get SQS
    // queues behind sns or eventbridge, so it is refused rather than silently replaced by sns.
    eventBuses: ['sns', 'eventbridge'],
    databases: ['dynamodb', 'postgres', 'none'],
    computes: ['lambda', 'fargate'],
    translates: {},
    secretsManagers: ['aws-secrets'],
    metrics: ['cloudwatch'],
    schemaRegistries: ['glue', 'none'],
  },
  gcp: {
    title: 'Google Cloud',
    available: true,
    archetypes: ARCHETYPE_KINDS,
    eventBuses: ['pubsub'],
    databases: ['firestore', 'postgres', 'none'],
    computes: ['cloud-run'],
    translates: { lambda: 'cloud-run', fargate: 'cloud-run' },
    secretsManagers: ['gcp-secrets'],
    metrics: ['cloud-monitoring'],
    schemaRegistries: ['none'],
  },
  fly: {
    title: 'Fly.io',
    available: true,
    archetypes: ARCHETYPE_KINDS,
    // Fly.io has no managed queue or topic service: only a bus it can host on its own machines.
    eventBuses: ['nats'],
    databases: ['postgres', 'none'],
    computes: ['fly-machine'],
    translates: { lambda: 'fly-machine', fargate: 'fly-machine' },
    secretsManagers: ['env'],
    metrics: ['prometheus'],
    schemaRegistries: ['none'],
  },
};

/**
 * The refusal of a target allframe cannot synthesize yet (AF5005): at the `cloud.primary` that names the target
 * (`primaryPath`), else at the top of the document (`architecture`), as when --target chose it.
 */
export function targetNotAvailable(target: TargetId, primaryPath?: DocPath): DiagnosticInit {
  const available = (Object.keys(TARGET_CAPABILITIES) as TargetId[]).filter((t) => TARGET_CAPABILITIES[t].available);
  return {
    code: 'AF5005',
    message: `target ${target} (${TARGET_CAPABILITIES[target].title}) is not yet available: allframe checks what it can honour but cannot synthesize it yet`,
    path: primaryPath ?? ['architecture'],
    at: primaryPath !== undefined ? 'value' : 'key',
    hint: `choose one of ${available.join(', ')} (cloud.primary or --target) until ${target} is built`,
  };
}

/** Numeric limits of the cloud services behind each target, used by validation. */
export const LIMITS = {
  lambdaTimeoutSeconds: LAMBDA_MAX_TIMEOUT_SECONDS,
  lambdaMemoryMb: { min: 128, max: 10240 },
  /** API Gateway HTTP API integration timeout. */
  httpApiTimeoutSeconds: 30,
  sqsMaxVisibilitySeconds: SQS_MAX_VISIBILITY_SECONDS,
  /** Longest tumbling window a Lambda stream consumer keeps state across. */
  tumblingWindowSeconds: MAX_TUMBLING_WINDOW_SECONDS,
  /** Lambda's SQS event source maximum concurrency starts at 2. */
  lambdaSqsMinConcurrency: 2,
  /** Lambda's SQS event source takes at most 10 messages per batch without a batching window (allframe sets none). */
  lambdaSqsMaxBatchWithoutWindow: 10,
  pubsubDeliveryAttempts: { min: 5, max: 100 },
  pubsubMaxAckDeadlineSeconds: 600,
  cloudRunServiceName: RUN_SERVICE_NAME_MAX_LENGTH,
  /** S3 and Cloud Storage bucket names. */
  bucketName: BUCKET_NAME_MAX_LENGTH,
  /** Fly.io app names are DNS labels. */
  flyAppName: FLY_APP_NAME_MAX_LENGTH,
  /** Least memory of a Cloud Run instance, in MiB: smaller memory_mb is raised to it on gcp. */
  cloudRunMinMemoryMb: RUN_MIN_MEMORY_MIB,
  /** Longest scheduled run on GCP: one request, which Cloud Scheduler waits for at most 30 minutes. */
  scheduledRunMinutes: 30,
  /** Valid Fargate memory (MiB) per CPU value. */
  fargate: {
    256: [512, 1024, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
    4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
    8192: Array.from({ length: 12 }, (_, i) => 16384 + i * 4096),
    16384: Array.from({ length: 12 }, (_, i) => 32768 + i * 8192),
  } as Record<number, number[]>,
} as const;
