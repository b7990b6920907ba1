/** Defaults of every DynamoDB-stream consumer allframe builds (projections, event publishers, outbox relays). */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { DynamoEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';

/** Retries of a failed batch before its position goes to the on-failure queue. */
export const DEFAULT_STREAM_RETRY_ATTEMPTS = 3;

/** Records per invocation. */
export const DEFAULT_STREAM_BATCH_SIZE = 100;

/** How far behind the stream a consumer may fall before its alarm fires. */
export const DEFAULT_MAX_ITERATOR_AGE = Duration.minutes(5);

/**
 * A stream event source from the oldest record still in the stream (nothing written before the consumer existed is
 * skipped), with bounded retries, a failing batch split in halves to isolate the bad record, and partial batch
 * failures so the records before a failing one are not processed again. The caller adds the on-failure destination
 * and the filters.
 */
export function defaultStreamEventSourceProps(): DynamoEventSourceProps {
  return {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: DEFAULT_STREAM_BATCH_SIZE,
    retryAttempts: DEFAULT_STREAM_RETRY_ATTEMPTS,
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
  };
}

/** The filter keeping only new items (stream records of eventName INSERT), with extra conditions on the record. */
export function insertFilter(record: Record<string, unknown> = {}): Record<string, unknown> {
  return lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT'), ...record });
}
