/**
 * Defaults of every SQS queue allframe builds, in one place (the AWS Solutions Constructs habit): functions
 * return fresh props; callers merge defaults, then user values, then what the construct requires.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Deliveries of a message before it moves to the DLQ. */
export const DEFAULT_MAX_RECEIVE_COUNT = 5;

/** How much longer than the consumer's timeout a received message stays hidden (AWS's advice for Lambda). */
export const VISIBILITY_PER_CONSUMER_TIMEOUT = 6;

/**
 * A work queue: encrypted at rest, TLS only, 4 days of retention.
 *
 * Encryption is SSE-SQS, not the AWS-managed KMS key (alias/aws/sqs): SNS and EventBridge cannot deliver to a
 * queue encrypted with that key, because its key policy cannot be changed to let them use it. Pass a
 * customer-managed key (`encryptionMasterKey`) where a KMS key is required.
 */
export function defaultQueueProps(): sqs.QueueProps {
  return {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(4),
    visibilityTimeout: Duration.seconds(30 * VISIBILITY_PER_CONSUMER_TIMEOUT),
  };
}

/** A dead-letter queue: like a work queue, but it keeps messages for the maximum 14 days. */
export function defaultDeadLetterQueueProps(): sqs.QueueProps {
  return { ...defaultQueueProps(), retentionPeriod: Duration.days(14) };
}

/**
 * The alarm every dead-letter queue gets: at least one message in it (maximum over a minute), missing data not
 * breaching, with an action to `alarmTopic` when given. One definition, so every DLQ alarms alike.
 */
export function deadLetterDepthAlarm(scope: Construct, queue: sqs.IQueue, description: string, alarmTopic?: sns.ITopic): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, 'DlqDepthAlarm', {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (alarmTopic) alarm.addAlarmAction(new actions.SnsAction(alarmTopic));
  return alarm;
}
