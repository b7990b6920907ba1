/**
 * One stack per service. The archetype handlers build on the helpers here, which keep the habits every service
 * shares in one place: functions with the service's code, configuration and sizing; tables named as the service
 * code names them; grants derived from the file (a publisher may publish to its own topic only; a caller may
 * invoke exactly the services it lists); alarms on everything that can fail.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EventTopic } from '../../../lib-constructs/aws/event-topic';
import { QueueWithDlq } from '../../../lib-constructs/aws/queue-with-dlq';
import { ServiceFunction } from '../../../lib-constructs/aws/service-function';
import type { ServiceNetwork } from '../../../lib-constructs/aws/service-network';
import { ServiceTable } from '../../../lib-constructs/aws/service-table';
import { InternalError, type DiagnosticInit } from '../../model/diagnostics';
import { kebab } from '../../model/names';
import { ServiceAlarms } from '../../../lib-constructs/aws/service-alarms';
import { publishedEvents, type ResolvedArchitecture, type ResolvedService } from '../../resolve/model';
import type { CodeSource } from './code';
import { plainEnvironment, samplerEnvironment } from '../telemetry';
import { prefix, serviceStackName, tablePrefix } from './naming';
import type { SharedStack } from './shared-stack';

export interface ServiceStackProps extends StackProps {
  readonly model: ResolvedArchitecture;
  readonly service: ResolvedService;
  readonly shared: SharedStack;
  readonly code: CodeSource;
}

/** Something configured with environment variables: a function or a container. */
export interface Configurable {
  addEnvironment(name: string, value: string): unknown;
}

/** The Lambda runtime of a Node.js major (24 → nodejs24.x); every runtime the format accepts is one Lambda has. */
export function lambdaRuntime(major: number): lambda.Runtime {
  const found = lambda.Runtime.ALL.find((r) => r.name === `nodejs${major}.x`);
  if (found === undefined) throw new InternalError(`no Lambda runtime nodejs${major}.x in aws-cdk-lib`);
  return found;
}

