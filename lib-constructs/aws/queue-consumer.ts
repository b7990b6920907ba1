import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { VISIBILITY_PER_CONSUMER_TIMEOUT } from '../core/sqs-defaults';
import type { QueueWithDlq } from './queue-with-dlq';

export interface QueueConsumerProps {
  /** The queue (with its DLQ) to consume. */
  readonly queue: QueueWithDlq;
  /** The function that handles batches; it must report batch item failures (`{ batchItemFailures }`). */
  readonly handler: lambda.Function;
  /**
   * Messages per invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Concurrent invocations the queue may drive (2 to 1000).
   * @default - no limit beyond the function's own concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * How long to gather a batch.
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
}

/**
 * A Lambda queue consumer: the function reads the queue (and nothing else), with partial batch failures so one
 * bad message does not redeliver its batch, and a queue whose visibility timeout is at least 6 × the
 * function's timeout so a message still being processed is never handed to another invocation.
 */
export class QueueConsumer extends Construct {
  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const timeout = props.handler.timeout ?? Duration.seconds(3);
    const needed = timeout.toSeconds() * VISIBILITY_PER_CONSUMER_TIMEOUT;
    if (props.queue.visibilityTimeout.toSeconds() < needed) {
      throw new Error(
        `the queue's visibility timeout (${props.queue.visibilityTimeout.toSeconds()} s) is below 6 × the function timeout (${needed} s): pass consumerTimeout to QueueWithDlq`,
      );
    }
    const maxConcurrency = props.maxConcurrency;
    if (maxConcurrency !== undefined && (maxConcurrency < 2 || maxConcurrency > 1000)) {
      throw new Error(`maxConcurrency must be from 2 to 1000, got ${maxConcurrency}`);
    }
    props.handler.addEventSource(
      new SqsEventSource(props.queue.queue, {
        batchSize: props.batchSize ?? 10,
        reportBatchItemFailures: true,
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      }),
    );
  }
}
