/**
 * Defaults of every Pub/Sub topic and subscription, and every Cloud Scheduler job, allframe builds on GCP, in one
 * place: functions return fresh values; constructs merge defaults, then user values, then what they require.
 */
import { Token } from 'cdktf';
import type { PubsubSubscriptionExpirationPolicy, PubsubSubscriptionRetryPolicy } from '@cdktf/provider-google/lib/pubsub-subscription';
import type { CloudSchedulerJobRetryConfig } from '@cdktf/provider-google/lib/cloud-scheduler-job';
import { CRON_MACROS } from './cron';

/** The role that lets a principal publish to a topic. */
export const PUBSUB_PUBLISHER_ROLE = 'roles/pubsub.publisher';
/** The role that lets a principal pull from (and acknowledge on) a subscription. */
export const PUBSUB_SUBSCRIBER_ROLE = 'roles/pubsub.subscriber';

/** How long a topic keeps messages (7 days), so a subscription can seek back to replay them. */
export const TOPIC_RETENTION_SECONDS = 7 * 24 * 3600;
/** How long a dead-letter topic keeps messages: 31 days, the most Pub/Sub allows. */
export const DEAD_LETTER_TOPIC_RETENTION_SECONDS = 31 * 24 * 3600;
/** How long a subscription keeps unacknowledged messages: 7 days, the most Pub/Sub allows for a subscription. */
export const SUBSCRIPTION_RETENTION_SECONDS = 7 * 24 * 3600;

/** Deliveries of a message before it moves to the dead-letter topic. */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;
/** Pub/Sub's bounds on `max_delivery_attempts`. */
export const MIN_MAX_DELIVERY_ATTEMPTS = 5;
export const MAX_MAX_DELIVERY_ATTEMPTS = 100;
/** Time a subscriber has to acknowledge a message before it is delivered again. */
export const DEFAULT_ACK_DEADLINE_SECONDS = 60;
/** Pub/Sub's bounds on `ack_deadline_seconds`. */
export const MIN_ACK_DEADLINE_SECONDS = 10;
export const MAX_ACK_DEADLINE_SECONDS = 600;
/** Backoff between redeliveries of a nacked (or timed-out) message. */
export const DEFAULT_MINIMUM_BACKOFF_SECONDS = 10;
export const DEFAULT_MAXIMUM_BACKOFF_SECONDS = 600;
/** Pub/Sub's bound on both backoffs. */
export const MAX_BACKOFF_SECONDS = 600;
/** The message attribute carrying the event type, which `eventTypes` filters on. */
export const EVENT_TYPE_ATTRIBUTE = 'type';
/** The longest subscription filter Pub/Sub accepts, in bytes. */
export const MAX_FILTER_BYTES = 256;

/**
 * Topic and subscription names: 3 to 255 of letters, digits and `-_.~+%`, starting with a letter, not starting
 * with `goog`.
 */
export const PUBSUB_NAME_PATTERN = /^(?!goog)[A-Za-z][-A-Za-z0-9_.~+%]{2,254}$/;
/** The suffix of a subscription's dead-letter topic, and of that topic's own subscription. */
export const DEAD_LETTER_TOPIC_SUFFIX = '-dlq';
export const DEAD_LETTER_SUBSCRIPTION_SUFFIX = '-dlq-sub';

/** A GCP project number: digits only. */
export const PROJECT_NUMBER_PATTERN = /^[0-9]{1,20}$/;

/** `<n>s`, the duration form of the Google provider. */
export function seconds(n: number): string {
  return `${n}s`;
}

/** Adds a problem unless `value` is a whole number from `min` to `max` (constructs collect problems, then fail once). */
export function checkWholeNumber(what: string, value: number, min: number, max: number, problems: string[]): void {
  if (!Number.isInteger(value) || value < min || value > max) problems.push(`${what} must be a whole number from ${min} to ${max}, got ${value}`);
}

/** Pub/Sub's service agent of a project, which moves messages to dead-letter topics. */
export function pubsubServiceAgentMember(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;
}

