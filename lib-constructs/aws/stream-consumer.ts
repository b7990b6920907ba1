import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from '../core/nag';
import { DEFAULT_MAX_ITERATOR_AGE, defaultStreamEventSourceProps } from '../core/stream-defaults';
import { defaultDeadLetterQueueProps } from '../core/sqs-defaults';

export interface StreamConsumerProps {
  /** The table whose stream is consumed (it must have a stream). */
  readonly table: dynamodb.ITable;
  /** The function handling batches of stream records; it must report batch item failures (`{ batchItemFailures }`). */
  readonly handler: lambda.IFunction;
  /**
   * Lambda event filters (`lambda.FilterCriteria.filter(...)`); a record matching any of them is delivered.
   * @default - every record
   */
  readonly filters?: readonly Record<string, unknown>[];
  /**
   * Retries of a failed batch before its position goes to the dead-letter queue (0 to 10000).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Records per invocation (1 to 10000).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * How far behind the stream (age of the newest record read) the consumer may fall before its alarm fires.
   * @default Duration.minutes(5)
   */
  readonly maxIteratorAge?: Duration;
  /**
   * Where the alarms notify.
   * @default - the alarms have no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A Lambda function consuming a DynamoDB stream: from the oldest record on (TRIM_HORIZON), with bounded retries,
 * bisection of failing batches, partial batch failures, and an on-failure dead-letter queue (encrypted, TLS-only,
 * 14 days) that receives the position of every batch that could not be processed; alarms fire as soon as one
 * lands there and when the consumer falls behind. The function may read this table's stream (granted by the event
 * source, on the stream's ARN) and send to its dead-letter queue, nothing more.
 */
export class StreamConsumer extends Construct {
  readonly eventSource: DynamoEventSource;
  /** Receives the shard and sequence numbers of the batches that failed every retry. */
  readonly deadLetterQueue: sqs.Queue;
  /** Fires when the dead-letter queue holds at least one message. */
  readonly dlqAlarm: cloudwatch.Alarm;
  /** Fires when the consumer lags behind the stream by more than `maxIteratorAge`. */
  readonly iteratorAgeAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    const defaults = defaultStreamEventSourceProps();
    const retryAttempts = props.retryAttempts ?? defaults.retryAttempts ?? 0;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 10000) {
      throw new Error(`retryAttempts must be a whole number from 0 to 10000, got ${retryAttempts}`);
    }
    const batchSize = props.batchSize ?? defaults.batchSize;
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000)) {
      throw new Error(`batchSize must be a whole number from 1 to 10000, got ${batchSize}`);
    }
    const maxIteratorAge = props.maxIteratorAge ?? DEFAULT_MAX_ITERATOR_AGE;

    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { ...defaultDeadLetterQueueProps(), enforceSSL: true });
    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'a DynamoDB stream event source (its on-failure destination)');
    this.eventSource = new DynamoEventSource(props.table, {
      ...defaults,
      retryAttempts,
      ...(batchSize !== undefined ? { batchSize } : {}),
      onFailure: new SqsDlq(this.deadLetterQueue),
      ...(props.filters && props.filters.length > 0 ? { filters: [...props.filters] } : {}),
    });
    props.handler.addEventSource(this.eventSource);

    this.dlqAlarm = new cloudwatch.Alarm(this, 'DlqDepthAlarm', {
      alarmDescription: 'Stream records are failing: at least one failed batch is in the dead-letter queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: `The stream consumer is more than ${maxIteratorAge.toHumanString()} behind the stream.`,
      metric: props.handler.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: maxIteratorAge.toMilliseconds(),
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      this.dlqAlarm.addAlarmAction(action);
      this.iteratorAgeAlarm.addAlarmAction(action);
    }
  }
}
