import { z } from '@hono/zod-openapi';
import { JsonObjectSchema } from '@allframe/platform';
import type { StepHandlers } from '../application/steps';

const SAGA = '__Saga__';
/** The steps and the compensations of __Saga__, by the names the state machine or the workflow runs them with. */
const STEPS: Readonly<Record<string, keyof StepHandlers>> = {
  __step__: '__handler__', // @each steps
};
const COMPENSATIONS: Readonly<Record<string, keyof StepHandlers>> = {
  __comp__: '__compHandler__', // @each compensations
};

/**
 * What the state machine (Step Functions, invoking src/entry/step.ts) or the workflow (Cloud Workflows, POSTing to
 * /steps) sends: which step or compensation to run, for which execution, with what so far.
 */
export interface StepEvent {
  readonly saga: string;
  readonly step: string;
  readonly action: 'execute' | 'compensate';
  readonly sagaId: string;
  readonly input: Record<string, unknown>;
  readonly results: Record<string, unknown>;
}

/**
 * {@link StepEvent} as POST /steps takes it (a 422 naming the field otherwise); {@link parseStepEvent} then checks the
 * saga, step and compensation names (a 400).
 */
export const StepEventSchema = z
  .object({
    saga: z.string(),
    step: z.string(),
    action: z.enum(['execute', 'compensate']),
    sagaId: z.string().min(1),
    input: JsonObjectSchema,
    results: JsonObjectSchema,
  })
  .openapi('StepEvent');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The event, checked, and the handler of the steps port it names. */
export interface ParsedStep {
  readonly event: StepEvent;
  readonly run: keyof StepHandlers;
}

/** Checks the event; an unknown saga, action or step name is an error (the execution fails rather than guess). */
export function parseStepEvent(event: unknown): ParsedStep {
  if (!isObject(event)) throw new Error('expected a step event object');
  const { saga, step, action, sagaId, input, results } = event;
  if (saga !== SAGA) throw new Error(`unknown saga ${String(saga)}: this handler runs ${SAGA}`);
  if (action !== 'execute' && action !== 'compensate') throw new Error(`unknown action ${String(action)}`);
  const names = action === 'execute' ? STEPS : COMPENSATIONS;
  const run = typeof step === 'string' && Object.hasOwn(names, step) ? names[step] : undefined;
  if (typeof step !== 'string' || run === undefined) throw new Error(`unknown ${action === 'execute' ? 'step' : 'compensation'} ${String(step)} of ${SAGA}`);
  if (typeof sagaId !== 'string' || sagaId === '') throw new Error('sagaId must be a non-empty string');
  if (!isObject(input)) throw new Error('input must be a JSON object');
  if (!isObject(results)) throw new Error('results must be a JSON object');
  return { event: { saga, step, action, sagaId, input, results }, run };
}
