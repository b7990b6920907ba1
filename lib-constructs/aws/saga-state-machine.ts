import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeFunctionVersions, acknowledgeStateMachineDelivery } from '../core/nag';
import {
  DEFAULT_SAGA_LOG_RETENTION,
  DEFAULT_SAGA_TIMEOUT,
  SAGA_HTTP_RETRY_ERRORS,
  SAGA_RETRY_ERRORS,
  type SagaRetry,
  defaultCompensationRetry,
  defaultStepRetry,
} from '../core/saga-defaults';

import { SAGA_STEPS_PATH, type SagaPayload, type SagaStep } from '../core/saga';

export type { SagaRetry } from '../core/saga-defaults';

/** The step and payload types, shared with the GCP saga (lib-constructs/core/saga.ts). */
export type { SagaStep } from '../core/saga';
/** What the handler is invoked with, for a step or a compensation. */
export type SagaTaskPayload = SagaPayload;

export interface SagaStateMachineProps {
  /** The saga's name (letters and digits); the failure state is `<sagaName>Failed`. */
  readonly sagaName: string;
  /** The steps, in the order they run. */
  readonly steps: readonly SagaStep[];
  /**
   * The one function that runs every step and compensation (see `SagaTaskPayload`); it returns the step's result.
   * Give exactly one of `handler` and `stepsEndpoint`.
   * @default - none: the steps run behind `stepsEndpoint`
   */
  readonly handler?: lambda.IFunction;
  /**
   * The service's HTTP API, for a service that is not a function (a container behind a load balancer): every step and
   * compensation is `POST <path>` on its `$default` stage with the `SagaTaskPayload` as JSON body, SigV4-signed by the
   * state machine's role (the route must use IAM authorization); the JSON response body is the step's result.
   * Give exactly one of `handler` and `stepsEndpoint`.
   * @default - none: the steps run in `handler`
   */
  readonly stepsEndpoint?: SagaStepsEndpoint;
  /**
   * The saga's deadline: an execution still running after it ends TIMED_OUT (not compensated; see `timedOutAlarm`).
   * @default DEFAULT_SAGA_TIMEOUT (5 minutes)
   */
  readonly timeout?: Duration;
  /**
   * Retry of every step on Lambda service errors and failed invocations, or on any failed call of the steps endpoint
   * (never on `States.Timeout`).
   * @default defaultStepRetry(): 3 retries, 1 s, backoff 2
   */
  readonly retry?: SagaRetry;
  /**
   * Retry of every compensation, on the same errors.
   * @default defaultCompensationRetry(): 6 retries, 2 s, backoff 2
   */
  readonly compensationRetry?: SagaRetry;
  /**
   * How long the execution log is kept.
   * @default DEFAULT_SAGA_LOG_RETENTION (one year)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Whether the execution log holds the input and output of each state. Off, because saga inputs and step results
   * often carry personal data; the execution history in Step Functions still has them.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * Where the alarm on timed-out executions notifies.
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Where a saga's steps run when they are not a function: a route of the service's HTTP API. */
export interface SagaStepsEndpoint {
  /** The API; it must be in the same stack as the state machine or a stack it depends on. */
  readonly api: apigwv2.IHttpApi;
  /**
   * The route's path (a `POST` route with IAM authorization).
   * @default SAGA_STEPS_PATH ('/steps')
   */
  readonly path?: string;
}

/**
 * The steps of an architecture file's saga: `steps[i]` undone by `compensation[i]`; an empty or missing entry (or a
 * shorter list) leaves a step without compensation. A compensation list longer than the steps is refused.
 */
export { sagaSteps } from '../core/saga';

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The state that turns the execution input into `{ input, results: {} }`. */
export const SAGA_START_STATE = 'StartSaga';
/** The stage every step call goes to: the HTTP API's auto-deployed default stage. */
const STEPS_STAGE = '$default';
/** The name of the state that keeps only the response body of step `step` called over HTTP (no step name has a space). */
export function stepResultState(step: string): string {
  return `${step} result`;
}
/** The state a failed compensation ends in: the saga is half undone and needs someone to repair it. */
export const COMPENSATION_FAILED_STATE = 'CompensationFailed';

/**
 * A saga as a STANDARD Step Functions state machine. The steps run in order, each result kept under
 * `$.results.<step>`; when a step fails after its retries, the compensations of the steps before it run in reverse
 * order (the failed step is not compensated), then the execution fails with `<sagaName>Failed` and the step's error
 * as cause. A compensation is retried longer, and one that still fails ends in `CompensationFailed`. Every task
 * invokes the one handler (the state machine's role may invoke it and nothing else), or POSTs to the service's steps
 * route (the role may invoke that one method and path of that one API, signed with SigV4; a Pass state after each
 * step keeps the response body as the step's result, so the results have the same shape either way). Logs at level
 * ALL (without execution data unless asked) to a log group with retention, X-Ray tracing on, an alarm on executions
 * that time out.
 */
export class SagaStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** Fires when an execution ran past the saga's deadline: its completed steps were not compensated. */
  readonly timedOutAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SagaStateMachineProps) {
    super(scope, id);
    const timeout = props.timeout ?? DEFAULT_SAGA_TIMEOUT;
    const retry = props.retry ?? defaultStepRetry();
    const compensationRetry = props.compensationRetry ?? defaultCompensationRetry();
    validate(props, timeout, retry, compensationRetry);

    const failedState = `${props.sagaName}Failed`;
    const states = new Construct(this, 'States');
    const payload = (name: string, action: SagaTaskPayload['action']): sfn.TaskInput =>
      sfn.TaskInput.fromObject({
        saga: props.sagaName,
        step: name,
        action,
        sagaId: sfn.JsonPath.stringAt('$$.Execution.Name'),
        input: sfn.JsonPath.objectAt('$.input'),
        results: sfn.JsonPath.objectAt('$.results'),
      });
    const endpoint = props.stepsEndpoint;
    /** One step or compensation: its task and the state after which its result is in place (the same, or a Pass). */
    const invoke = (name: string, action: SagaTaskPayload['action'], resultPath: string, r: SagaRetry): { task: sfn.TaskStateBase; last: sfn.INextable & sfn.IChainable } => {
      let task: sfn.TaskStateBase;
      let last: sfn.INextable & sfn.IChainable;
      if (endpoint === undefined) {
        task = new tasks.LambdaInvoke(states, name, {
          lambdaFunction: props.handler!,
          payload: payload(name, action),
          payloadResponseOnly: true,
          retryOnServiceExceptions: false,
          resultPath,
        });
        last = task;
      } else {
        const keep = resultPath !== sfn.JsonPath.DISCARD;
        task = new tasks.CallApiGatewayHttpApiEndpoint(states, name, {
          apiId: endpoint.api.apiId,
          apiStack: Stack.of(endpoint.api),
          stageName: STEPS_STAGE,
          method: tasks.HttpMethod.POST,
          apiPath: endpoint.path ?? SAGA_STEPS_PATH,
          authType: tasks.AuthType.IAM_ROLE,
          requestBody: payload(name, action),
          // Only the body: the response's headers and status stay out of the execution's data.
          ...(keep ? { resultSelector: { 'body.$': '$.ResponseBody' } } : {}),
          resultPath,
        });
        last = task;
        if (keep) {
          // $.results.<step> = { body } → the body itself, as a function's result would be.
          const unwrap = new sfn.Pass(states, stepResultState(name), { inputPath: `${resultPath}.body`, resultPath });
          task.next(unwrap);
          last = unwrap;
        }
      }
      task.addRetry({ errors: [...(endpoint === undefined ? SAGA_RETRY_ERRORS : SAGA_HTTP_RETRY_ERRORS)], maxAttempts: r.maxAttempts, interval: r.interval, backoffRate: r.backoffRate, ...(r.maxDelay ? { maxDelay: r.maxDelay } : {}) });
      return { task, last };
    };

    // Compensation chain, shared by every failure: undo(i-1) → undo(i-2) → … → undo(0) → <Saga>Failed. A failure at
    // step i enters it at the first compensation of a step before i.
    const sagaFailed = new sfn.Fail(states, failedState, { error: failedState, causePath: '$.error.Cause' });
    const compensationFailed = new sfn.Fail(states, COMPENSATION_FAILED_STATE, {
      error: COMPENSATION_FAILED_STATE,
      causePath: '$.compensationError.Cause',
    });
    const entry: sfn.IChainable[] = [];
    let next: sfn.IChainable = sagaFailed;
    props.steps.forEach((step, i) => {
      entry[i] = next;
      if (step.compensation !== undefined && i < props.steps.length - 1) {
        const undo = invoke(step.compensation, 'compensate', sfn.JsonPath.DISCARD, compensationRetry);
        undo.task.addCatch(compensationFailed, { errors: ['States.ALL'], resultPath: '$.compensationError' });
        undo.last.next(next);
        next = undo.task;
      }
    });

    let chain: sfn.Chain = sfn.Chain.start(
      new sfn.Pass(states, SAGA_START_STATE, { parameters: { input: sfn.JsonPath.objectAt('$'), results: {} } }),
    );
    props.steps.forEach((step, i) => {
      const run = invoke(step.name, 'execute', `$.results.${step.name}`, retry);
      run.task.addCatch(entry[i] ?? sagaFailed, { errors: ['States.ALL'], resultPath: '$.error' });
      chain = chain.next(run.task === run.last ? run.task : sfn.Chain.custom(run.task, [run.last], run.last));
    });
    chain = chain.next(new sfn.Succeed(states, `${props.sagaName}Succeeded`, { outputPath: '$.results' }));

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy per group.
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention: props.logRetention ?? DEFAULT_SAGA_LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      comment: `The ${props.sagaName} saga: steps in order, compensations in reverse order on failure.`,
      timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: props.includeExecutionData ?? false },
    });

    this.timedOutAlarm = new cloudwatch.Alarm(this, 'TimedOutAlarm', {
      alarmDescription: `A ${props.sagaName} ran past its deadline without being compensated: its completed steps need repair.`,
      metric: this.metricTimedOut({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.timedOutAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));

    if (props.handler) acknowledgeFunctionVersions(this.stateMachine.role, props.handler, 'The state machine role');
    acknowledgeStateMachineDelivery(
      this.stateMachine.role,
      props.handler ? undefined : `names the one route it calls (execute-api:Invoke on POST ${props.stepsEndpoint?.path ?? SAGA_STEPS_PATH} of the service's API)`,
    );
  }

  /** Lets `grantee` start executions of this saga (states:StartExecution on this state machine). */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Executions that failed: compensated (`<sagaName>Failed`) or not (`CompensationFailed`). */
  metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Executions that ran past the saga's deadline. */
  metricTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut(props);
  }
}

