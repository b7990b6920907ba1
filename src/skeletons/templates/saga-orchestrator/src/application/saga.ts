import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import {
  HttpError,
  JsonObjectSchema,
  newEvent, // @if events
} from '@allframe/platform';
import type { EventSink, Logger, Repository } from '@allframe/platform';
import type { StepContext, StepHandlers } from './steps';

export type SagaStatus = 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';

/**
 * What starts a __Saga__ (POST /sagas): any JSON object to start with, which every step gets as `input`. Narrow it
 * here: the route checks requests against this schema (a 422 naming each field otherwise), and the OpenAPI document
 * follows from it.
 */
export const __Saga__InputSchema = JsonObjectSchema.openapi('__Saga__Input');
export type __Saga__Input = z.infer<typeof __Saga__InputSchema>;

/** One run of __Saga__, as kept in the repository. */
export interface SagaState {
  readonly id: string;
  status: SagaStatus;
  readonly input: Record<string, unknown>;
  /** Each completed step's result, by step name. */
  results: Record<string, unknown>;
  /** Completed steps, in order. */
  completed: string[];
  /** Compensations run, in order. */
  compensated: string[];
  error?: string;
  readonly startedAt: string;
  readonly deadline: string;
  updatedAt: string;
  /**
   * Counts the writes: each is conditional on the revision the writer last wrote or read (Repository.putIf), so that
   * a process that lost the saga to another one writes nothing more.
   */
  revision: number;
  /** The process running the saga (see {@link __Saga__Orchestrator}), while it holds its lease. */
  owner?: string;
  /** Until when the owner holds the saga unless it renews the lease; after that another process may take it over. */
  leaseUntil?: string;
}

/** {@link SagaState} as the OpenAPI document describes it. */
export const SagaStateSchema = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'completed', 'compensating', 'compensated', 'failed']),
    input: __Saga__InputSchema,
    results: z.record(z.string(), z.unknown()).openapi({ description: "Each completed step's result, by step name" }),
    completed: z.array(z.string()).openapi({ description: 'Completed steps, in order' }),
    compensated: z.array(z.string()).openapi({ description: 'Compensations run, in order' }),
    error: z.string().optional(),
    startedAt: z.string(),
    deadline: z.string(),
    updatedAt: z.string(),
    revision: z.number().int().openapi({ description: 'Counts the writes of the saga' }),
    owner: z.string().optional().openapi({ description: 'The process running the saga' }),
    leaseUntil: z.string().optional().openapi({ description: 'Until when the owner holds the saga unless it renews its lease' }),
  })
  .openapi('__Saga__State');

/** A step and the compensation that undoes it. */
export interface SagaStep {
  readonly name: string;
  run(ctx: StepContext): Promise<unknown>;
  readonly compensation?: { readonly name: string; run(ctx: StepContext): Promise<unknown> };
}

/** The steps of __Saga__ in order; compensation[i] undoes steps[i]. */
export function __saga__Steps(handlers: StepHandlers): SagaStep[] {
  return [
    { name: '__step__', run: (ctx) => handlers.__handler__(ctx), compensation: { name: '__comp__', run: (ctx) => handlers.__compHandler__(ctx) } }, // @each compensatedSteps
    { name: '__step__', run: (ctx) => handlers.__handler__(ctx) }, // @each uncompensatedSteps
  ];
}

/** The saga ran past its deadline. */
export class SagaTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`saga timed out after ${timeoutMs} ms`);
    this.name = 'SagaTimeoutError';
  }
}

/** Another process took the saga over (this one's lease had expired): this one writes nothing more of it. */
export class SagaTakenOverError extends Error {
  constructor(sagaId: string) {
    super(`saga ${sagaId} was taken over by another process`);
    this.name = 'SagaTakenOverError';
  }
}

/**
 * Port: runs sagas outside this process (on AWS, a Step Functions execution named after the saga id, whose steps
 * the state machine runs through src/entry/step.ts; on Google Cloud, a Workflows execution labelled with it).
 */
export interface SagaExecutions {
  start(sagaId: string, input: Readonly<Record<string, unknown>>): Promise<void>;
}

