import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  ALERT_AUTO_CLOSE,
  DLQ_ALIGNMENT_PERIOD,
  NOTIFICATION_CHANNEL_PATTERN,
  cloudRunMetricFilter,
  defaultServiceAlertThresholds,
  subscriptionMetricFilter,
} from '../core/gcp-alert-defaults';
import { RUN_SERVICE_NAME_PATTERN } from '../core/gcp-run-defaults';

/** A dead-letter subscription to watch. */
export interface DeadLetterSubscriptionAlert {
  /** A short name for the alert (letters, digits, `_` and `-`): its construct id and part of its display name. */
  readonly name: string;
  /** The id (short name) of the subscription on the dead-letter topic, e.g. `PubSubTopicWithDlq`'s DLQ subscription `.name`. */
  readonly subscriptionId: string;
}

export interface ServiceAlertsProps {
  /** The Cloud Run service's name. */
  readonly serviceName: string;
  /**
   * Notification channels (`projects/<p>/notificationChannels/<id>`) every policy notifies.
   * @default - none: incidents open in Cloud Monitoring but nobody is notified
   */
  readonly notificationChannels?: readonly string[];
  /**
   * Share of requests answered 5xx (more than 0, at most 1) that opens an incident.
   * @default 0.05
   */
  readonly errorRatioThreshold?: number;
  /**
   * 99th percentile request latency, in milliseconds, that opens an incident.
   * @default 1000
   */
  readonly p99LatencyThresholdMs?: number;
  /**
   * Window over which the error ratio and the latency are computed, in seconds (60 or more, a whole number of minutes).
   * @default 300
   */
  readonly windowSeconds?: number;
  /**
   * Dead-letter subscriptions whose backlog (`num_undelivered_messages` > 0) opens an incident: one policy each.
   * @default - none
   */
  readonly deadLetterSubscriptions?: readonly DeadLetterSubscriptionAlert[];
}

/**
 * The alert policies of one Cloud Run service, with stable display names (`<service>: 5xx error ratio`,
 * `<service>: p99 latency`, `<service>: dead letters in <name>`) that do not change with the thresholds: the share of
 * requests answered 5xx, the 99th percentile of `run.googleapis.com/request_latencies` (both over a window, across
 * revisions), and for each dead-letter subscription one message undelivered. Every policy notifies the given
 * channels and closes itself 30 minutes after its condition clears.
 */
export class ServiceAlerts extends Construct {
  /** 5xx responses as a share of all requests. */
  readonly errorRatioPolicy: MonitoringAlertPolicy;
  /** The 99th percentile request latency. */
  readonly latencyPolicy: MonitoringAlertPolicy;
  /** One policy per dead-letter subscription, by its `name`. */
  readonly deadLetterPolicies: Readonly<Record<string, MonitoringAlertPolicy>>;