function validate(props: SagaStateMachineProps, timeout: Duration, retry: SagaRetry, compensationRetry: SagaRetry): void {
  const problems: string[] = [];
  if ((props.handler === undefined) === (props.stepsEndpoint === undefined)) problems.push('give exactly one of handler and stepsEndpoint');
  const path = props.stepsEndpoint?.path;
  if (path !== undefined && !/^\/[A-Za-z0-9._~/-]*$/.test(path)) problems.push(`stepsEndpoint.path must be a literal path starting with "/", got '${path}'`);
  if (!NAME.test(props.sagaName)) problems.push(`sagaName must be letters, digits or _ (starting with a letter, at most 64), got '${props.sagaName}'`);
  if (props.steps.length === 0) problems.push('a saga needs at least one step');
  const reserved = new Set([SAGA_START_STATE, COMPENSATION_FAILED_STATE, `${props.sagaName}Failed`, `${props.sagaName}Succeeded`]);
  const seen = new Set<string>();
  for (const name of props.steps.flatMap((s) => (s.compensation === undefined ? [s.name] : [s.name, s.compensation]))) {
    if (!NAME.test(name)) problems.push(`step and compensation names must be letters, digits or _ (starting with a letter, at most 64), got '${name}'`);
    if (reserved.has(name)) problems.push(`'${name}' is the name of a state the saga adds itself`);
    if (seen.has(name)) problems.push(`step and compensation names must be unique: '${name}' is used twice`);
    seen.add(name);
  }
  const seconds = timeout.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 31_536_000) problems.push(`timeout must be whole seconds from 1 s to one year, got ${seconds} s`);
  for (const [what, r] of [['retry', retry], ['compensationRetry', compensationRetry]] as const) {
    if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 0 || r.maxAttempts > 99_999_999) problems.push(`${what}.maxAttempts must be a whole number from 0 to 99999999, got ${r.maxAttempts}`);
    const interval = r.interval.toSeconds({ integral: false });
    if (!Number.isInteger(interval) || interval < 1) problems.push(`${what}.interval must be whole seconds, at least 1, got ${interval} s`);
    if (!(r.backoffRate >= 1)) problems.push(`${what}.backoffRate must be at least 1, got ${r.backoffRate}`);
    const maxDelay = r.maxDelay?.toSeconds({ integral: false });
    if (maxDelay !== undefined && (!Number.isInteger(maxDelay) || maxDelay < interval || maxDelay > 31_622_400)) problems.push(`${what}.maxDelay must be whole seconds from the interval to 31622400, got ${maxDelay} s`);
  }
  if (problems.length > 0) throw new Error(`SagaStateMachine: ${problems.join('; ')}`);
}