export class ServiceStack extends Stack {
  readonly model: ResolvedArchitecture;
  readonly service: ResolvedService;
  readonly shared: SharedStack;
  readonly code: CodeSource;
  /** Configuration every workload of the service gets (in addition to what its construct sets). */
  private readonly config = new Map<string, string>();
  private readonly workloads: Configurable[] = [];
  /** Functions of the service, for alarms. */
  readonly functions: lambda.Function[] = [];
  /** Who acts for the service (function roles, task roles): what callers' grants and data grants go to. */
  readonly grantees: iam.IGrantable[] = [];
  /** Network peers of the service (functions in the VPC, tasks), for databases and caches to admit. */
  readonly connectables: ec2.IConnectable[] = [];
  /** Problems found while building (overrides naming nothing), reported as diagnostics. */
  readonly problems: DiagnosticInit[] = [];
  /** Dead-letter queues of the service, for its alarms. */
  readonly deadLetterQueues: sqs.IQueue[] = [];
  /** Callers allowed to invoke this service (set by the HTTP handlers). */
  invokeGrant?: (grantee: iam.IGrantable) => void;
  /** The service's HTTP API (HTTP services), for its 5xx and latency alarms. */
  httpApi?: apigwv2.IHttpApi;
  /** The service's base URL for callers (HTTP services). */
  url?: string;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, { ...props, stackName: serviceStackName(props.model, props.service) });
    this.model = props.model;
    this.service = props.service;
    this.shared = props.shared;
    this.code = props.code;
    this.addStackDependency(props.shared);
    const s = this.service;
    // The file's plain variables: none is a name allframe sets below (SERVICE_NAME, EVENT_TARGET, ...), validation
    // refuses those (AF4013; the list is src/model/environment.ts).
    for (const [k, v] of plainEnvironment(s)) this.setEnv(k, v);
    this.setEnv('SERVICE_NAME', s.name);
    this.setEnv('LOG_LEVEL', 'info');
    for (const [k, v] of Object.entries(samplerEnvironment(this.model))) this.setEnv(k, v);
    if (this.publishes.length > 0) {
      const topic = this.shared.topicOf(s.name);
      this.setEnv('EVENT_BUS', topic.kind);
      this.setEnv('EVENT_TARGET', topic.topic ? topic.topic.topicArn : topic.bus!.eventBusName);
    }
    if (s.database !== 'none') {
      this.setEnv('STORE', s.database === 'postgres' ? 'postgres' : 'dynamodb');
      this.setEnv('TABLE_PREFIX', tablePrefix(this.model, s));
    }
  }

  /** Events the service publishes (for stream processors, their output events). */
  get publishes(): readonly string[] {
    return publishedEvents(this.service);
  }

  /** Set a configuration variable on every workload of the service, now and later. */
  setEnv(name: string, value: string): void {
    this.config.set(name, value);
    for (const w of this.workloads) w.addEnvironment(name, value);
  }

  /** Register a workload so that it receives the service's configuration. */
  configure(workload: Configurable): void {
    for (const [k, v] of this.config) workload.addEnvironment(k, v);
    this.workloads.push(workload);
  }

  /** The environment as it stands, for constructs that take it at creation (containers). */
  environmentNow(): Record<string, string> {
    return Object.fromEntries(this.config);
  }

  /**
   * A function running `src/entry/<entry>.ts` of the service, with its sizing from the file.
   * All functions of a service share one code asset holding every entry the service uses.
   */
  fn(
    id: string,
    entry: string,
    options: { timeout?: Duration; memorySize?: number; reservedConcurrentExecutions?: number; description?: string; vpc?: ServiceNetwork } = {},
  ): lambda.Function {
    const s = this.service;
    const sf = new ServiceFunction(this, id, {
      code: this.code.lambda(s.name, this.lambdaEntries()),
      handler: `${entry}.handler`,
      runtime: lambdaRuntime(this.model.nodeMajor),
      memorySize: options.memorySize ?? s.sizing.memory_mb,
      timeout: options.timeout ?? Duration.seconds(s.sizing.timeout_seconds),
      description: options.description ?? `${s.name} (${s.kind}): ${entry}`,
      ...(options.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: options.reservedConcurrentExecutions } : {}),
      ...(options.vpc !== undefined ? { vpc: options.vpc.vpc } : {}),
    });
    if (options.vpc !== undefined) this.connectables.push(sf.function);
    this.configure(sf.function);
    this.functions.push(sf.function);
    return sf.function;
  }

  private entries = new Set<string>();

  /** Declare the Lambda entries the service's handler uses (before the first `fn`). */
  useEntries(...entries: readonly string[]): void {
    for (const e of entries) this.entries.add(e);
  }

  lambdaEntries(): readonly string[] {
    return [...this.entries].sort();
  }

  /** A DynamoDB table named as the service code names it: `<TABLE_PREFIX>-<suffix>`. */
  table(suffix: string, options: { ttl?: boolean; stream?: boolean } = {}): ServiceTable {
    return new ServiceTable(this, `${suffix}-table`, {
      tableName: `${tablePrefix(this.model, this.service)}-${kebab(suffix)}`,
      ...(options.ttl ? { timeToLiveAttribute: 'expiresAt' } : {}),
    });
  }

  /** Let `grantee` publish the service's events, to its own topic (or its part of the bus) and nowhere else. */
  grantPublish(grantee: iam.IGrantable): void {
    if (this.publishes.length === 0) return;
    this.shared.topicOf(this.service.name).grantPublish(grantee);
  }

  /**
   * A queue (with DLQ and alarm) receiving the events `consumes` names, from their publishers' topics, filtered to
   * those event types.
   */
  subscriptionQueue(
    id: string,
    consumes: readonly { event: string; from?: string }[],
    options: { timeout: Duration; maxReceiveCount?: number; /** consumer.visibility_timeout_seconds; else 6 × timeout */ visibilityTimeout?: Duration },
  ): QueueWithDlq {
    const queue = new QueueWithDlq(this, id, {
      consumerTimeout: options.timeout,
      ...(options.visibilityTimeout !== undefined ? { queueProps: { visibilityTimeout: options.visibilityTimeout } } : {}),
      alarmTopic: this.shared.alarmTopic.topic,
      ...(options.maxReceiveCount !== undefined ? { maxReceiveCount: options.maxReceiveCount } : {}),
    });
    const byTopic = new Map<EventTopic, Set<string>>();
    for (const c of consumes) {
      for (const publisher of this.shared.publishersOf(c.event, c.from)) {
        const topic = this.shared.topicOf(publisher);
        const set = byTopic.get(topic) ?? new Set<string>();
        set.add(c.event);
        byTopic.set(topic, set);
      }
    }
    let i = 0;
    for (const [topic, events] of byTopic) topic.subscribeQueue(`${id}-sub-${i++}`, queue.queue, [...events].sort());
    this.deadLetterQueues.push(queue.deadLetterQueue);
    return queue;
  }

  /** Alarms on everything of the service that can fail, and its row on the architecture's dashboard. */
  finish(): void {
    new ServiceAlarms(this, 'Alarms', {
      prefix: this.namePrefix,
      alarmTopic: this.shared.alarmTopic,
      functions: this.functions,
      ...(this.httpApi !== undefined ? { httpApi: this.httpApi } : {}),
    });
  }

  /** The service's TABLE_PREFIX. */
  get tablePrefix(): string {
    return tablePrefix(this.model, this.service);
  }

  /** The prefix of this service's physical names. */
  get namePrefix(): string {
    return `${prefix(this.model)}-${this.service.name}`;
  }
}
