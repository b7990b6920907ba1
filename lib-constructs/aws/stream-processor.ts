import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from '../core/nag';
import { defaultDeadLetterQueueProps, deadLetterDepthAlarm } from '../core/sqs-defaults';
import {
  DEFAULT_PIPE_BATCH_SIZE,
  DEFAULT_PIPE_LOG_RETENTION,
  DEFAULT_PIPE_PARTITION_KEY_PATH,
  DEFAULT_SHARD_COUNT,
  MAX_TUMBLING_WINDOW_SECONDS,
  defaultKinesisConsumerProps,
  defaultKinesisStreamProps,
} from '../core/kinesis-defaults';

export interface StreamProcessorProps {
  /** The function that handles batches; it must report batch item failures (`{ batchItemFailures }`). */
  readonly handler: lambda.IFunction;
  /**
   * Capacity mode of the stream.
   * @default - PROVISIONED when `shardCount` is given, otherwise ON_DEMAND
   */
  readonly streamMode?: kinesis.StreamMode;
  /**
   * Shards of a provisioned stream (not allowed with ON_DEMAND).
   * @default DEFAULT_SHARD_COUNT (1) when provisioned
   */
  readonly shardCount?: number;
  /**
   * How long the stream keeps records (24 hours to 365 days); a failed batch can be read again from the stream within
   * this time (see `deadLetterQueue`).
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;
  /**
   * A customer-managed KMS key to encrypt the stream with, where compliance requires one (key policy, CloudTrail of
   * its use). cdk-nag AwsSolutions-KDS3 then warns (customer keys cost per producer and consumer request): the caller
   * that chose the key acknowledges that finding.
   * @default - the AWS-managed key for Kinesis (alias/aws/kinesis), which producers and consumers need no KMS grant for
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Tumbling window: Lambda carries a state across the batches of each window of this length (1 to 900 s). Sliding and
   * session windows are computed in the handler's code.
   * @default - no window
   */
  readonly tumblingWindow?: Duration;
  /**
   * Records per invocation (1 to 10000).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Batches processed concurrently per shard (1 to 10).
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Retries of a failing batch (after it has been split) before it goes to the dead-letter queue (0 to 10000).
   * @default 3
   */
  readonly maxRetryAttempts?: number;
  /**
   * Where the alarm on the dead-letter queue's depth notifies.
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/** How `StreamProcessor.pipeFrom` moves messages from a queue into the stream. */
export interface PipeFromQueueOptions {
  /**
   * JSON path of the partition key in the SQS record (the body, when JSON, is parsed: `$.body.orderId`). Records of one
   * key stay in order on one shard.
   * @default DEFAULT_PIPE_PARTITION_KEY_PATH ('$.messageId': spread evenly, no order between messages)
   */
  readonly partitionKeyPath?: string;
  /**
   * Messages the pipe reads from the queue at a time (1 to 10000).
   * @default DEFAULT_PIPE_BATCH_SIZE (10)
   */
  readonly batchSize?: number;
}

/**
 * A Kinesis data stream encrypted with KMS (the AWS-managed key, or a customer-managed one) and a Lambda consumer
 * reading it from the oldest record: partial batch failures, a failing batch split in halves to isolate the bad record,
 * a bounded number of retries, an optional tumbling window. A batch that still fails is recorded (its shard and
 * sequence numbers, not the data) in an encrypted, TLS-only dead-letter queue kept 14 days, so its records can be read
 * again from the stream while the stream retains them; an alarm fires on the first one. The consumer may read this
 * stream (and decrypt with its customer-managed key), and send to this DLQ, nothing more.
 */
export class StreamProcessor extends Construct {
  readonly stream: kinesis.Stream;
  /** The customer-managed key encrypting the stream; undefined when it is the AWS-managed key for Kinesis. */
  readonly encryptionKey: kms.IKey | undefined;
  /** Where the event source mapping records the batches it gave up on. */
  readonly deadLetterQueue: sqs.Queue;
  /** Fires when the dead-letter queue holds at least one record of a failed batch. */
  readonly dlqAlarm: cloudwatch.Alarm;
  readonly eventSource: KinesisEventSource;
  private readonly handler: lambda.IFunction;
  private pipeLogs: logs.LogGroup | undefined;
  private pipeCount = 0;

