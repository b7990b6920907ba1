import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import {
  DEFAULT_ATTEMPT_DEADLINE_SECONDS,
  DEFAULT_SCHEDULER_TIME_ZONE,
  MAX_ATTEMPT_DEADLINE_SECONDS,
  MAX_SCHEDULER_RETRY_COUNT,
  MIN_ATTEMPT_DEADLINE_SECONDS,
  SCHEDULER_JOB_NAME_PATTERN,
  defaultSchedulerRetry,
  fiveFieldCron,
  checkWholeNumber,
  isLiteral,
  schedulerRetryConfig,
  seconds,
} from '../core/gcp-pubsub-defaults';
import { serviceAccountMember } from '../core/gcp-run-defaults';

/** How a failed run is retried. */
export interface SchedulerRetryOptions {
  /**
   * Retries of a failed run (0 to 5).
   * @default 2
   */
  readonly retryCount?: number;
  /**
   * Shortest wait before a retry, in seconds.
   * @default 10
   */
  readonly minBackoffSeconds?: number;
  /**
   * Longest wait before a retry, in seconds.
   * @default 300
   */
  readonly maxBackoffSeconds?: number;
  /**
   * Times the wait doubles before it grows linearly.
   * @default 3
   */
  readonly maxDoublings?: number;
  /**
   * How long retries of one run go on, in seconds (0: limited by `retryCount` only).
   * @default 3600
   */
  readonly maxRetryDurationSeconds?: number;
}

export interface CloudScheduledJobProps {
  /** The job's name: 1 to 500 of letters, digits, `-` and `_`. */
  readonly name: string;
  /** Five-field cron expression (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  readonly schedule: string;
  /** The URL of the Cloud Run service called (e.g. `CloudRunService.service.uri`); also the token's audience. */
  readonly serviceUrl: string;
  /**
   * The path called on the service.
   * @default '/'
   */
  readonly path?: string;
  /** The service account whose OIDC token the job sends; grant it `roles/run.invoker` on the service. */
  readonly serviceAccountEmail: string;
  /**
   * The OIDC token's audience.
   * @default - `serviceUrl` (what Cloud Run expects)
   */
  readonly audience?: string;
  /**
   * HTTP method.
   * @default 'POST'
   */
  readonly httpMethod?: 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * JSON request body (sent with `Content-Type: application/json`).
   * @default - no body
   */
  readonly body?: string;
  /**
   * IANA time zone the schedule is read in.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * How a failed run is retried.
   * @default - 2 retries, 10 s to 300 s backoff, at most 1 hour
   */
  readonly retry?: SchedulerRetryOptions;
  /**
   * How long one attempt may take before it counts as failed, in seconds (15 to 1800).
   * @default 300
   */
  readonly attemptDeadlineSeconds?: number;
  /**
   * The region of the job.
   * @default - the provider's region
   */
  readonly region?: string;
  /**
   * The project of the job.
   * @default - the provider's project
   */
  readonly project?: string;
  /**
   * What the job does, shown in the console.
   * @default - none
   */
  readonly description?: string;
}

/**
 * A Cloud Scheduler job calling a Cloud Run service over HTTPS on a five-field cron schedule in a time zone,
 * authenticated with an OIDC token of a named service account (audience: the service URL), with a bounded retry
 * policy and an attempt deadline. It grants nothing: the caller gives the service account `roles/run.invoker`
 * on the one service it calls.
 */
export class CloudScheduledJob extends Construct {
  readonly job: CloudSchedulerJob;

  constructor(scope: Construct, id: string, props: CloudScheduledJobProps) {
    super(scope, id);
    const problems: string[] = [];
    if (isLiteral(props.name) && !SCHEDULER_JOB_NAME_PATTERN.test(props.name)) {
      problems.push(`job name '${props.name}' must be 1 to 500 of letters, digits, '-' and '_'`);
    }
    let schedule = props.schedule;
    try {
      schedule = fiveFieldCron(props.schedule);
    } catch (e) {
      problems.push((e as Error).message);
    }
    const path = props.path ?? '/';
    if (!path.startsWith('/') || /\s/.test(path)) problems.push(`path must start with '/' and contain no spaces, got '${path}'`);
    if (isLiteral(props.serviceUrl) && !/^https:\/\/[^\s/]+$/.test(props.serviceUrl.replace(/\/$/, ''))) {
      problems.push(`serviceUrl must be an https:// service URL without a path, got '${props.serviceUrl}'`);
    }
    try {
      serviceAccountMember(props.serviceAccountEmail);
    } catch (e) {
      problems.push((e as Error).message);
    }
    const defaults = defaultSchedulerRetry();
    const retry = {
      retryCount: props.retry?.retryCount ?? defaults.retryCount,
      minBackoffSeconds: props.retry?.minBackoffSeconds ?? defaults.minBackoffSeconds,
      maxBackoffSeconds: props.retry?.maxBackoffSeconds ?? defaults.maxBackoffSeconds,
      maxDoublings: props.retry?.maxDoublings ?? defaults.maxDoublings,
      maxRetryDurationSeconds: props.retry?.maxRetryDurationSeconds ?? defaults.maxRetryDurationSeconds,
    };
    checkWholeNumber('retry.retryCount', retry.retryCount, 0, MAX_SCHEDULER_RETRY_COUNT, problems);
    checkWholeNumber('retry.minBackoffSeconds', retry.minBackoffSeconds, 0, 3600, problems);
    checkWholeNumber('retry.maxBackoffSeconds', retry.maxBackoffSeconds, 0, 3600, problems);
    if (retry.minBackoffSeconds > retry.maxBackoffSeconds) {
      problems.push(`retry.minBackoffSeconds (${retry.minBackoffSeconds}) must not exceed retry.maxBackoffSeconds (${retry.maxBackoffSeconds})`);
    }
    checkWholeNumber('retry.maxDoublings', retry.maxDoublings, 0, 16, problems);
    checkWholeNumber('retry.maxRetryDurationSeconds', retry.maxRetryDurationSeconds, 0, 315360000, problems);
    const attemptDeadline = props.attemptDeadlineSeconds ?? DEFAULT_ATTEMPT_DEADLINE_SECONDS;
    checkWholeNumber('attemptDeadlineSeconds', attemptDeadline, MIN_ATTEMPT_DEADLINE_SECONDS, MAX_ATTEMPT_DEADLINE_SECONDS, problems);
    if (problems.length > 0) throw new Error(problems.join('; '));

    const base = isLiteral(props.serviceUrl) ? props.serviceUrl.replace(/\/$/, '') : props.serviceUrl;
    const body = props.body === undefined ? undefined : isLiteral(props.body) ? Buffer.from(props.body, 'utf8').toString('base64') : Fn.base64encode(props.body);
    this.job = new CloudSchedulerJob(this, 'Job', {
      name: props.name,
      schedule,
      timeZone: props.timeZone ?? DEFAULT_SCHEDULER_TIME_ZONE,
      attemptDeadline: seconds(attemptDeadline),
      retryConfig: schedulerRetryConfig(retry),
      httpTarget: {
        uri: `${base}${path}`,
        httpMethod: props.httpMethod ?? 'POST',
        oidcToken: { serviceAccountEmail: props.serviceAccountEmail, audience: props.audience ?? base },
        ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}),
      },
      ...(props.region !== undefined ? { region: props.region } : {}),
      ...(props.project !== undefined ? { project: props.project } : {}),
      ...(props.description !== undefined ? { description: props.description } : {}),
    });
  }
}
