import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DASHBOARD_LIMITS, DEFAULT_ALARM_PERIOD, DEFAULT_DASHBOARD_INTERVAL, P99 } from '../core/alarm-defaults';
import { functionMetric, queueDepthMetric, resourceLabel } from './service-alarms';

/** What one service shows on the dashboard. */
export interface DashboardServiceOptions {
  /**
   * The service's functions: invocations, errors and p99 duration graphs (one line per function). Functions of
   * another stack are graphed by their physical name when they have one (no cross-stack reference); give them one
   * when their stack depends on the dashboard's.
   * @default - none
   */
  readonly functions?: readonly lambda.IFunction[];
  /**
   * Queues whose depth (messages visible) is graphed, typically the dead-letter queues (by physical name across
   * stacks, like functions).
   * @default - none
   */
  readonly queues?: readonly sqs.IQueue[];
  /**
   * Any other metrics of the service (HTTP 5xx, state machine failures, ...), on one graph.
   * @default - none
   */
  readonly metrics?: readonly cloudwatch.IMetric[];
}

export interface ArchitectureDashboardProps {
  /**
   * Name of the (first) dashboard: 1 to 250 of A-Z a-z 0-9 - _. When the services need more than one dashboard,
   * the others are named `${dashboardName}-2`, `${dashboardName}-3`, ...
   */
  readonly dashboardName: string;
  /**
   * Time range the dashboards open with.
   * @default Duration.hours(3)
   */
  readonly defaultInterval?: Duration;
  /**
   * Period of every graph.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Widgets on one dashboard before the next is started (at most CloudWatch's 500).
   * @default 500
   */
  readonly maxWidgetsPerDashboard?: number;
  /**
   * Metrics on one dashboard before the next is started (at most CloudWatch's 2,500).
   * @default 2500
   */
  readonly maxMetricsPerDashboard?: number;
}

const NAME = /^[A-Za-z0-9_-]{1,250}$/;
const GRAPH_HEIGHT = 6;
const MIN_GRAPH_WIDTH = 6;

interface ServiceRows {
  readonly widgets: cloudwatch.IWidget[];
  readonly metricCount: number;
}

/**
 * The CloudWatch dashboards of one architecture: a header saying the dashboard is generated, then per service a
 * title and one row of graphs (invocations, errors, p99 duration of its functions; depth of its queues; its other
 * metrics). It guarantees a deterministic body (services in the order added, graphs in that fixed order, lines in
 * the order given) and CloudWatch's limits: when the next service would take a dashboard past 500 widgets or 2,500
 * metrics (which also keeps the body far below 1 MB), it goes on a new dashboard `${dashboardName}-<n>`. A service
 * takes at most 6 widgets, so 100 services take at most two dashboards.
 */
export class ArchitectureDashboard extends Construct {
  readonly dashboardName: string;
  private readonly dashboardList: cloudwatch.Dashboard[] = [];
  private readonly serviceNames = new Set<string>();
  private readonly period: Duration;
  private readonly defaultInterval: Duration;
  private readonly maxWidgets: number;
  private readonly maxMetrics: number;
  private widgetCount = 0;
  private metricCount = 0;

