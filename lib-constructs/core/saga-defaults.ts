/** Defaults of every saga state machine allframe builds. */
import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/** How a task is retried: Step Functions' MaxAttempts (retries after the first try), IntervalSeconds, BackoffRate. */
export interface SagaRetry {
  /** Retries after the first attempt (0 to 99999999). */
  readonly maxAttempts: number;
  /** Wait before the first retry (whole seconds, at least 1). */
  readonly interval: Duration;
  /** Multiplier of the wait on each further retry (at least 1). */
  readonly backoffRate: number;
  /**
   * Longest wait between two retries (whole seconds, at least `interval`).
   * @default no bound (Step Functions' own)
   */
  readonly maxDelay?: Duration;
}

/** The deadline of one saga execution. */
export const DEFAULT_SAGA_TIMEOUT = Duration.minutes(5);

/** How long the state machine's execution log is kept. */
export const DEFAULT_SAGA_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/** Retry of a step: 3 retries, 1 s, doubling (1 s, 2 s, 4 s). */
export function defaultStepRetry(): SagaRetry {
  return { maxAttempts: 3, interval: Duration.seconds(1), backoffRate: 2 };
}

/**
 * Retry of a compensation: more persistent than a step (6 retries, 2 s, doubling: about two minutes), since a
 * compensation that gives up leaves the saga half done for someone to repair.
 */
export function defaultCompensationRetry(): SagaRetry {
  return { maxAttempts: 6, interval: Duration.seconds(2), backoffRate: 2 };
}

/**
 * Lambda errors a task is retried on: the service's transient errors and, through `States.TaskFailed`, a failed
 * invocation. `States.Timeout` is not among them: a task that ran out of time is not retried blindly.
 */
export const SAGA_RETRY_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'States.TaskFailed',
];

/**
 * Errors a step called over the service's HTTP API is retried on: `States.TaskFailed`, which matches every error of
 * the call (`ApiGateway.<status>` for a response that is not 2xx, `ApiGateway.<exception>` when there is none), as a
 * failed Lambda invocation is retried. `States.Timeout` is not among them.
 */
export const SAGA_HTTP_RETRY_ERRORS: readonly string[] = ['States.TaskFailed'];
