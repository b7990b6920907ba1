import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import {
  DEFAULT_ALARM_PERIOD,
  DEFAULT_DLQ_ALARM_PERIOD,
  DEFAULT_ERROR_THRESHOLD,
  DEFAULT_HTTP_LATENCY_P99,
  LAMBDA_DEFAULT_TIMEOUT,
  LATENCY_SHARE_OF_TIMEOUT,
  P99,
  defaultAlarmOptions,
} from '../core/alarm-defaults';
import type { AlarmTopic } from './alarm-topic';

/** An alarm on any metric (a Fargate service's 5xx, a state machine's failures, a stream's iterator age, ...). */
export interface ServiceAlarmOptions {
  /** What the alarm watches, in kebab-case: the alarm is named `${prefix}-${id}` (also its construct id). */
  readonly id: string;
  /** The metric, with its own statistic and period. */
  readonly metric: cloudwatch.IMetric;
  /** The threshold the metric is compared with. */
  readonly threshold: number;
  /** What it means when the alarm fires, for whoever is woken up by it. */
  readonly description: string;
  /**
   * How the metric is compared with the threshold.
   * @default cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
   */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /**
   * Periods looked at.
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * Breaching periods among them that fire the alarm.
   * @default - all of the evaluation periods
   */
  readonly datapointsToAlarm?: number;
}

/** Per-function settings of {@link ServiceAlarms.addFunction}. */
export interface FunctionAlarmOptions {
  /**
   * p99 duration above which the latency alarm fires.
   * @default - the construct's `latencyP99`, else 80% of the function's timeout (Lambda's 3 s when it sets none)
   */
  readonly latencyP99?: Duration;
  /**
   * The function's name in alarm names.
   * @default - its function name when known at synthesis, else its construct path below the stack
   */
  readonly name?: string;
}

/** Settings of {@link ServiceAlarms.addHttpApi}. */
export interface HttpApiAlarmOptions {
  /**
   * p99 latency above which the latency alarm fires.
   * @default Duration.seconds(1)
   */
  readonly latencyP99?: Duration;
  /**
   * The API's name in alarm names.
   * @default 'http'
   */
  readonly name?: string;
}

export interface ServiceAlarmsProps {
  /** Prefix of every alarm name (`${prefix}-<what>`); usually `<architecture>-<environment>-<service>`. */
  readonly prefix: string;
  /**
   * Where every alarm notifies (on entering ALARM).
   * @default - the alarms have no action
   */
  readonly alarmTopic?: AlarmTopic;
  /**
   * Functions of the service: each gets errors, throttles and p99 duration alarms.
   * @default - none
   */
  readonly functions?: readonly lambda.IFunction[];
  /**
   * Function errors (and HTTP 5xx) per period above which the error alarms fire.
   * @default 0
   */
  readonly errorThreshold?: number;
  /**
   * p99 duration above which the functions' latency alarms fire; needed for functions whose timeout is not known
   * here (imported ones).
   * @default - 80% of each function's timeout
   */
  readonly latencyP99?: Duration;
  /**
   * The service's HTTP API: alarms on 5xx responses and p99 latency.
   * @default - none
   */
  readonly httpApi?: apigwv2.IHttpApi;
  /**
   * p99 latency of the HTTP API above which its latency alarm fires.
   * @default Duration.seconds(1)
   */
  readonly httpLatencyP99?: Duration;
  /**
   * Dead-letter queues: each alarms as soon as one message is in it.
   * @default - none
   */
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /**
   * Alarms on other metrics (from other constructs), added after the ones above.
   * @default - none
   */
  readonly extraAlarms?: readonly ServiceAlarmOptions[];
  /**
   * Period of the function and HTTP alarms.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** Construct ids that are a parent's default child: left out of labels, so `Api/Function` reads `Api`. */
const DEFAULT_CHILD_IDS = new Set(['Resource', 'Default', 'Function', 'Queue']);

/**
 * A stable, readable name of a resource for alarm names and graph labels: its physical name when known at
 * synthesis, else its construct path below its stack (default-child ids dropped), joined with "-".
 */
export function resourceLabel(resource: IConstruct, physicalName: string): string {
  if (!Token.isUnresolved(physicalName)) return physicalName;
  const scopes = resource.node.scopes;
  const stackIndex = scopes.lastIndexOf(Stack.of(resource));
  const ids = scopes.slice(stackIndex + 1).map((s) => s.node.id);
  while (ids.length > 1 && DEFAULT_CHILD_IDS.has(ids[ids.length - 1] ?? '')) ids.pop();
  return ids.join('-');
}

/**
 * The physical name a function or queue was given (`functionName` / `queueName` of its CloudFormation resource, or
 * the name of an imported one), when known at synthesis; undefined when CloudFormation generates it.
 */
export function physicalNameOf(resource: lambda.IFunction | sqs.IQueue): string | undefined {
  const name = 'functionName' in resource ? resource.functionName : resource.queueName;
  if (!Token.isUnresolved(name)) return name;
  const child = resource.node.defaultChild;
  const given = child instanceof lambda.CfnFunction ? child.functionName : child instanceof sqs.CfnQueue ? child.queueName : undefined;
  return given !== undefined && !Token.isUnresolved(given) ? given : undefined;
}

/**
 * A metric of `fn` for use in `scope`. A function of another stack that has a physical name is named literally, so
 * the metric adds no cross-stack reference (a dashboard in a shared stack that the service stacks depend on would
 * otherwise make a dependency cycle); otherwise the function's own metric (a reference, within one stack).
 */
export function functionMetric(scope: IConstruct, fn: lambda.IFunction, metricName: string, options: cloudwatch.MetricOptions): cloudwatch.Metric {
  const name = Stack.of(fn) === Stack.of(scope) ? undefined : physicalNameOf(fn);
  return name === undefined ? fn.metric(metricName, options) : new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: name }, ...options });
}