  constructor(scope: Construct, id: string, props: ArchitectureDashboardProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.dashboardName) && !NAME.test(props.dashboardName)) {
      throw new Error(`ArchitectureDashboard ${id}: dashboardName "${props.dashboardName}" must be 1 to 250 of A-Z, a-z, 0-9, - and _`);
    }
    this.maxWidgets = props.maxWidgetsPerDashboard ?? DASHBOARD_LIMITS.widgets;
    this.maxMetrics = props.maxMetricsPerDashboard ?? DASHBOARD_LIMITS.metrics;
    if (!Number.isInteger(this.maxWidgets) || this.maxWidgets < 3 || this.maxWidgets > DASHBOARD_LIMITS.widgets) {
      throw new Error(`ArchitectureDashboard ${id}: maxWidgetsPerDashboard must be a whole number from 3 to ${DASHBOARD_LIMITS.widgets}, got ${this.maxWidgets}`);
    }
    if (!Number.isInteger(this.maxMetrics) || this.maxMetrics < 1 || this.maxMetrics > DASHBOARD_LIMITS.metrics) {
      throw new Error(`ArchitectureDashboard ${id}: maxMetricsPerDashboard must be a whole number from 1 to ${DASHBOARD_LIMITS.metrics}, got ${this.maxMetrics}`);
    }
    this.dashboardName = props.dashboardName;
    this.period = props.period ?? DEFAULT_ALARM_PERIOD;
    this.defaultInterval = props.defaultInterval ?? DEFAULT_DASHBOARD_INTERVAL;
    this.startDashboard();
  }

  /** The dashboards, first one first (one unless the services did not fit). */
  get dashboards(): readonly cloudwatch.Dashboard[] {
    return [...this.dashboardList];
  }

  /** Adds the service's title and graphs below the services added before; throws on a name already added. */
  addService(name: string, options: DashboardServiceOptions = {}): void {
    if (name.trim() === '') throw new Error(`ArchitectureDashboard ${this.node.id}: a service needs a name`);
    if (this.serviceNames.has(name)) throw new Error(`ArchitectureDashboard ${this.node.id}: service ${name} was already added`);
    const rows = this.serviceRows(name, options);
    if (rows.widgets.length + 1 > this.maxWidgets || rows.metricCount > this.maxMetrics) {
      throw new Error(`ArchitectureDashboard ${this.node.id}: service ${name} alone needs ${rows.widgets.length} widgets and ${rows.metricCount} metrics, more than one dashboard holds`);
    }
    if (this.widgetCount + rows.widgets.length > this.maxWidgets || this.metricCount + rows.metricCount > this.maxMetrics) {
      this.startDashboard();
    }
    this.serviceNames.add(name);
    const [title, ...graphs] = rows.widgets;
    const dashboard = this.current();
    if (title) dashboard.addWidgets(title);
    if (graphs.length > 0) dashboard.addWidgets(...graphs);
    this.widgetCount += rows.widgets.length;
    this.metricCount += rows.metricCount;
  }

  private current(): cloudwatch.Dashboard {
    const dashboard = this.dashboardList[this.dashboardList.length - 1];
    if (!dashboard) throw new Error('ArchitectureDashboard has no dashboard');
    return dashboard;
  }

  private startDashboard(): void {
    const n = this.dashboardList.length + 1;
    const name = n === 1 ? this.dashboardName : `${this.dashboardName}-${n}`;
    const dashboard = new cloudwatch.Dashboard(this, n === 1 ? 'Dashboard' : `Dashboard${n}`, {
      dashboardName: name,
      defaultInterval: this.defaultInterval,
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `Generated by allframe${n > 1 ? ` (part ${n})` : ''}: changes made in the console are lost on the next deploy.`,
        width: cloudwatch.GRID_WIDTH,
        height: 1,
      }),
    );
    this.dashboardList.push(dashboard);
    this.widgetCount = 1;
    this.metricCount = 0;
  }

  private serviceRows(name: string, options: DashboardServiceOptions): ServiceRows {
    const period = this.period;
    const functions = (options.functions ?? []).map((fn) => ({ fn, label: resourceLabel(fn, fn.functionName) }));
    const queues = options.queues ?? [];
    const graphs: { title: string; metrics: cloudwatch.IMetric[] }[] = [
      { title: 'Invocations', metrics: functions.map(({ fn, label }) => functionMetric(this, fn, 'Invocations', { statistic: cloudwatch.Stats.SUM, period, label })) },
      { title: 'Errors', metrics: functions.map(({ fn, label }) => functionMetric(this, fn, 'Errors', { statistic: cloudwatch.Stats.SUM, period, label })) },
      { title: 'Duration p99 (ms)', metrics: functions.map(({ fn, label }) => functionMetric(this, fn, 'Duration', { statistic: P99, period, label })) },
      {
        title: 'Queue depth (messages visible)',
        metrics: queues.map((q) => queueDepthMetric(this, q, { statistic: cloudwatch.Stats.MAXIMUM, period, label: resourceLabel(q, q.queueName) })),
      },
      { title: 'Metrics', metrics: [...(options.metrics ?? [])] },
    ].filter((g) => g.metrics.length > 0);
    for (const g of graphs) {
      if (g.metrics.length > DASHBOARD_LIMITS.metricsPerWidget) {
        throw new Error(`ArchitectureDashboard ${this.node.id}: the ${g.title} graph of service ${name} has ${g.metrics.length} metrics; CloudWatch allows ${DASHBOARD_LIMITS.metricsPerWidget} a widget`);
      }
    }
    const width = Math.max(MIN_GRAPH_WIDTH, Math.floor(cloudwatch.GRID_WIDTH / Math.max(graphs.length, 1)));
    return {
      widgets: [
        new cloudwatch.TextWidget({ markdown: `### ${name}`, width: cloudwatch.GRID_WIDTH, height: 1 }),
        ...graphs.map((g) => new cloudwatch.GraphWidget({ title: `${name}: ${g.title}`, left: g.metrics, width, height: GRAPH_HEIGHT, period })),
      ],
      metricCount: graphs.reduce((sum, g) => sum + g.metrics.length, 0),
    };
  }
}
