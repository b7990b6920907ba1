import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEFAULT_QUEUE_URL_VARIABLE,
  DEFAULT_WORKER_MAX_CAPACITY,
  DEFAULT_WORKER_MIN_CAPACITY,
  DEFAULT_WORKER_SCALING_COOLDOWN,
  WORKER_STOP_TIMEOUT,
} from '../core/fargate-defaults';
import { FargateTask, checkCapacity, containerOptions, type FargateContainerOptions } from './fargate-task';
import type { QueueWithDlq } from './queue-with-dlq';
import type { IServiceNetwork } from './service-network';

export interface QueueWorkerServiceProps extends FargateContainerOptions {
  /** The network (VPC and ECS cluster) the worker runs in. */
  readonly network: IServiceNetwork;
  /** The queue (with its dead-letter queue) the worker consumes. */
  readonly queue: QueueWithDlq;
  /**
   * The fewest tasks. 1 keeps a worker ready, so a message is taken within seconds; 0 costs nothing while the
   * queue is empty, but the first message then waits for the queue-depth alarm (a minute or more) and a task
   * start (about a minute).
   * @default 1
   */
  readonly minCapacity?: number;
  /**
   * The most tasks.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * The environment variable that holds the queue's URL (unless `environment` sets it itself).
   * @default 'QUEUE_URL'
   */
  readonly queueUrlVariable?: string;
}

/**
 * A Fargate worker consuming a `QueueWithDlq`: no load balancer, tasks in private subnets without public IPs, a
 * task role that may consume that one queue (and its key) and nothing else, deployments that roll back on the
 * circuit breaker, a stop timeout long enough to finish the message in hand, and step scaling on the queue's
 * backlog (ApproximateNumberOfMessagesVisible) between `minCapacity` and `maxCapacity`. Scale-in removes one task
 * at a time once the backlog is empty; the stopped task gets SIGTERM and 120 s to finish (or release) the message
 * it holds, and a message it does not delete returns to the queue (and after `maxReceiveCount` tries, the DLQ).
 * With `nat: 'none'` the network gets an SQS interface endpoint.
 */
export class QueueWorkerService extends Construct implements ec2.IConnectable {
  readonly service: ecs.FargateService;
  readonly task: FargateTask;
  /** The application container (e.g. to `addEnvironment` after construction). */
  readonly container: ecs.ContainerDefinition;
  /** The role the worker runs as: it may consume the queue; grant it what else the code calls. */
  readonly taskRole: iam.Role;
  /** The tasks' security group(s): allow them to reach databases and caches. */
  readonly connections: ec2.Connections;
  readonly logGroup: logs.LogGroup;
  readonly scaling: ecs.ScalableTaskCount;

  constructor(scope: Construct, id: string, props: QueueWorkerServiceProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? DEFAULT_WORKER_MIN_CAPACITY;
    const maxCapacity = props.maxCapacity ?? DEFAULT_WORKER_MAX_CAPACITY;
    checkCapacity(minCapacity, maxCapacity, 0);
    if (maxCapacity < 1) throw new Error('maxCapacity must be at least 1');
    const queueUrlVariable = props.queueUrlVariable ?? DEFAULT_QUEUE_URL_VARIABLE;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(queueUrlVariable)) throw new Error(`queueUrlVariable must be an environment variable name, got '${queueUrlVariable}'`);
    const queue = props.queue.queue;

    props.network.ensureServiceEndpoint?.(ec2.InterfaceVpcEndpointAwsService.SQS);
    this.task = new FargateTask(this, 'Task', {
      ...containerOptions(props),
      environment: { [queueUrlVariable]: queue.queueUrl, ...props.environment },
      stopTimeout: WORKER_STOP_TIMEOUT,
    });
    this.taskRole = this.task.taskRole;
    this.container = this.task.container;
    this.logGroup = this.task.logGroup;
    queue.grantConsumeMessages(this.taskRole);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.network.cluster,
      taskDefinition: this.task.taskDefinition,
      desiredCount: minCapacity,
      vpcSubnets: props.network.privateSubnets,
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      // Deployments start new tasks before stopping old ones, so consumption never pauses.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.connections = this.service.connections;

    this.scaling = this.service.autoScaleTaskCount({ minCapacity, maxCapacity });
    this.scaling.scaleOnMetric('QueueDepth', {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: DEFAULT_WORKER_SCALING_COOLDOWN,
      // An empty backlog removes one task at a time; a backlog adds tasks, more the longer it is.
      scalingSteps: [
        { upper: 0, change: -1 },
        { lower: 1, change: +1 },
        { lower: 100, change: +2 },
        { lower: 1000, change: +4 },
      ],
    });
  }
}
