import { newEvent } from '@allframe/platform'; // @if publishes
import type { Dependencies } from '../deps';

/** What a run gets: the scheduled time and a signal aborted when the run times out (__timeoutMinutes__ min). */
export interface JobContext {
  readonly now: Date;
  readonly signal: AbortSignal;
}

/** What the job may use. */
export type JobDeps = Pick<Dependencies, 'logger' | 'events'>;

/**
 * The job, run on "__cron__" (__timezone__). Check `signal` between steps (`signal.throwIfAborted()`)
 * and pass it to I/O that accepts one; throw to fail the run (it is retried __retryAttempts__ time(s)).
 */
export async function runJob(deps: JobDeps, { now, signal }: JobContext): Promise<void> {
  signal.throwIfAborted();
  deps.logger.info({ scheduledFor: now.toISOString() }, 'job running');
  // @if publishes
  await deps.events.emit([
    newEvent('__event__', '__service__', { runAt: now.toISOString() }), // @each publishes
  ]);
  // @end
  await Promise.resolve(); // the work goes here // @if !publishes
}