export interface OrchestratorOptions {
  /** The service name: the source of published events. */
  readonly source: string;
  /** Deadline of the whole saga. */
  readonly timeoutMs: number;
  /** Where sagas run instead of here; undefined: in this process. */
  readonly executions?: SagaExecutions | undefined;
  readonly now?: () => number;
  /**
   * How long this process holds a saga it runs (its lease, SAGA_LEASE_SECONDS); it renews the lease every third of this
   * while the saga runs, and another process takes the saga over only once it has expired.
   */
  readonly leaseMs: number;
  /** This process's name as the owner of the sagas it runs. @default - a random UUID */
  readonly instance?: string;
}

/** What one {@link __Saga__Orchestrator.resumeInterrupted} took over. */
export interface ResumedSagas {
  /** The ids of the sagas taken over. */
  readonly ids: readonly string[];
  /** Their states once each has ended here (or was taken over by another process); never rejects. */
  readonly ended: Promise<SagaState[]>;
}

/**
 * A saga this process runs: its writes one after the other, each conditional on the revision of the one before, each
 * renewing the lease; a timer renews it while a step runs. A write that finds another revision (another process took
 * the saga over) fails with SagaTakenOverError, and so does every later one.
 */
class SagaRun {
  /** Aborted, with a SagaTakenOverError, once a write finds the saga taken over. */
  readonly takenOver = new AbortController();
  private writes: Promise<void> = Promise.resolve();
  private released = false;
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    readonly state: SagaState,
    private readonly sagas: Repository<SagaState>,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /** Writes the state with the lease renewed, after the writes before it. */
  save(): Promise<void> {
    return this.write(false);
  }

  /** Writes the state of the saga that ended here, its lease ending now; no renewal follows. */
  release(): Promise<void> {
    this.released = true;
    return this.write(true);
  }