/** Redelivery backoff: exponential from 10 s up to 600 s. */
export function defaultRetryPolicy(): PubsubSubscriptionRetryPolicy {
  return { minimumBackoff: seconds(DEFAULT_MINIMUM_BACKOFF_SECONDS), maximumBackoff: seconds(DEFAULT_MAXIMUM_BACKOFF_SECONDS) };
}

/**
 * Subscriptions never expire. Pub/Sub's default deletes a subscription after 31 days without subscriber activity,
 * which would silently drop a quiet consumer's messages (and a dead-letter subscription is quiet by design).
 */
export function neverExpire(): PubsubSubscriptionExpirationPolicy {
  return { ttl: '' };
}

/**
 * `attributes.type = "A" OR attributes.type = "B"` for event types A and B. Literal types only: a `"` or `\`
 * in a type, or an empty list, is refused.
 */
export function eventTypeFilter(eventTypes: readonly string[]): string {
  if (eventTypes.length === 0) throw new Error('eventTypes must name at least one event type');
  return eventTypes
    .map((t) => {
      if (t === '' || /["\\]/.test(t)) throw new Error(`event type '${t}' must be non-empty and contain no '"' or '\\'`);
      return `attributes.${EVENT_TYPE_ATTRIBUTE} = "${t}"`;
    })
    .join(' OR ');
}

/** Whether a value is a literal (not a token resolved at synth or apply time). */
export function isLiteral(value: string): boolean {
  return !Token.isUnresolved(value);
}

// ---- Cloud Scheduler ------------------------------------------------------------------------------------------

/** The time zone a schedule is read in when none is given. */
export const DEFAULT_SCHEDULER_TIME_ZONE = 'Etc/UTC';
/** Cloud Scheduler's bounds on an HTTP target's attempt deadline. */
export const MIN_ATTEMPT_DEADLINE_SECONDS = 15;
export const MAX_ATTEMPT_DEADLINE_SECONDS = 1800;
/** How long one attempt may take: 300 s, Cloud Run's default request timeout. */
export const DEFAULT_ATTEMPT_DEADLINE_SECONDS = 300;
/** Cloud Scheduler's bound on `retry_count`. */
export const MAX_SCHEDULER_RETRY_COUNT = 5;
/** Cloud Scheduler job names: 1 to 500 of letters, digits, `-` and `_`. */
export const SCHEDULER_JOB_NAME_PATTERN = /^[A-Za-z0-9_-]{1,500}$/;

/** Retry settings of a scheduler job when the props say nothing. */
export interface SchedulerRetryDefaults {
  readonly retryCount: number;
  readonly minBackoffSeconds: number;
  readonly maxBackoffSeconds: number;
  readonly maxDoublings: number;
  readonly maxRetryDurationSeconds: number;
}

/**
 * Two retries of a failed run, backing off from 10 s to 300 s (doubling up to 3 times), for at most an hour
 * (like the AWS `ScheduledJob`'s maximum event age).
 */
export function defaultSchedulerRetry(): SchedulerRetryDefaults {
  return { retryCount: 2, minBackoffSeconds: 10, maxBackoffSeconds: 300, maxDoublings: 3, maxRetryDurationSeconds: 3600 };
}

/** The provider's `retry_config` block for retry settings. */
export function schedulerRetryConfig(r: SchedulerRetryDefaults): CloudSchedulerJobRetryConfig {
  return {
    retryCount: r.retryCount,
    minBackoffDuration: seconds(r.minBackoffSeconds),
    maxBackoffDuration: seconds(r.maxBackoffSeconds),
    maxDoublings: r.maxDoublings,
    maxRetryDuration: seconds(r.maxRetryDurationSeconds),
  };
}

/**
 * A five-field unix-cron expression (minute hour day-of-month month day-of-week), with the @daily-style macros
 * expanded; throws unless there are exactly five fields of cron characters.
 */
export function fiveFieldCron(expression: string): string {
  const expanded = (CRON_MACROS[expression.trim().toLowerCase()] ?? expression).trim();
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 || fields.some((f) => !/^[-0-9A-Za-z*,/]+$/.test(f))) {
    throw new Error(`schedule must be a five-field cron expression (minute hour day-of-month month day-of-week), got '${expression}'`);
  }
  return fields.join(' ');
}