/** The depth (messages visible) of `queue` for use in `scope`, named literally across stacks like {@link functionMetric}. */
export function queueDepthMetric(scope: IConstruct, queue: sqs.IQueue, options: cloudwatch.MetricOptions): cloudwatch.Metric {
  const name = Stack.of(queue) === Stack.of(scope) ? undefined : physicalNameOf(queue);
  return name === undefined
    ? queue.metricApproximateNumberOfMessagesVisible(options)
    : new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensionsMap: { QueueName: name }, ...options });
}

/** Alarm names: 1 to 255 characters; allframe keeps the prefix to letters, digits, and - _ . */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9\-_.]*$/;
const MAX_ALARM_NAME = 255;

/**
 * The alarms of one service. It guarantees: every alarm is named `${prefix}-<what>` (stable across deploys, and
 * refused when two would collide), treats missing data as not breaching (idle is healthy), and notifies the alarm
 * topic when one is given. Per function: errors above `errorThreshold` in 5 minutes, any throttle, p99 duration
 * above `latencyP99`; per HTTP API: 5xx above `errorThreshold`, p99 latency above `httpLatencyP99`; per
 * dead-letter queue: one message or more; plus any alarm on another construct's metric (`addAlarm`).
 */
export class ServiceAlarms extends Construct {
  readonly prefix: string;
  private readonly alarmList: cloudwatch.Alarm[] = [];
  private readonly names = new Set<string>();
  private readonly alarmTopic?: AlarmTopic;
  private readonly errorThreshold: number;
  private readonly latencyP99?: Duration;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.prefix) && (!PREFIX.test(props.prefix) || props.prefix.length > 200)) {
      throw new Error(`ServiceAlarms ${id}: prefix "${props.prefix}" must be 1 to 200 letters, digits, - _ or ., starting with a letter or digit`);
    }
    const errorThreshold = props.errorThreshold ?? DEFAULT_ERROR_THRESHOLD;
    if (!Number.isFinite(errorThreshold) || errorThreshold < 0) {
      throw new Error(`ServiceAlarms ${id}: errorThreshold must be 0 or more, got ${errorThreshold}`);
    }
    this.prefix = props.prefix;
    this.alarmTopic = props.alarmTopic;
    this.errorThreshold = errorThreshold;
    this.latencyP99 = props.latencyP99;
    this.period = props.period ?? DEFAULT_ALARM_PERIOD;
    for (const fn of props.functions ?? []) this.addFunction(fn);
    if (props.httpApi) this.addHttpApi(props.httpApi, props.httpLatencyP99 !== undefined ? { latencyP99: props.httpLatencyP99 } : {});
    for (const queue of props.deadLetterQueues ?? []) this.addDeadLetterQueue(queue);
    for (const extra of props.extraAlarms ?? []) this.addAlarm(extra);
  }

  /** Every alarm, in the order added. */
  get alarms(): readonly cloudwatch.Alarm[] {
    return [...this.alarmList];
  }

  /** Adds an alarm named `${prefix}-${options.id}`, notifying the alarm topic. */
  addAlarm(options: ServiceAlarmOptions): cloudwatch.Alarm {
    const name = `${this.prefix}-${options.id}`;
    if (options.id === '' || options.id.includes('/')) throw new Error(`ServiceAlarms ${this.node.id}: alarm id "${options.id}" must be non-empty and without "/"`);
    if (this.names.has(options.id)) throw new Error(`ServiceAlarms ${this.node.id}: two alarms would be named ${name}; give one of them another name`);
    if (!Token.isUnresolved(name) && name.length > MAX_ALARM_NAME) throw new Error(`ServiceAlarms ${this.node.id}: alarm name ${name} is longer than ${MAX_ALARM_NAME} characters`);
    if (!Number.isFinite(options.threshold)) throw new Error(`ServiceAlarms ${this.node.id}: alarm ${name} needs a finite threshold`);
    this.names.add(options.id);
    const alarm = new cloudwatch.Alarm(this, options.id, {
      ...defaultAlarmOptions(),
      alarmName: name,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      ...(options.comparisonOperator !== undefined ? { comparisonOperator: options.comparisonOperator } : {}),
      ...(options.evaluationPeriods !== undefined ? { evaluationPeriods: options.evaluationPeriods, datapointsToAlarm: options.evaluationPeriods } : {}),
      ...(options.datapointsToAlarm !== undefined ? { datapointsToAlarm: options.datapointsToAlarm } : {}),
    });
    if (this.alarmTopic) alarm.addAlarmAction(this.alarmTopic.alarmAction);
    this.alarmList.push(alarm);
    return alarm;
  }

  /** Errors, throttles and p99 duration alarms of `fn`. */
  addFunction(fn: lambda.IFunction, options: FunctionAlarmOptions = {}): cloudwatch.Alarm[] {
    const label = options.name ?? resourceLabel(fn, fn.functionName);
    const latency = options.latencyP99 ?? this.latencyP99 ?? defaultFunctionLatency(fn);
    if (latency === undefined) {
      throw new Error(`ServiceAlarms ${this.node.id}: the timeout of function ${label} is not known here; pass latencyP99`);
    }
    const minutes = describePeriod(this.period);
    return [
      this.addAlarm({
        id: `${label}-errors`,
        metric: functionMetric(this, fn, 'Errors', { statistic: cloudwatch.Stats.SUM, period: this.period }),
        threshold: this.errorThreshold,
        description: `Function ${label} failed more than ${this.errorThreshold} time(s) in ${minutes}.`,
      }),
      this.addAlarm({
        id: `${label}-throttles`,
        metric: functionMetric(this, fn, 'Throttles', { statistic: cloudwatch.Stats.SUM, period: this.period }),
        threshold: 0,
        description: `Function ${label} was throttled in ${minutes}: it hit its concurrency limit.`,
      }),
      this.addAlarm({
        id: `${label}-duration-p99`,
        metric: functionMetric(this, fn, 'Duration', { statistic: P99, period: this.period }),
        threshold: latency.toMilliseconds(),
        description: `Function ${label}: p99 duration above ${latency.toMilliseconds()} ms in ${minutes}.`,
      }),
    ];
  }

  /** 5xx and p99 latency alarms of an HTTP API. */
  addHttpApi(api: apigwv2.IHttpApi, options: HttpApiAlarmOptions = {}): cloudwatch.Alarm[] {
    const label = options.name ?? 'http';
    const latency = options.latencyP99 ?? DEFAULT_HTTP_LATENCY_P99;
    const minutes = describePeriod(this.period);
    return [
      this.addAlarm({
        id: `${label}-5xx`,
        metric: api.metricServerError({ statistic: cloudwatch.Stats.SUM, period: this.period }),
        threshold: this.errorThreshold,
        description: `The HTTP API answered more than ${this.errorThreshold} 5xx response(s) in ${minutes}.`,
      }),
      this.addAlarm({
        id: `${label}-latency-p99`,
        metric: api.metricLatency({ statistic: P99, period: this.period }),
        threshold: latency.toMilliseconds(),
        description: `The HTTP API's p99 latency was above ${latency.toMilliseconds()} ms in ${minutes}.`,
      }),
    ];
  }

  /** An alarm as soon as `queue` (a dead-letter queue) holds one message. */
  addDeadLetterQueue(queue: sqs.IQueue, name?: string): cloudwatch.Alarm {
    const label = name ?? resourceLabel(queue, queue.queueName);
    return this.addAlarm({
      id: `${label}-dlq-depth`,
      metric: queueDepthMetric(this, queue, { statistic: cloudwatch.Stats.MAXIMUM, period: DEFAULT_DLQ_ALARM_PERIOD }),
      threshold: 0,
      description: `Messages are failing: dead-letter queue ${label} holds at least one message.`,
    });
  }
}

/** 80% of the function's timeout, when this is a function defined in this app; undefined for imported ones. */
function defaultFunctionLatency(fn: lambda.IFunction): Duration | undefined {
  if (!(fn instanceof lambda.Function)) return undefined;
  const timeout = fn.timeout ?? LAMBDA_DEFAULT_TIMEOUT;
  return Duration.millis(Math.round(timeout.toMilliseconds() * LATENCY_SHARE_OF_TIMEOUT));
}

function describePeriod(period: Duration): string {
  const seconds = period.toSeconds();
  return seconds % 60 === 0 ? `${seconds / 60} minute(s)` : `${seconds} second(s)`;
}
