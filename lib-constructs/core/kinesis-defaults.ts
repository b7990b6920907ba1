/** Defaults of every Kinesis data stream and Kinesis stream consumer allframe builds. */
import { Duration } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { KinesisEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';

/** The longest tumbling window Lambda supports, in seconds. */
export { MAX_TUMBLING_WINDOW_SECONDS } from './cloud-limits';

/** Shards of a provisioned stream when no count is given. */
export const DEFAULT_SHARD_COUNT = 1;

/**
 * An on-demand stream keeping records 24 hours, encrypted with the AWS-managed KMS key for Kinesis (alias/aws/kinesis):
 * cdk-nag AwsSolutions-KDS1 wants encryption and KDS3 wants that key unless compliance requires a customer-managed one.
 */
export function defaultKinesisStreamProps(): Required<Pick<kinesis.StreamProps, 'streamMode' | 'retentionPeriod' | 'encryption'>> {
  return { streamMode: kinesis.StreamMode.ON_DEMAND, retentionPeriod: Duration.hours(24), encryption: kinesis.StreamEncryption.MANAGED };
}

/**
 * A Lambda consumer from the oldest record, 100 records a batch, one batch per shard at a time, 3 retries, a failing
 * batch split in halves to isolate the bad record, and partial batch failures (`{ batchItemFailures }`).
 */
export function defaultKinesisConsumerProps(): Required<
  Pick<KinesisEventSourceProps, 'startingPosition' | 'batchSize' | 'parallelizationFactor' | 'retryAttempts' | 'bisectBatchOnError' | 'reportBatchItemFailures'>
> {
  return {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: 100,
    parallelizationFactor: 1,
    retryAttempts: 3,
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
  };
}

/** Messages an EventBridge pipe from a queue into a stream reads at a time. */
export const DEFAULT_PIPE_BATCH_SIZE = 10;

/** Partition key of a record piped from a queue: the message id, which spreads records evenly across shards. */
export const DEFAULT_PIPE_PARTITION_KEY_PATH = '$.messageId';

/** How long a pipe's error log is kept. */
export const DEFAULT_PIPE_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;