  /** Renews the lease every third of it until {@link stop}; a renewal that fails is reported to `onError`. */
  renew(onError: (err: unknown) => void): void {
    this.renewal = setInterval(() => {
      if (!this.released) this.save().catch(onError);
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    this.renewal.unref();
  }

  stop(): void {
    clearInterval(this.renewal);
  }

  private write(release: boolean): Promise<void> {
    const write = this.writes.then(async () => {
      if (this.takenOver.signal.aborted) throw new SagaTakenOverError(this.state.id);
      const now = this.now();
      const expected = this.state.revision;
      // a copy: the saga's results and lists may change while the write is in flight (a renewal during a step)
      const next: SagaState = structuredClone({
        ...this.state,
        revision: expected + 1,
        owner: this.owner,
        leaseUntil: new Date(release ? now : now + this.leaseMs).toISOString(),
        updatedAt: new Date(now).toISOString(),
      });
      // revision 0: never written, so created only if no saga has its id
      if (!(await this.sagas.putIf(next, 'revision', expected === 0 ? undefined : expected))) {
        const err = new SagaTakenOverError(this.state.id);
        this.takenOver.abort(err);
        throw err;
      }
      Object.assign(this.state, { revision: next.revision, owner: next.owner, leaseUntil: next.leaseUntil, updatedAt: next.updatedAt });
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}

/**
 * Runs the steps of __Saga__ in order, saving the state after each. When a step fails or the deadline passes, it runs
 * the compensations of the completed steps in reverse order (a step without one is skipped); a compensation that
 * fails leaves the saga `failed`, for someone to look at. With `executions` (Step Functions, Workflows), it saves the saga as
 * `running` and starts its execution there instead.
 *
 * Durable in the repository: the process running a saga holds a lease on it (`owner`, `leaseUntil`), renewed every
 * third of `leaseMs` and with every write, and every write is conditional on the saga's revision. A saga whose process
 * died (killed mid-step, its Machine gone) keeps its status `running` or `compensating` with a lease that runs out;
 * {@link resumeInterrupted} takes such sagas over with one conditional write each (of several processes, one wins a
 * saga), and runs them on: a `running` one from the first step not `completed` (so the step that was interrupted runs
 * again: steps must be idempotent, and the default handlers pass the saga id as idempotency key), or compensates it
 * once past its deadline; a `compensating` one with the compensations not yet run, in reverse order. A process that
 * finds the saga taken over (its lease had expired: it was stalled) stops running it, aborting the step in progress.
 * Events are published before the final state is written, so a process dying between the two publishes them again
 * on resume: at least once.
 */
export class __Saga__Orchestrator {
  private readonly instance: string;
  private readonly leaseMs: number;

  constructor(
    private readonly steps: readonly SagaStep[],
    private readonly sagas: Repository<SagaState>,
    private readonly events: EventSink,
    private readonly logger: Logger,
    private readonly options: OrchestratorOptions,
  ) {
    this.instance = options.instance ?? randomUUID();
    this.leaseMs = options.leaseMs;
  }

  async start(input: __Saga__Input): Promise<SagaState> {
    const started = this.now();
    const state: SagaState = {
      id: randomUUID(),
      status: 'running',
      input: { ...input },
      results: {},
      completed: [],
      compensated: [],
      startedAt: new Date(started).toISOString(),
      deadline: new Date(started + this.options.timeoutMs).toISOString(),
      updatedAt: new Date(started).toISOString(),
      revision: 0,
    };
    if (this.options.executions) return this.handOver(state, this.options.executions);
    const run = this.runOf(state);
    await run.save();
    return this.drive(run);
  }

  /**
   * Takes over the sagas left `running` or `compensating` whose lease has expired (their process died or stalled) and
   * runs them on in this process; resolves once they are taken over, with their ids and a promise of their end. Call it
   * at start-up and every so often, in every process that runs sagas here: of several calling at once, each saga goes to
   * one. With executions (Step Functions, Workflows) the sagas do not run here: none is taken over.
   */
  async resumeInterrupted(): Promise<ResumedSagas> {
    const ids: string[] = [];
    const ended: Promise<SagaState>[] = [];
    if (!this.options.executions) {
      for (const status of ['running', 'compensating'] as const) {
        let cursor: string | undefined;
        do {
          const page = await this.sagas.page({ where: { status }, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
          for (const saga of page.items) {
            const run = await this.takeOver(saga);
            if (!run) continue;
            // runs on at once, so that a look-up failing further on leaves no saga taken and idle
            ids.push(saga.id);
            ended.push(
              this.drive(run).catch((err: unknown) => {
                this.logger.error({ err, sagaId: saga.id }, 'a resumed saga failed');
                return run.state;
              }),
            );
          }
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      }
    }
    return { ids, ended: Promise.all(ended) };
  }

  /** The saga as this process's run, when its lease has expired and this process's conditional write wins it. */
  private async takeOver(saga: SagaState): Promise<SagaRun | undefined> {
    // A saga written before revisions were kept has none: it cannot be written conditionally, so it is left alone.
    if (typeof saga.revision !== 'number' || (saga.leaseUntil !== undefined && Date.parse(saga.leaseUntil) > this.now())) return undefined;
    const previous = { owner: saga.owner, leaseUntil: saga.leaseUntil };
    const run = this.runOf(saga);
    try {
      await run.save();
    } catch (err) {
      if (err instanceof SagaTakenOverError) return undefined;
      throw err;
    }
    this.logger.warn({ sagaId: saga.id, status: saga.status, completed: saga.completed, compensated: saga.compensated, previousOwner: previous.owner, leaseUntil: previous.leaseUntil }, 'resuming an interrupted saga');
    return run;
  }

  /** Starts the saga's execution elsewhere; it stays `running` here. A refused start leaves it `failed`, and rethrows. */
  private async handOver(state: SagaState, executions: SagaExecutions): Promise<SagaState> {
    state.revision = 1;
    await this.sagas.put(state);
    try {
      await executions.start(state.id, state.input);
    } catch (err) {
      state.status = 'failed';
      state.error = err instanceof Error ? err.message : String(err);
      state.revision += 1;
      state.updatedAt = new Date(this.now()).toISOString();
      await this.sagas.put(state);
      throw err;
    }
    return state;
  }

  async get(id: string): Promise<SagaState> {
    const state = await this.sagas.get(id);
    if (!state) throw new HttpError(404, 'saga not found');
    return state;
  }

  private runOf(state: SagaState): SagaRun {
    return new SagaRun(state, this.sagas, this.instance, this.leaseMs, () => this.now());
  }

  /**
   * Runs the saga on from where its state says, to its end: the steps not completed yet while `running`, then the
   * compensations not run yet when `compensating`. Resolves with the final state; when another process took the saga
   * over, with the state that process has written.
   */
  private async drive(run: SagaRun): Promise<SagaState> {
    const { state } = run;
    run.renew((err) => this.logger.warn({ err, sagaId: state.id }, 'renewing the saga lease failed'));
    try {
      if (state.status === 'running') await this.runSteps(run);
      const status = state.status === 'compensating' ? await this.compensate(run) : 'completed';
      // Events first, then the final state: a process dying in between publishes them again on resume.
      // @if successEvents
      if (status === 'completed') {
        await this.events.emit([
          newEvent('__event__', this.options.source, { sagaId: state.id, input: state.input, results: state.results }), // @each successEvents
        ]);
      }
      // @end
      // @if failureEvents
      if (status !== 'completed') {
        await this.events.emit([
          newEvent('__event__', this.options.source, { sagaId: state.id, input: state.input, error: state.error, status }), // @each failureEvents
        ]);
      }
      // @end
      state.status = status;
      await run.release();
      return state;
    } catch (err) {
      if (!(err instanceof SagaTakenOverError)) throw err;
      this.logger.warn({ sagaId: state.id }, 'saga taken over by another process: stopped here');
      return (await this.sagas.get(state.id)) ?? state;
    } finally {
      run.stop();
    }
  }

  /** Runs the steps not completed yet, saving after each; a failure (or the deadline) leaves the saga `compensating`. */
  private async runSteps(run: SagaRun): Promise<void> {
    const { state } = run;
    const deadline = Date.parse(state.deadline);
    try {
      for (const step of this.steps) {
        if (state.completed.includes(step.name)) continue;
        state.results[step.name] = await this.beforeDeadline(deadline, run.takenOver.signal, (signal) => step.run(this.context(state, signal)));
        state.completed.push(step.name);
        await run.save();
      }
    } catch (err) {
      if (err instanceof SagaTakenOverError) throw err;
      state.error = err instanceof Error ? err.message : String(err);
      this.logger.warn({ sagaId: state.id, error: state.error }, 'saga step failed: compensating');
      state.status = 'compensating';
      await run.save();
    }
  }

  /**
   * Runs the compensations of the completed steps not run yet, last step first, saving after each; the status to end
   * in: `failed` when one failed (it is not retried here, but a process resuming the saga before its end runs it again).
   */
  private async compensate(run: SagaRun): Promise<SagaStatus> {
    const { state } = run;
    const completed = new Set(state.completed);
    let failed = false;
    for (const step of [...this.steps].reverse()) {
      const compensation = step.compensation;
      if (!compensation || !completed.has(step.name) || state.compensated.includes(compensation.name)) continue;
      try {
        await compensation.run(this.context(state, new AbortController().signal));
      } catch (err) {
        this.logger.error({ err, sagaId: state.id, compensation: compensation.name }, 'compensation failed');
        failed = true;
        continue;
      }
      state.compensated.push(compensation.name);
      await run.save();
    }
    return failed ? 'failed' : 'compensated';
  }

  /**
   * Runs `run`, rejecting with SagaTimeoutError (and aborting its signal) when the deadline passes first, and with the
   * reason of `takenOver` (and aborting its signal) when a renewal of the lease finds the saga taken over meanwhile.
   */
  private async beforeDeadline<T>(deadline: number, takenOver: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const remaining = deadline - this.now();
    if (remaining <= 0) throw new SagaTimeoutError(this.options.timeoutMs);
    const controller = new AbortController();
    let stop: (err: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    const timer = setTimeout(() => {
      stop(new SagaTimeoutError(this.options.timeoutMs));
      controller.abort();
    }, remaining);
    const onTakenOver = () => {
      stop(takenOver.reason as Error);
      controller.abort();
    };
    takenOver.addEventListener('abort', onTakenOver, { once: true });
    try {
      return await Promise.race([run(controller.signal), stopped]);
    } finally {
      clearTimeout(timer);
      takenOver.removeEventListener('abort', onTakenOver);
    }
  }

  private context(state: SagaState, signal: AbortSignal): StepContext {
    return { sagaId: state.id, input: state.input, results: { ...state.results }, signal };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