  constructor(scope: Construct, id: string, props: StreamProcessorProps) {
    super(scope, id);
    const defaults = defaultKinesisStreamProps();
    const consumer = defaultKinesisConsumerProps();
    const streamMode = props.streamMode ?? (props.shardCount !== undefined ? kinesis.StreamMode.PROVISIONED : defaults.streamMode);
    const settings = {
      retentionPeriod: props.retentionPeriod ?? defaults.retentionPeriod,
      batchSize: props.batchSize ?? consumer.batchSize,
      parallelizationFactor: props.parallelizationFactor ?? consumer.parallelizationFactor,
      retryAttempts: props.maxRetryAttempts ?? consumer.retryAttempts,
    };
    validate(props, streamMode, settings);
    this.handler = props.handler;

    this.encryptionKey = props.encryptionKey;
    this.stream = new kinesis.Stream(this, 'Stream', {
      ...defaults,
      streamMode,
      ...(streamMode === kinesis.StreamMode.PROVISIONED ? { shardCount: props.shardCount ?? DEFAULT_SHARD_COUNT } : {}),
      retentionPeriod: settings.retentionPeriod,
      ...(props.encryptionKey ? { encryption: kinesis.StreamEncryption.KMS, encryptionKey: props.encryptionKey } : {}),
    });

    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { ...defaultDeadLetterQueueProps(), enforceSSL: true });
    this.eventSource = new KinesisEventSource(this.stream, {
      ...consumer,
      batchSize: settings.batchSize,
      parallelizationFactor: settings.parallelizationFactor,
      retryAttempts: settings.retryAttempts,
      ...(props.tumblingWindow ? { tumblingWindow: props.tumblingWindow } : {}),
      onFailure: new SqsDlq(this.deadLetterQueue),
    });
    props.handler.addEventSource(this.eventSource);

    this.dlqAlarm = deadLetterDepthAlarm(this, this.deadLetterQueue, 'Stream batches are failing: at least one failed batch is recorded in the dead-letter queue.', props.alarmTopic);
    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'the Kinesis event source mapping (on-failure destination)');
  }

  /**
   * Lets `grantee` put records on this stream (kinesis:PutRecord, PutRecords) and, with a customer-managed key,
   * encrypt them (kms:GenerateDataKey on that key).
   */
  grantWrite(grantee: iam.IGrantable): iam.Grant {
    const put = this.stream.grant(grantee, 'kinesis:PutRecord', 'kinesis:PutRecords');
    return this.encryptionKey ? put.combine(this.encryptionKey.grant(grantee, 'kms:GenerateDataKey')) : put;
  }

  /**
   * An EventBridge pipe that moves each message of `queue` into this stream: the message body is the record's data.
   * The pipe has its own role, which may consume this queue (and decrypt with its key) and put records on this stream
   * only, and logs its errors to a log group with retention. A message the pipe cannot deliver returns to the queue
   * and, after its receive count, goes to the queue's own dead-letter queue.
   */
  pipeFrom(queue: sqs.IQueue, options: PipeFromQueueOptions = {}): pipes.CfnPipe {
    const batchSize = options.batchSize ?? DEFAULT_PIPE_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error(`StreamProcessor.pipeFrom: batchSize must be a whole number from 1 to 10000, got ${batchSize}`);
    const scope = new Construct(this, `Pipe${this.pipeCount++}`);
    this.pipeLogs ??= new logs.LogGroup(this, 'PipeLogs', { retention: DEFAULT_PIPE_LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN });
    const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com') });
    queue.grantConsumeMessages(role);
    this.grantWrite(role);
    this.pipeLogs.grantWrite(role);
    const pipe = new pipes.CfnPipe(scope, 'Resource', {
      roleArn: role.roleArn,
      source: queue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize } },
      target: this.stream.streamArn,
      targetParameters: {
        inputTemplate: '<$.body>',
        kinesisStreamParameters: { partitionKey: options.partitionKeyPath ?? DEFAULT_PIPE_PARTITION_KEY_PATH },
      },
      logConfiguration: { level: 'ERROR', cloudwatchLogsLogDestination: { logGroupArn: this.pipeLogs.logGroupArn } },
    });
    // The pipe starts polling on creation: its role's permissions must exist first (the role itself is a GetAtt).
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) pipe.node.addDependency(policy);
    return pipe;
  }

  /** The age of the oldest record the consumer has yet to process (Lambda IteratorAge, maximum): how far it lags. */
  metricIteratorAgeMax(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.handler.metric('IteratorAge', { statistic: 'Maximum', ...props });
  }
}

interface Settings {
  readonly retentionPeriod: Duration;
  readonly batchSize: number;
  readonly parallelizationFactor: number;
  readonly retryAttempts: number;
}

function validate(props: StreamProcessorProps, streamMode: kinesis.StreamMode, s: Settings): void {
  const problems: string[] = [];
  const whole = (what: string, value: number, min: number, max: number, unit = '') => {
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${what} must be a whole number from ${min} to ${max}${unit}, got ${value}${unit}`);
  };
  if (streamMode === kinesis.StreamMode.ON_DEMAND && props.shardCount !== undefined) problems.push('shardCount applies to PROVISIONED streams only, not ON_DEMAND');
  if (props.shardCount !== undefined) whole('shardCount', props.shardCount, 1, 100_000);
  whole('retentionPeriod', s.retentionPeriod.toHours({ integral: false }), 24, 8760, ' h');
  if (props.tumblingWindow) whole('tumblingWindow', props.tumblingWindow.toSeconds({ integral: false }), 1, MAX_TUMBLING_WINDOW_SECONDS, ' s');
  whole('batchSize', s.batchSize, 1, 10_000);
  whole('parallelizationFactor', s.parallelizationFactor, 1, 10);
  whole('maxRetryAttempts', s.retryAttempts, 0, 10_000);
  if (problems.length > 0) throw new Error(`StreamProcessor: ${problems.join('; ')}`);
}
