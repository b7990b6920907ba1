import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_CONTAINER_LOG_RETENTION, DEFAULT_CPU, DEFAULT_CPU_ARCHITECTURE, DEFAULT_MEMORY_MIB, fargateMemoryOptions } from '../core/fargate-defaults';
import { acknowledgeContainerConfiguration, acknowledgeEcrAuthorization } from '../core/nag';

/** What every allframe container takes; the services add their own. */
export interface FargateContainerOptions {
  /** The container image. */
  readonly image: ecs.ContainerImage;
  /**
   * vCPU units of a task (256, 512, 1024, 2048, 4096, 8192 or 16384).
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of a task in MiB; it must be a size Fargate offers for `cpu`.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Environment variables: configuration only (names, URLs, flags), here or added later with
   * `container.addEnvironment`. Secrets go in `secrets`.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Secrets (Secrets Manager or SSM Parameter Store) that ECS injects as environment variables at start; only the
   * execution role may read them.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;
  /**
   * Instruction set of the image.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * How long the container's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Mount the container's root filesystem read-only (the image must then write only to mounted volumes).
   * @default false
   */
  readonly readonlyRootFilesystem?: boolean;
}

export interface FargateTaskProps extends FargateContainerOptions {
  /**
   * The port the container listens on.
   * @default - none (the container serves no port)
   */
  readonly containerPort?: number;
  /**
   * How long ECS waits after SIGTERM before it kills the container (at most 120 s on Fargate).
   * @default - 30 seconds (the ECS default)
   */
  readonly stopTimeout?: Duration;
  /**
   * A health check ECS runs inside the container (its command must exist in the image).
   * @default - none
   */
  readonly healthCheck?: ecs.HealthCheck;
}

/**
 * A Fargate task definition as every allframe container gets it: one container, logs through the awslogs driver
 * to its own log group with retention, a task role with no permissions until granted, an execution role holding
 * only what ECS needs (image pull, log writes, the given secrets) and no managed policy, Linux on the chosen
 * architecture, and a task size Fargate accepts.
 */
export class FargateTask extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  /** The role the application runs as: grant it what the code calls. */
  readonly taskRole: iam.Role;
  /** The role ECS uses to start the task (pull the image, write logs, read secrets). */
  readonly executionRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FargateTaskProps) {
    super(scope, id);
    const cpu = props.cpu ?? DEFAULT_CPU;
    const memoryLimitMiB = props.memoryLimitMiB ?? DEFAULT_MEMORY_MIB;
    const memoryOptions = fargateMemoryOptions(cpu);
    if (memoryOptions === undefined) {
      throw new Error(`cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, got ${cpu}`);
    }
    if (!memoryOptions.includes(memoryLimitMiB)) {
      throw new Error(`memoryLimitMiB ${memoryLimitMiB} is not offered with cpu ${cpu}; Fargate offers ${memoryOptions[0]} to ${memoryOptions[memoryOptions.length - 1]} MiB`);
    }
    const port = props.containerPort;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`containerPort must be a whole number from 1 to 65535, got ${port}`);
    }
    const stopTimeout = props.stopTimeout;
    if (stopTimeout !== undefined && (stopTimeout.toSeconds() < 2 || stopTimeout.toSeconds() > 120)) {
      throw new Error(`stopTimeout must be from 2 to 120 seconds, got ${stopTimeout.toSeconds()}`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? DEFAULT_CONTAINER_LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const principal = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    this.taskRole = new iam.Role(this, 'TaskRole', { assumedBy: principal });
    this.executionRole = new iam.Role(this, 'ExecutionRole', { assumedBy: principal });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu,
      memoryLimitMiB,
      taskRole: this.taskRole,
      executionRole: this.executionRole,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? DEFAULT_CPU_ARCHITECTURE,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const environment = props.environment ?? {};
    const hasEnvironment = Object.keys(environment).length > 0;
    this.container = this.taskDefinition.addContainer('App', {
      image: props.image,
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'app', mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? false,
      // An empty `environment` still renders, and cdk-nag ECS2 flags any: leave it out unless there is one.
      ...(hasEnvironment ? { environment } : {}),
      ...(props.secrets !== undefined ? { secrets: props.secrets } : {}),
      ...(port !== undefined ? { portMappings: [{ containerPort: port, protocol: ecs.Protocol.TCP }] } : {}),
      ...(stopTimeout !== undefined ? { stopTimeout } : {}),
      ...(props.healthCheck !== undefined ? { healthCheck: props.healthCheck } : {}),
    });
    // Always: `container.addEnvironment` may add configuration after construction.
    acknowledgeContainerConfiguration(this.taskDefinition);
    acknowledgeEcrAuthorization(this.executionRole);
  }
}

/** Shared by the Fargate constructs: whole numbers, `floor` ≤ min ≤ max. */
export function checkCapacity(minCapacity: number, maxCapacity: number, floor: number): void {
  if (!Number.isInteger(minCapacity) || minCapacity < floor) throw new Error(`minCapacity must be a whole number of at least ${floor}, got ${minCapacity}`);
  if (!Number.isInteger(maxCapacity) || maxCapacity < minCapacity) throw new Error(`maxCapacity must be a whole number of at least minCapacity (${minCapacity}), got ${maxCapacity}`);
}

/** Only the container options of a construct's props (so the task never sees unrelated props). */
export function containerOptions(p: FargateContainerOptions): FargateContainerOptions {
  return {
    image: p.image,
    cpu: p.cpu,
    memoryLimitMiB: p.memoryLimitMiB,
    environment: p.environment,
    secrets: p.secrets,
    cpuArchitecture: p.cpuArchitecture,
    logRetention: p.logRetention,
    readonlyRootFilesystem: p.readonlyRootFilesystem,
  };
}
