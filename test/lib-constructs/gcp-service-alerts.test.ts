import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription';
import { Testing, TerraformStack } from 'cdktf';
import { gcpStack } from './gcp-helpers';
import { ServiceAlerts } from '../../lib-constructs/gcp/service-alerts';

const CHANNEL = 'projects/p/notificationChannels/123';

function stack(): TerraformStack {
  return gcpStack('p', 'test');
}

interface Policy {
  display_name: string;
  combiner: string;
  severity: string;
  notification_channels?: string[];
  alert_strategy: { auto_close: string };
  conditions: { display_name: string; condition_threshold: Record<string, unknown> }[];
}

/** The value, which the test expects to be there. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

/** The threshold condition of the policy named `name`. */
function threshold(p: Record<string, Policy>, name: string): Record<string, unknown> {
  return must(must(p[name], name).conditions[0], `condition of ${name}`).condition_threshold;
}

function policies(s: TerraformStack): Record<string, Policy> {
  const r = (JSON.parse(Testing.synth(s)) as { resource: { google_monitoring_alert_policy: Record<string, Policy> } }).resource;
  return Object.fromEntries(Object.values(r.google_monitoring_alert_policy).map((p) => [p.display_name, p]));
}

const RUN = 'resource.type = "cloud_run_revision" AND resource.labels.service_name = "orders"';

describe('ServiceAlerts', () => {
  test('a 5xx error ratio and a p99 latency policy with stable names, notifying the channels', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new ServiceAlerts(s, 'Alerts', { serviceName: 'orders', notificationChannels: [CHANNEL] });
    // THEN
    const p = policies(s);
    expect(Object.keys(p).sort()).toEqual(['orders: 5xx error ratio', 'orders: p99 latency']);
    for (const policy of Object.values(p)) {
      expect(policy.notification_channels).toEqual([CHANNEL]);
      expect(policy.combiner).toBe('OR');
      expect(policy.alert_strategy.auto_close).toBe('1800s');
    }
    expect(threshold(p, 'orders: 5xx error ratio')).toMatchObject({
      filter: `${RUN} AND metric.type = "run.googleapis.com/request_count" AND metric.labels.response_code_class = "5xx"`,
      denominator_filter: `${RUN} AND metric.type = "run.googleapis.com/request_count"`,
      comparison: 'COMPARISON_GT',
      threshold_value: 0.05,
      aggregations: [{ alignment_period: '300s', per_series_aligner: 'ALIGN_DELTA', cross_series_reducer: 'REDUCE_SUM' }],
      denominator_aggregations: [{ alignment_period: '300s', per_series_aligner: 'ALIGN_DELTA', cross_series_reducer: 'REDUCE_SUM' }],
    });
    expect(threshold(p, 'orders: p99 latency')).toMatchObject({
      filter: `${RUN} AND metric.type = "run.googleapis.com/request_latencies"`,
      comparison: 'COMPARISON_GT',
      threshold_value: 1000,
      aggregations: [{ alignment_period: '300s', per_series_aligner: 'ALIGN_DELTA', cross_series_reducer: 'REDUCE_PERCENTILE_99' }],
    });
  });

  test('one dead-letter backlog policy per subscription: num_undelivered_messages > 0', () => {
    // GIVEN
    const s = stack();
    const dlq = new PubsubSubscription(s, 'Dlq', { name: 'orders-created-dlq', topic: 'orders-created-dlq' });
    // WHEN
    new ServiceAlerts(s, 'Alerts', {
      serviceName: 'orders',
      deadLetterSubscriptions: [
        { name: 'orders-created', subscriptionId: dlq.name },
        { name: 'payments', subscriptionId: 'payments-dlq' },
      ],
    });
    // THEN
    const p = policies(s);
    expect(Object.keys(p).sort()).toEqual(['orders: 5xx error ratio', 'orders: dead letters in orders-created', 'orders: dead letters in payments', 'orders: p99 latency']);
    const payments = must(p['orders: dead letters in payments'], 'payments policy');
    expect(payments.severity).toBe('ERROR');
    expect(threshold(p, 'orders: dead letters in payments')).toMatchObject({
      filter: 'resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "payments-dlq" AND metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"',
      comparison: 'COMPARISON_GT',
      threshold_value: 0,
      aggregations: [{ alignment_period: '60s', per_series_aligner: 'ALIGN_MAX' }],
    });
    expect(threshold(p, 'orders: dead letters in orders-created').filter).toMatch(
      /resource\.labels\.subscription_id = "\$\{google_pubsub_subscription\.Dlq\.name\}"/,
    );
    // AND no channels given: none set
    expect(payments.notification_channels).toBeUndefined();
  });

  test('thresholds and window from the props; display names do not change with them', () => {
    const s = stack();
    new ServiceAlerts(s, 'Alerts', { serviceName: 'orders', errorRatioThreshold: 0.07, p99LatencyThresholdMs: 2500, windowSeconds: 600 });
    const p = policies(s);
    expect(Object.keys(p).sort()).toEqual(['orders: 5xx error ratio', 'orders: p99 latency']);
    expect(threshold(p, 'orders: 5xx error ratio')).toMatchObject({ threshold_value: 0.07, aggregations: [{ alignment_period: '600s' }] });
    expect(threshold(p, 'orders: p99 latency')).toMatchObject({ threshold_value: 2500, aggregations: [{ alignment_period: '600s' }] });
    expect((must(p['orders: 5xx error ratio'], 'ratio policy') as unknown as { documentation: { subject: string } }).documentation.subject).toBe('orders: 5xx error ratio above 7%');
  });

  test('invalid props are refused, all problems at once', () => {
    expect(() => new ServiceAlerts(stack(), 'A', { serviceName: 'orders', errorRatioThreshold: 0 })).toThrow('errorRatioThreshold');
    expect(() => new ServiceAlerts(stack(), 'A', { serviceName: 'orders', windowSeconds: 90, p99LatencyThresholdMs: -1 })).toThrow(/p99LatencyThresholdMs.*windowSeconds/);
    expect(() => new ServiceAlerts(stack(), 'A', { serviceName: 'orders', notificationChannels: ['ops@example.com'] })).toThrow("notification channel 'ops@example.com'");
    expect(
      () => new ServiceAlerts(stack(), 'A', { serviceName: 'orders', deadLetterSubscriptions: [{ name: 'x', subscriptionId: 'a-dlq' }, { name: 'x', subscriptionId: 'b-dlq' }] }),
    ).toThrow("'x' appears twice");
    expect(() => new ServiceAlerts(stack(), 'A', { serviceName: 'Orders' })).toThrow("serviceName 'Orders'");
  });
});
