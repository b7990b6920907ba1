/**
 * A saga's Workflows workflow retries its step calls as the file says (`resilience.retry`, or the service's own
 * `retry`), as the Step Functions steps do on AWS, instead of a fixed policy; compensations keep their more
 * persistent one.
 */
import { workflowStepRetry } from '../../../src/targets/gcp/handlers';
import { Json, gcpModel, synth } from './helpers';

const FILE = (retry: string) => `architecture: { name: travel }
cloud: { primary: gcp, gcp: { project_id: travel-dev-1, region: europe-west1, state_bucket: travel-tf } }
resilience: { retry: { max_attempts: 7, initial_interval_ms: 400, max_interval_ms: 20000, multiplier: 1.5 } }
services:
  - name: booking-service
    type: saga-orchestrator
${retry}    saga: { name: BookTripSaga, steps: [ReserveFlight, ChargeCard], compensation: [CancelFlight, RefundCard] }
`;

type Step = Record<string, { try?: { call: string }; retry?: Json }>;

/** The workflow's steps by name, its Terraform escaping undone. */
function workflowSteps(text: string): Map<string, { try?: { call: string }; retry?: Json }> {
  const tf = synth(gcpModel('architecture.yaml', { text }));
  const wf = tf.named('google_workflows_workflow', 'travel-booking-service');
  const source = JSON.parse(String(wf.source_contents).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')) as { main: { steps: Step[] } };
  return new Map(source.main.steps.flatMap((s) => Object.entries(s)));
}

describe('a saga workflow on GCP', () => {
  test("its step calls retry as the service's retry says: max_attempts - 1 retries, the delays in whole seconds, its multiplier", () => {
    // GIVEN a service retry other than every default
    const steps = workflowSteps(FILE('    retry: { max_attempts: 5, initial_interval_ms: 2500, max_interval_ms: 45000, multiplier: 3 }\n'));
    // THEN every step: 4 retries (5 attempts), 3 s (2.5 s rounded up), at most 45 s, times 3, on Workflows' HTTP predicate
    for (const step of ['step_ReserveFlight', 'step_ChargeCard']) {
      expect(steps.get(step)?.try?.call).toBe('http.post');
      expect(steps.get(step)?.retry).toEqual({ predicate: '${http.default_retry_predicate}', max_retries: 4, backoff: { initial_delay: 3, max_delay: 45, multiplier: 3 } });
    }
    // AND the compensation (of the first step; the last one's is never needed) keeps the construct's own policy
    expect(steps.get('compensate_ReserveFlight')?.retry).toEqual({ predicate: '${http.default_retry_predicate}', max_retries: 6, backoff: { initial_delay: 2, max_delay: 60, multiplier: 2 } });
  });

  test('without a retry of its own, the file-wide resilience.retry applies (400 ms is 1 s, the shortest whole second)', () => {
    const steps = workflowSteps(FILE(''));
    expect(steps.get('step_ReserveFlight')?.retry).toEqual({ predicate: '${http.default_retry_predicate}', max_retries: 6, backoff: { initial_delay: 1, max_delay: 20, multiplier: 1.5 } });
  });

  test('the bounds: one attempt is no retry, the longest delay is at least the first and at most an hour', () => {
    expect(workflowStepRetry({ max_attempts: 1, initial_interval_ms: 1, max_interval_ms: 1, multiplier: 1, idempotent_only: false })).toEqual({ maxRetries: 0, initialDelaySeconds: 1, maxDelaySeconds: 1, multiplier: 1 });
    expect(workflowStepRetry({ max_attempts: 100, initial_interval_ms: 3_600_000, max_interval_ms: 3_600_000, multiplier: 10, idempotent_only: false })).toEqual({
      maxRetries: 99,
      initialDelaySeconds: 3600,
      maxDelaySeconds: 3600,
      multiplier: 10,
    });
  });
});
