import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SQS_MAX_VISIBILITY_SECONDS } from '../core/cloud-limits';
import { DEFAULT_MAX_RECEIVE_COUNT, VISIBILITY_PER_CONSUMER_TIMEOUT, defaultDeadLetterQueueProps, defaultQueueProps, deadLetterDepthAlarm } from '../core/sqs-defaults';

export interface QueueWithDlqProps {
  /**
   * Deliveries of a message before it moves to the dead-letter queue (SQS maxReceiveCount).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * The longest a consumer takes for one message; the visibility timeout becomes 6 × this, so a message
   * still being processed is never delivered again. Ignored when `queueProps.visibilityTimeout` is set.
   * @default - 30 seconds (visibility timeout 180 seconds)
   */
  readonly consumerTimeout?: Duration;
  /**
   * Extra properties of the work queue, merged over the defaults of `lib-constructs/core/sqs-defaults.ts`.
   * Encryption, TLS enforcement and the dead-letter queue are always set by this construct.
   * @default - the defaults
   */
  readonly queueProps?: Omit<sqs.QueueProps, 'deadLetterQueue' | 'enforceSSL'>;
  /**
   * Where the alarm on the dead-letter queue's depth notifies.
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * A customer-managed KMS key for both queues (grant SNS/EventBridge use of it when they deliver here).
   * @default - SSE-SQS encryption
   */
  readonly encryptionMasterKey?: kms.IKey;
}

/**
 * A work queue with its dead-letter queue: both encrypted (SSE-SQS, or the given KMS key) and TLS-only, the
 * DLQ keeping messages 14 days, and an alarm as soon as one message lands in the DLQ.
 */
export class QueueWithDlq extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** The work queue's visibility timeout. */
  readonly visibilityTimeout: Duration;
  /** Fires when the dead-letter queue holds at least one message. */
  readonly dlqAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps = {}) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`maxReceiveCount must be a whole number from 1 to 1000, got ${maxReceiveCount}`);
    }
    const visibilityTimeout = props.queueProps?.visibilityTimeout ?? (props.consumerTimeout ? Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_PER_CONSUMER_TIMEOUT) : undefined);
    if (visibilityTimeout && visibilityTimeout.toSeconds() > SQS_MAX_VISIBILITY_SECONDS) {
      throw new Error(`the visibility timeout would be ${visibilityTimeout.toSeconds()} s; SQS allows at most ${SQS_MAX_VISIBILITY_SECONDS} s`);
    }
    const fifo = props.queueProps?.fifo;
    const encryption = props.encryptionMasterKey ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionMasterKey } : {};

    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      ...defaultDeadLetterQueueProps(),
      ...encryption,
      ...(fifo !== undefined ? { fifo } : {}),
      enforceSSL: true,
    });
    this.visibilityTimeout = visibilityTimeout ?? defaultQueueProps().visibilityTimeout ?? Duration.seconds(30);
    this.queue = new sqs.Queue(this, 'Queue', {
      ...defaultQueueProps(),
      ...props.queueProps,
      ...encryption,
      visibilityTimeout: this.visibilityTimeout,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.dlqAlarm = deadLetterDepthAlarm(this, this.deadLetterQueue, 'Messages are failing: at least one message is in the dead-letter queue.', props.alarmTopic);
  }
}
