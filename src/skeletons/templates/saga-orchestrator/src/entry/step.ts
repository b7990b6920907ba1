import type { Context } from 'aws-lambda';
import { startOnce } from '@allframe/platform';
import { parseStepEvent } from '../adapters/step-event';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { loadServiceSecrets } from '../secrets';

export { parseStepEvent, type ParsedStep, type StepEvent } from '../adapters/step-event';

const config = loadConfig(process.env);

/** Built once per instance, on its first invocation: the secrets are read (SECRETS_SOURCE) before the dependencies. */
const started = startOnce(async () => createDependencies(config, await loadServiceSecrets(config)));

/** Runs one step or compensation through the steps port and returns its result (kept by the state machine). */
export const handler = async (event: unknown, context?: Context): Promise<unknown> => {
  const { event: e, run } = parseStepEvent(event);
  const deps = await started();
  // Abort a second before Lambda's own timeout, so that the step can stop cleanly.
  const remainingMs = context ? context.getRemainingTimeInMillis() - 1000 : deps.timeoutMs;
  const signal = AbortSignal.timeout(Math.max(remainingMs, 1));
  deps.logger.info({ sagaId: e.sagaId, step: e.step, action: e.action }, 'saga step');
  return deps.steps[run]({ sagaId: e.sagaId, input: e.input, results: e.results, signal });
};
