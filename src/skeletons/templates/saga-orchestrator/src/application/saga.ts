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
}

/**
 * Runs the steps of __Saga__ in order, saving the state after each. When a step fails or the deadline passes, it runs
 * the compensations of the completed steps in reverse order (a step without one is skipped); a compensation that
 * fails leaves the saga `failed`, for someone to look at. With `executions` (Step Functions, Workflows), it saves the saga as
 * `running` and starts its execution there instead.
 */
export class __Saga__Orchestrator {
  constructor(
    private readonly steps: readonly SagaStep[],
    private readonly sagas: Repository<SagaState>,
    private readonly events: EventSink,
    private readonly logger: Logger,
    private readonly options: OrchestratorOptions,
  ) {}

  async start(input: __Saga__Input): Promise<SagaState> {
    const started = this.now();
    const deadline = started + this.options.timeoutMs;
    const state: SagaState = {
      id: randomUUID(),
      status: 'running',
      input: { ...input },
      results: {},
      completed: [],
      compensated: [],
      startedAt: new Date(started).toISOString(),
      deadline: new Date(deadline).toISOString(),
      updatedAt: new Date(started).toISOString(),
    };
    await this.save(state);
    if (this.options.executions) return this.handOver(state, this.options.executions);
    try {
      for (const step of this.steps) {
        state.results[step.name] = await this.beforeDeadline(deadline, (signal) => step.run(this.context(state, signal)));
        state.completed.push(step.name);
        await this.save(state);
      }
    } catch (err) {
      state.error = err instanceof Error ? err.message : String(err);
      this.logger.warn({ sagaId: state.id, error: state.error }, 'saga step failed: compensating');
      await this.compensate(state);
      // @if failureEvents
      await this.events.emit([
        newEvent('__event__', this.options.source, { sagaId: state.id, input: state.input, error: state.error, status: state.status }), // @each failureEvents
      ]);
      // @end
      return state;
    }
    state.status = 'completed';
    await this.save(state);
    // @if successEvents
    await this.events.emit([
      newEvent('__event__', this.options.source, { sagaId: state.id, input: state.input, results: state.results }), // @each successEvents
    ]);
    // @end
    return state;
  }

  /** Starts the saga's execution elsewhere; it stays `running` here. A refused start leaves it `failed`, and rethrows. */
  private async handOver(state: SagaState, executions: SagaExecutions): Promise<SagaState> {
    try {
      await executions.start(state.id, state.input);
    } catch (err) {
      state.status = 'failed';
      state.error = err instanceof Error ? err.message : String(err);
      await this.save(state);
      throw err;
    }
    return state;
  }

  async get(id: string): Promise<SagaState> {
    const state = await this.sagas.get(id);
    if (!state) throw new HttpError(404, 'saga not found');
    return state;
  }

  private async compensate(state: SagaState): Promise<void> {
    state.status = 'compensating';
    await this.save(state);
    const completed = new Set(state.completed);
    for (const step of [...this.steps].reverse()) {
      if (!step.compensation || !completed.has(step.name)) continue;
      try {
        await step.compensation.run(this.context(state, new AbortController().signal));
        state.compensated.push(step.compensation.name);
      } catch (err) {
        this.logger.error({ err, sagaId: state.id, compensation: step.compensation.name }, 'compensation failed');
        state.status = 'failed';
      }
    }
    if (state.status === 'compensating') state.status = 'compensated';
    await this.save(state);
  }

  /** Runs `run`, rejecting with SagaTimeoutError (and aborting its signal) when the deadline passes first. */
  private async beforeDeadline<T>(deadline: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const remaining = deadline - this.now();
    if (remaining <= 0) throw new SagaTimeoutError(this.options.timeoutMs);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new SagaTimeoutError(this.options.timeoutMs));
        controller.abort();
      }, remaining);
    });
    try {
      return await Promise.race([run(controller.signal), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private context(state: SagaState, signal: AbortSignal): StepContext {
    return { sagaId: state.id, input: state.input, results: { ...state.results }, signal };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async save(state: SagaState): Promise<void> {
    state.updatedAt = new Date(this.now()).toISOString();
    await this.sagas.put(state);
  }
}
