import { runJob, type JobContext } from './application/job';
import type { Dependencies } from './deps';

/** How a run ended. */
export interface RunResult {
  readonly status: 'succeeded' | 'failed' | 'timed-out' | 'skipped';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly error?: string;
}

/** A job as the runner calls it. */
export type Job = (deps: Dependencies, context: JobContext) => Promise<void>;

/** Options of {@link JobRunner}. */
export interface RunnerOptions {
  /** schedule.timeout_minutes, in milliseconds: the run's signal is aborted and the run fails after this long. */
  readonly timeoutMs: number;
  /** The job; {@link runJob} by default. */
  readonly job?: Job;
}

/** True when the run failed or timed out (the trigger should retry it). */
export function isFailure(result: RunResult): boolean {
  return result.status === 'failed' || result.status === 'timed-out';
}

/** Rejects with `reason` once `signal` is aborted. */
function abortion(signal: AbortSignal, reason: Error): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(reason), { once: true }));
}

/**
 * Runs the job with a timeout, logging start, end and duration.
 * overlap_policy skip: a run due while another one is in progress is skipped (the lock is held for the whole run). The lock is in // @if skip
 * memory, per process: enough where one process receives every run (one Lambda at a time, one Cloud Run instance, // @if skip
 * the one machine firing SCHEDULE_CRON); with several, give RunLock a shared adapter (e.g. a DynamoDB conditional write). // @if skip
 * overlap_policy queue: a run due while another one is in progress waits for it to finish, then runs (in this process). // @if queue
 * overlap_policy allow: runs may overlap; the job must tolerate running twice at once. // @if allow
 */
export class JobRunner {
  private readonly job: Job;
  private tail: Promise<void> = Promise.resolve(); // @if queue

  constructor(
    private readonly deps: Dependencies,
    private readonly options: RunnerOptions,
  ) {
    this.job = options.job ?? runJob;
  }

  /** Runs the job once for the time `at` (now by default); never throws: failures are in the result. */
  run(at: Date = new Date()): Promise<RunResult> {
    return this.runAlone(at); // @if skip
    // @if queue
    const run = this.tail.then(() => this.execute(at));
    this.tail = run.then(() => undefined);
    return run;
    // @end
    return this.execute(at); // @if allow
  }
  // @if skip

  /** The run holds the lock; it is skipped when another run holds it. */
  private async runAlone(at: Date): Promise<RunResult> {
    if (!(await this.deps.lock.tryAcquire())) {
      this.deps.logger.warn({ job: '__service__' }, 'previous run still in progress: run skipped');
      return { status: 'skipped', startedAt: at.toISOString(), durationMs: 0 };
    }
    try {
      return await this.execute(at);
    } finally {
      await this.deps.lock.release();
    }
  }
  // @end

  private async execute(at: Date): Promise<RunResult> {
    const { logger } = this.deps;
    const started = Date.now();
    const controller = new AbortController();
    const timeout = new Error(`timed out after ${this.options.timeoutMs} ms`);
    const timer = setTimeout(() => controller.abort(timeout), this.options.timeoutMs);
    logger.info({ job: '__service__', scheduledFor: at.toISOString() }, 'run started');
    let result: RunResult;
    try {
      const job = Promise.resolve().then(() => this.job(this.deps, { now: at, signal: controller.signal }));
      await Promise.race([job, abortion(controller.signal, timeout)]);
      result = { status: 'succeeded', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started };
    } catch (err) {
      const status = controller.signal.aborted ? 'timed-out' : 'failed';
      result = { status, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
    const line = { job: '__service__', status: result.status, durationMs: result.durationMs };
    if (isFailure(result)) logger.error({ ...line, error: result.error }, 'run failed');
    else logger.info(line, 'run finished');
    return result;
  }
}
