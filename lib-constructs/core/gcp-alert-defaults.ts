/**
 * Defaults of every Cloud Monitoring alert policy allframe builds on GCP, in one place: functions return fresh
 * values; constructs merge defaults, then user values, then what they require.
 */

/** Thresholds and windows of a Cloud Run service's alerts when the props say nothing. */
export interface ServiceAlertThresholds {
  /** Share of requests answered 5xx (0 to 1) that opens an incident. */
  readonly errorRatio: number;
  /** 99th percentile request latency, in milliseconds, that opens an incident. */
  readonly p99LatencyMs: number;
  /** Window over which the error ratio and the latency are computed, in seconds. */
  readonly windowSeconds: number;
}

/** 5 % of requests answered 5xx, or a p99 latency above one second, over 5 minutes. */
export function defaultServiceAlertThresholds(): ServiceAlertThresholds {
  return { errorRatio: 0.05, p99LatencyMs: 1000, windowSeconds: 300 };
}

/** How long an incident whose condition no longer holds stays open before it closes itself. */
export const ALERT_AUTO_CLOSE = '1800s';
/** Alignment of the dead-letter backlog: the most undelivered messages seen in each minute. */
export const DLQ_ALIGNMENT_PERIOD = '60s';
/** A notification channel's resource name. */
export const NOTIFICATION_CHANNEL_PATTERN = /^projects\/[^/]+\/notificationChannels\/[^/]+$/;

/** The Cloud Monitoring filter of one Cloud Run service's metric (`resource.type = "cloud_run_revision"`). */
export function cloudRunMetricFilter(serviceName: string, metricType: string, extra?: string): string {
  const base = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${serviceName}" AND metric.type = "${metricType}"`;
  return extra === undefined ? base : `${base} AND ${extra}`;
}

/** The Cloud Monitoring filter of one Pub/Sub subscription's metric. */
export function subscriptionMetricFilter(subscriptionId: string, metricType: string): string {
  return `resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "${subscriptionId}" AND metric.type = "${metricType}"`;
}
