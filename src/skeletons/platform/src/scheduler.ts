/**
 * A cron scheduler inside the service's own process, for platforms whose scheduler cannot express cron (Fly.io
 * Machine schedules are hourly, daily, weekly or monthly). On AWS and GCP, EventBridge Scheduler and Cloud Scheduler
 * fire the job instead, and this is not started.
 *
 * - **When**: the cron expression (five fields, or a macro such as `@daily`) read by cron-parser in the IANA time
 *   zone, so daylight saving time is honoured as cron(8) honours it: a time skipped when clocks go forward runs
 *   when the clocks have moved (02:30 becomes 03:30), a time repeated when they go back runs once, and intervals
 *   (`*\/30 * * * *`) keep their pace in real time.
 * - **Overlap**: `run` is the job runner, which applies the overlap policy; the scheduler never waits for a run
 *   before it plans the next one, so that a run due while one is in progress reaches the runner (skip, queue or
 *   allow decide).
 * - **Each slot once**: the next slot is always the first after both the current time and the last slot fired, so
 *   a timer that wakes early, a clock set back or a retry never fires a slot twice.
 * - **Catch-up rule**: when the process was paused (a suspended machine, a stopped debugger) or the clock jumped
 *   forward past one or more slots, the latest of the slots missed fires once, late (the others are logged as
 *   missed, never run), as a Kubernetes CronJob does. Slots before the scheduler started are never fired.
 * - **Sleeping**: timers are at most `maxSleepMs` (a minute by default, and never more than setTimeout's 2^31-1 ms),
 *   and the wall clock is read again on every wake, so a change of the clock is noticed within that time.
 * - **Retries**: a run that failed or timed out (or threw) is run again, for the same slot, up to `retryAttempts`
 *   times, after 10 s, 20 s, 40 s... doubling up to 5 minutes (as allframe's Cloud Scheduler jobs back off: from 10 s, at most 5 minutes). A
 *   skipped run is not retried, and neither is a run whose retry would start after the next slot is due: the next
 *   run then takes over, rather than a retry holding the run lock when it comes.
 * - **Stopping**: `stop()` plans nothing more, cancels pending retries and waits for the runs in progress, at most
 *   `stopTimeoutMs`.
 */
import { CronExpressionParser } from 'cron-parser';
import type { Logger } from './logger';

/** How a run ended, as the scheduled service's job runner reports it. */
export type ScheduledRunStatus = 'succeeded' | 'failed' | 'timed-out' | 'skipped';

/** Calls `fn` once after `ms` milliseconds; returns a function that cancels the call. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** The longest delay setTimeout takes (about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link startCronScheduler}. */
export interface CronSchedulerOptions {
  /** A cron expression: five fields (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  readonly cron: string;
  /** The IANA time zone the expression is read in (`Europe/Amsterdam`). @default 'UTC' */
  readonly timeZone?: string;
  /** Runs the job for the slot `at` and says how it ended (a rejection counts as a failure). */
  readonly run: (at: Date) => Promise<{ readonly status: ScheduledRunStatus }>;
  readonly logger: Logger;
  /** Runs of a slot after a failed one (schedule.retry_attempts). @default 0 */
  readonly retryAttempts?: number;
  /** The delay before the first retry; it doubles with each further one. @default 10_000 */
  readonly retryDelayMs?: number;
  /** The longest delay between retries. @default 300_000 */
  readonly maxRetryDelayMs?: number;
  /** The longest sleep between two readings of the clock (capped at {@link MAX_TIMER_MS}). @default 60_000 */
  readonly maxSleepMs?: number;
  /** How long `stop()` waits for the runs in progress. @default 10_000 */
  readonly stopTimeoutMs?: number;
  /** The wall clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** The timer. @default - setTimeout */
  readonly setTimer?: SetTimer;
}

/** A running scheduler. */
export interface CronScheduler {
  /** The next slot planned; undefined once stopped (or when the expression has no further time). */
  next(): Date | undefined;
  /** Plans nothing more, cancels pending retries, then waits for the runs in progress (bounded). Idempotent. */
  stop(): Promise<void>;
}

const setTimeoutTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

/** Throws a RangeError naming `timeZone` unless it is an IANA time zone this runtime knows. */
function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}": expected an IANA name such as Europe/Amsterdam`);
  }
}

/**
 * Fires `run` at every slot of `cron` in `timeZone` until stopped (see the module's comment for the rules). Throws
 * at once on an invalid expression or time zone, so that a misconfigured service fails at start.
 */
