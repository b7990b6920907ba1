// @if clients
import type { ServiceClient } from '../adapters/service-client';

// @end
/** What a step or compensation gets: the saga's id and input, the results of the steps before it, a deadline signal. */
export interface StepContext {
  /** The saga's id: the idempotency key of what the step does (it may run again). */
  readonly sagaId: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly results: Readonly<Record<string, unknown>>;
  /** Aborted when the saga's deadline passes. */
  readonly signal: AbortSignal;
}

/**
 * Port: one handler per step and per compensation of __Saga__; a step's result is kept in the saga state. A handler
 * may run more than once for one saga (a saga resumed after its process died runs the interrupted step or
 * compensation again; a retried call repeats itself): make it idempotent, keyed by `ctx.sagaId`, as the default
 * handlers are (their calls carry the idempotency key `<sagaId>:<step>`).
 */
export interface StepHandlers {
  __handler__(ctx: StepContext): Promise<unknown>; // @each steps
  __compHandler__(ctx: StepContext): Promise<unknown>; // @each compensations
}

/** The clients of the services this one depends on. */
// @if clients
export interface ServiceClients {
  readonly __client__: ServiceClient; // @each clients
}
// @end
// @slot noClients
// @end

/**
 * The default handlers: a step calls the service it names (__firstStep__ → __firstStepService__) with the saga id as
 * idempotency key, its compensation calls the same service; a step naming no service runs here.
 */
export function createStepHandlers(/*=clientsParam*/ clients: ServiceClients): StepHandlers {
  return {
    // @slot handlers
    __handler__: (ctx) => clients.__client__.post('/__stepPath__', { sagaId: ctx.sagaId, ...ctx.input }, `${ctx.sagaId}:__stepPath__`),
    // undoes __step__: runs here.
    __compHandler__: () => Promise.resolve({}),
    // @end
  };
}
