/**
 * The saga contract both clouds share: a saga's steps with the compensations that undo them, and the payload the
 * service's step handler receives for one step or compensation (Step Functions invokes the Lambda entry with it;
 * Workflows POSTs it to `<url>/steps`). One definition, so the generated step handler has one shape to accept.
 */

/**
 * The path of the service's endpoint that runs one step or compensation (`POST <base>/steps`, the payload below as
 * JSON body, the step's result as JSON response): what Cloud Workflows calls on Cloud Run, and Step Functions on a
 * container service's HTTP API.
 */
export const SAGA_STEPS_PATH = '/steps';

/** One step of a saga and the compensation that undoes it. */
export interface SagaStep {
  /** The step's name: the key of its result under `results`. */
  readonly name: string;
  /**
   * The compensation that undoes this step when a later step fails (sent as `step` with `action: 'compensate'`).
   * @default - the step is not undone
   */
  readonly compensation?: string;
}

/** What the service's step handler receives, for a step or a compensation. */
export interface SagaPayload {
  readonly saga: string;
  /** The step's or the compensation's name. */
  readonly step: string;
  readonly action: 'execute' | 'compensate';
  /** The execution's name (id). */
  readonly sagaId: string;
  /** The execution's input. */
  readonly input: unknown;
  /** The results of the steps completed so far, by step name. */
  readonly results: Record<string, unknown>;
}

/**
 * The file's `saga.steps` and `saga.compensation` paired by index (compensation[i] undoes steps[i]); an empty or
 * missing entry means that step is not undone. More compensations than steps is refused.
 */
export function sagaSteps(steps: readonly string[], compensation: readonly (string | null | undefined)[] = []): SagaStep[] {
  if (compensation.length > steps.length) {
    throw new Error(`SagaStateMachine: ${compensation.length} compensations for ${steps.length} steps; compensation[i] undoes steps[i]`);
  }
  return steps.map((name, i) => {
    const undo = compensation[i];
    return undo === undefined || undo === null || undo === '' ? { name } : { name, compensation: undo };
  });
}