export function startCronScheduler(options: CronSchedulerOptions): CronScheduler {
  const { cron, run, logger } = options;
  const timeZone = options.timeZone ?? 'UTC';
  const retryAttempts = options.retryAttempts ?? 0;
  const retryDelayMs = options.retryDelayMs ?? 10_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 300_000;
  const maxSleepMs = Math.min(Math.max(options.maxSleepMs ?? 60_000, 1), MAX_TIMER_MS);
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? setTimeoutTimer;
  checkTimeZone(timeZone);
  const slots = (from: number) => CronExpressionParser.parse(cron, { currentDate: new Date(from), tz: timeZone });
  /** The first slot strictly after `t`. */
  const slotAfter = (t: number): number => slots(t).next().getTime();
  /** The latest slot from `from` to `t` (`from` itself when the expression cannot say). */
  const latestSlot = (from: number, t: number): number => {
    try {
      return Math.max(from, slots(t + 1).prev().getTime());
    } catch {
      return from;
    }
  };
  const iso = (t: number) => new Date(t).toISOString();

  let due: number | undefined = slotAfter(now()); // throws on an invalid expression
  let cancelWake: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  const pendingRetries = new Set<() => void>();
  const inProgress = new Set<Promise<void>>();

  /** Sleeps towards `due`, at most maxSleepMs at a time. */
  const plan = (): void => {
    if (due === undefined || stopping !== undefined) return;
    cancelWake = setTimer(wake, Math.min(Math.max(due - now(), 0), maxSleepMs));
  };

  const wake = (): void => {
    cancelWake = undefined;
    if (due === undefined || stopping !== undefined) return;
    const t = now();
    if (t < due) return plan();
    // the latest slot that has come: `due` itself, unless the process slept through later ones
    const slot = latestSlot(due, t);
    if (slot > due) logger.warn({ cron, timeZone, missedFrom: iso(due), scheduledFor: iso(slot) }, 'scheduler: slots missed while paused; the latest fires once');
    try {
      due = slotAfter(Math.max(t, slot));
    } catch (err) {
      logger.error({ cron, timeZone, err }, 'scheduler: no further time for the expression; nothing more is planned');
      due = undefined;
    }
    fire(slot, 0);
    plan();
  };

  /** Runs the slot, and plans a retry when it failed and may be retried. */
  const fire = (slot: number, attempt: number): void => {
    const scheduledFor = iso(slot);
    const done = (async () => {
      let status: ScheduledRunStatus;
      try {
        status = (await run(new Date(slot))).status;
      } catch (err) {
        logger.error({ scheduledFor, err }, 'scheduler: the run threw');
        status = 'failed';
      }
      if (status !== 'failed' && status !== 'timed-out') return;
      if (stopping !== undefined) return;
      if (attempt >= retryAttempts) {
        if (retryAttempts > 0) logger.error({ scheduledFor, attempts: attempt + 1 }, 'scheduler: run failed; retries exhausted, given up');
        return;
      }
      const delayMs = Math.min(retryDelayMs * 2 ** attempt, maxRetryDelayMs);
      if (due !== undefined && now() + delayMs >= due) {
        logger.warn({ scheduledFor, nextRun: iso(due) }, 'scheduler: run failed; not retried, the next run is due first');
        return;
      }
      logger.warn({ scheduledFor, retry: attempt + 1, of: retryAttempts, delayMs }, 'scheduler: run failed; retrying');
      const cancel = setTimer(() => {
        pendingRetries.delete(cancel);
        if (stopping === undefined) fire(slot, attempt + 1);
      }, delayMs);
      pendingRetries.add(cancel);
    })();
    inProgress.add(done);
    void done.finally(() => inProgress.delete(done));
  };

  const stop = async (): Promise<void> => {
    cancelWake?.();
    cancelWake = undefined;
    for (const cancel of pendingRetries) cancel();
    pendingRetries.clear();
    logger.info({ running: inProgress.size }, 'scheduler stopping');
    if (inProgress.size === 0) return;
    let cancelBound = (): void => undefined;
    const bound = new Promise<false>((resolve) => (cancelBound = setTimer(() => resolve(false), stopTimeoutMs)));
    const finished = await Promise.race([Promise.all([...inProgress]).then(() => true as const), bound]);
    cancelBound();
    if (!finished) logger.warn({ running: inProgress.size, waitedMs: stopTimeoutMs }, 'scheduler: stopped with a run still in progress');
  };

  logger.info({ cron, timeZone, next: iso(due) }, 'scheduler started');
  plan();
  return {
    next: () => (due === undefined || stopping !== undefined ? undefined : new Date(due)),
    stop: () => (stopping ??= stop()),
  };
}
