/**
 * Defaults of every alarm, alarm topic and dashboard allframe builds, in one place: functions return fresh props;
 * callers merge defaults, then user values, then what the construct requires.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { defaultTopicProps } from './topic-defaults';

/** The window a service alarm looks at (one evaluation period). */
export const DEFAULT_ALARM_PERIOD = Duration.minutes(5);

/** Dead-letter queue depth is looked at every minute (SQS publishes it at one-minute resolution). */
export const DEFAULT_DLQ_ALARM_PERIOD = Duration.minutes(1);

/** Errors (function errors, HTTP 5xx) tolerated in one period: the alarm fires above this. */
export const DEFAULT_ERROR_THRESHOLD = 0;

/** A function's p99 duration alarms above this share of its timeout. */
export const LATENCY_SHARE_OF_TIMEOUT = 0.8;

/** Lambda's own timeout when a function sets none. */
export const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3);

/** p99 latency of an HTTP API above which its latency alarm fires. */
export const DEFAULT_HTTP_LATENCY_P99 = Duration.seconds(1);

/** The p99 statistic, as CloudWatch spells it. */
export const P99 = 'p99';

/**
 * CloudWatch's hard limits on one dashboard (service quotas, not adjustable): widgets in the body, metrics in one
 * widget, metrics across all widgets. The body itself may be at most 1 MB (about 2,500 metrics of ~200 bytes stay
 * well under it).
 */
export const DASHBOARD_LIMITS = { widgets: 500, metricsPerWidget: 500, metrics: 2500 } as const;

/** Time range a dashboard opens with. */
export const DEFAULT_DASHBOARD_INTERVAL = Duration.hours(3);

/**
 * What every service alarm shares: one evaluation period, one breaching datapoint, a static "greater than"
 * threshold, and no alarm while a metric has no data (an idle function is not an incident).
 */
export function defaultAlarmOptions(): Pick<cloudwatch.CreateAlarmOptions, 'evaluationPeriods' | 'datapointsToAlarm' | 'comparisonOperator' | 'treatMissingData'> {
  return {
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
}

/**
 * The customer-managed key of an alarm topic: yearly rotation, retained (and 30 days pending deletion) so that
 * notifications in flight stay readable.
 */
export function defaultAlarmKeyProps(): kms.KeyProps {
  return {
    description: 'Encrypts the alarm notification topic; CloudWatch alarms may use it to publish.',
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

/** An alarm topic: TLS-only publishing (like every topic) and SHA-256 message signatures. */
export function defaultAlarmTopicProps(): sns.TopicProps {
  return { ...defaultTopicProps(), signatureVersion: '2' };
}