  constructor(scope: Construct, id: string, props: ServiceAlertsProps) {
    super(scope, id);
    const d = defaultServiceAlertThresholds();
    const errorRatio = props.errorRatioThreshold ?? d.errorRatio;
    const p99 = props.p99LatencyThresholdMs ?? d.p99LatencyMs;
    const windowSeconds = props.windowSeconds ?? d.windowSeconds;
    checkProps(props, errorRatio, p99, windowSeconds);

    const svc = props.serviceName;
    const window = `${windowSeconds}s`;
    const channels = [...(props.notificationChannels ?? [])];
    const common = {
      combiner: 'OR',
      enabled: true,
      ...(channels.length > 0 ? { notificationChannels: channels } : {}),
      alertStrategy: { autoClose: ALERT_AUTO_CLOSE },
      userLabels: { service: svc },
    };
    const requestCount = 'run.googleapis.com/request_count';
    const byService = { alignmentPeriod: window, perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM', groupByFields: ['resource.labels.service_name'] };

    this.errorRatioPolicy = new MonitoringAlertPolicy(this, 'ErrorRatio', {
      ...common,
      displayName: `${svc}: 5xx error ratio`,
      severity: 'ERROR',
      documentation: {
        subject: `${svc}: 5xx error ratio above ${percent(errorRatio)}%`,
        content: `More than ${percent(errorRatio)}% of the requests to the Cloud Run service ${svc} were answered with a 5xx status over ${windowSeconds} s.`,
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: `${svc} 5xx responses / all responses > ${errorRatio}`,
          conditionThreshold: {
            filter: cloudRunMetricFilter(svc, requestCount, 'metric.labels.response_code_class = "5xx"'),
            denominatorFilter: cloudRunMetricFilter(svc, requestCount),
            aggregations: [byService],
            denominatorAggregations: [byService],
            comparison: 'COMPARISON_GT',
            thresholdValue: errorRatio,
            duration: '0s',
            trigger: { count: 1 },
            evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
          },
        },
      ],
    });

    this.latencyPolicy = new MonitoringAlertPolicy(this, 'LatencyP99', {
      ...common,
      displayName: `${svc}: p99 latency`,
      severity: 'WARNING',
      documentation: {
        subject: `${svc}: p99 latency above ${p99} ms`,
        content: `The 99th percentile latency of the Cloud Run service ${svc} was above ${p99} ms over ${windowSeconds} s.`,
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: `${svc} p99 request latency > ${p99} ms`,
          conditionThreshold: {
            filter: cloudRunMetricFilter(svc, 'run.googleapis.com/request_latencies'),
            aggregations: [{ alignmentPeriod: window, perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_PERCENTILE_99', groupByFields: ['resource.labels.service_name'] }],
            comparison: 'COMPARISON_GT',
            thresholdValue: p99,
            duration: '0s',
            trigger: { count: 1 },
            evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
          },
        },
      ],
    });

    const dlq: Record<string, MonitoringAlertPolicy> = {};
    for (const sub of props.deadLetterSubscriptions ?? []) {
      dlq[sub.name] = new MonitoringAlertPolicy(this, `DeadLetters-${sub.name}`, {
        ...common,
        displayName: `${svc}: dead letters in ${sub.name}`,
        severity: 'ERROR',
        documentation: {
          subject: `${svc}: messages in the dead-letter subscription ${sub.name}`,
          content: `Messages for the Cloud Run service ${svc} failed every delivery attempt and wait in the dead-letter subscription ${sub.name}. Inspect them, fix the cause, then replay or drop them.`,
          mimeType: 'text/markdown',
        },
        conditions: [
          {
            displayName: `${sub.name} undelivered messages > 0`,
            conditionThreshold: {
              filter: subscriptionMetricFilter(sub.subscriptionId, 'pubsub.googleapis.com/subscription/num_undelivered_messages'),
              aggregations: [{ alignmentPeriod: DLQ_ALIGNMENT_PERIOD, perSeriesAligner: 'ALIGN_MAX' }],
              comparison: 'COMPARISON_GT',
              thresholdValue: 0,
              duration: '0s',
              trigger: { count: 1 },
              evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
            },
          },
        ],
      });
    }
    this.deadLetterPolicies = dlq;
  }
}

/** A share as a percentage without floating-point noise (0.07 → 7). */
function percent(share: number): number {
  return Math.round(share * 1e6) / 1e4;
}

function checkProps(props: ServiceAlertsProps, errorRatio: number, p99: number, windowSeconds: number): void {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.serviceName) && !RUN_SERVICE_NAME_PATTERN.test(props.serviceName)) problems.push(`serviceName '${props.serviceName}' is not a Cloud Run service name`);
  if (!(errorRatio > 0 && errorRatio <= 1)) problems.push(`errorRatioThreshold must be more than 0 and at most 1, got ${errorRatio}`);
  if (!(p99 > 0)) problems.push(`p99LatencyThresholdMs must be more than 0, got ${p99}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 60 || windowSeconds % 60 !== 0 || windowSeconds > 86400) {
    problems.push(`windowSeconds must be a whole number of minutes from 60 to 86400, got ${windowSeconds}`);
  }
  for (const c of props.notificationChannels ?? []) {
    if (!Token.isUnresolved(c) && !NOTIFICATION_CHANNEL_PATTERN.test(c)) problems.push(`notification channel '${c}' is not projects/<project>/notificationChannels/<id>`);
  }
  const names = new Set<string>();
  for (const s of props.deadLetterSubscriptions ?? []) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(s.name)) problems.push(`dead-letter alert name '${s.name}' must be 1 to 100 letters, digits, '_' and '-'`);
    if (names.has(s.name)) problems.push(`dead-letter alert name '${s.name}' appears twice`);
    names.add(s.name);
    if (!Token.isUnresolved(s.subscriptionId) && !/^[A-Za-z][-A-Za-z0-9._~%+]{2,254}$/.test(s.subscriptionId)) problems.push(`subscriptionId '${s.subscriptionId}' of '${s.name}' is not a subscription id`);
  }
  if (problems.length > 0) throw new Error(`ServiceAlerts ${props.serviceName}: ${problems.join('; ')}`);
}
