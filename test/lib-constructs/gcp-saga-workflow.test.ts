import { TerraformStack } from 'cdktf';
import { gcpStack, synthJson } from './gcp-helpers';
import { CloudRunService } from '../../lib-constructs/gcp/cloud-run-service';
import { SAGA_COMPENSATION_FAILED, SagaWorkflow } from '../../lib-constructs/gcp/saga-workflow';
import type { SagaWorkflowProps } from '../../lib-constructs/gcp/saga-workflow';

const SA = 'saga-runner@p.iam.gserviceaccount.com';

function stack(): TerraformStack {
  return gcpStack('p', 'test');
}

function props(over: Partial<SagaWorkflowProps> = {}): SagaWorkflowProps {
  return {
    name: 'order-saga',
    region: 'europe-west1',
    sagaName: 'PlaceOrder',
    steps: [
      { name: 'reserveStock', compensation: 'releaseStock' },
      { name: 'notifyWarehouse' },
      { name: 'chargeCard', compensation: 'refundCard' },
      { name: 'shipOrder' },
    ],
    serviceUrl: 'https://orders-abc-ew.a.run.app',
    serviceAccountEmail: SA,
    ...over,
  };
}

interface Synth {
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

function synth(s: TerraformStack): Synth {
  return synthJson<Synth>(s);
}

/** The value, which the test expects to be there. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

/** The stack's only workflow. */
function workflow(s: TerraformStack): Record<string, unknown> {
  const all = Object.values(synth(s).resource.google_workflows_workflow ?? {});
  expect(all).toHaveLength(1);
  return must(all[0], 'workflow');
}

type Step = Record<string, Record<string, unknown>>;

/** The workflow's source as Workflows reads it: Terraform's `$${` escapes undone, then JSON. */
function source(workflow: Record<string, unknown>): { main: { params: string[]; steps: Step[] } } {
  const raw = workflow.source_contents as string;
  return JSON.parse(raw.replace(/\$\$\{/g, '${')) as { main: { params: string[]; steps: Step[] } };
}

interface Call { action: string; step: string }

/**
 * Runs the workflow's control flow (assign, try/retry/except with `http.post`, next, return, raise), failing the
 * call of step `failAt` (or the compensation `failCompensation`), and returns the calls made in order and how it ended.
 */
function run(src: { main: { steps: Step[] } }, failAt?: string, failCompensation?: string): { calls: Call[]; stored: string[]; end: unknown } {
  const steps = src.main.steps;
  const index = (name: string): number => {
    const i = steps.findIndex((s) => Object.keys(s)[0] === name);
    if (i < 0) throw new Error(`no step ${name}`);
    return i;
  };
  const calls: Call[] = [];
  const stored: string[] = [];
  let pc = 0;
  for (let guard = 0; guard < 1000; guard++) {
    if (pc >= steps.length) return { calls, stored, end: 'fell off the end' };
    const [name, body] = must(Object.entries(must(steps[pc], `step ${pc}`))[0], `step ${pc}`);
    let next: string | undefined = body.next as string | undefined;
    if (body.assign !== undefined) {
      for (const a of body.assign as Record<string, unknown>[]) for (const k of Object.keys(a)) if (k.startsWith('results.')) stored.push(k.slice('results.'.length));
    } else if (body.try !== undefined) {
      const t = body.try as { call: string; args: { body: { action: string; step: string } } };
      expect(t.call).toBe('http.post');
      calls.push({ action: t.args.body.action, step: t.args.body.step });
      const fails = (t.args.body.action === 'execute' && t.args.body.step === failAt) || (t.args.body.action === 'compensate' && t.args.body.step === failCompensation);
      if (fails) {
        const except = body.except as { as: string; steps: Step[] };
        expect(except.as).toBe('e');
        for (const inner of except.steps) {
          const innerBody = must(Object.values(inner)[0], 'except step');
          if (innerBody.raise !== undefined) return { calls, stored, end: innerBody.raise };
          if (innerBody.next !== undefined) next = innerBody.next as string;
        }
      }
    } else if (body.return !== undefined) {
      return { calls, stored, end: { return: body.return } };
    } else if (body.raise !== undefined) {
      return { calls, stored, end: body.raise };
    } else {
      throw new Error(`unexpected step ${name}`);
    }
    pc = next !== undefined ? index(next) : pc + 1;
  }
  throw new Error('loop');
}

describe('SagaWorkflow', () => {
  test('a workflow running as the given account, the service URL in its environment, errors-only call logging', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new SagaWorkflow(s, 'Saga', props());
    // THEN
    expect(workflow(s)).toMatchObject({
      name: 'order-saga',
      region: 'europe-west1',
      service_account: SA,
      call_log_level: 'LOG_ERRORS_ONLY',
      deletion_protection: false,
      user_env_vars: { SAGA_SERVICE_URL: 'https://orders-abc-ew.a.run.app' },
    });
  });

  test('every Workflows expression is escaped for Terraform, so no `${` reaches Terraform as an interpolation', () => {
    const s = stack();
    new SagaWorkflow(s, 'Saga', props());
    const raw = workflow(s).source_contents as string;
    expect(raw).toContain('"sagaId": "$${sys.get_env(\\"GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID\\")}"');
    expect(raw.replace(/\$\$\{/g, '')).not.toContain('${');
  });

  test('each step POSTs <url>/steps with an OIDC token, the saga payload and a retry policy, and stores its result', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new SagaWorkflow(s, 'Saga', props({ retry: { maxRetries: 4, initialDelaySeconds: 2, maxDelaySeconds: 30, multiplier: 3 } }));
    // THEN
    const src = source(workflow(s));
    expect(src.main.params).toEqual(['input']);
    const init = must(src.main.steps[0], 'init').init?.assign as Record<string, unknown>[];
    expect(init).toContainEqual({ stepsUrl: '${sys.get_env("SAGA_SERVICE_URL") + "/steps"}' });
    expect(init).toContainEqual({ sagaId: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}' });
    const charge = src.main.steps.find((x) => 'step_chargeCard' in x)?.step_chargeCard;
    expect(charge).toMatchObject({
      try: {
        call: 'http.post',
        args: {
          url: '${stepsUrl}',
          auth: { type: 'OIDC' },
          timeout: 300,
          body: { saga: 'PlaceOrder', step: 'chargeCard', action: 'execute', sagaId: '${sagaId}', input: '${input}', results: '${results}' },
        },
        result: 'response',
      },
      retry: { predicate: '${http.default_retry_predicate}', max_retries: 4, backoff: { initial_delay: 2, max_delay: 30, multiplier: 3 } },
    });
    expect(src.main.steps.find((x) => 'store_chargeCard' in x)?.store_chargeCard).toEqual({ assign: [{ 'results.chargeCard': '${response.body}' }] });
  });

  test('without failures the steps run in order, each result is stored, and the results are returned', () => {
    const s = stack();
    new SagaWorkflow(s, 'Saga', props());
    const r = run(source(workflow(s)));
    expect(r.calls).toEqual(['reserveStock', 'notifyWarehouse', 'chargeCard', 'shipOrder'].map((step) => ({ action: 'execute', step })));
    expect(r.stored).toEqual(['reserveStock', 'notifyWarehouse', 'chargeCard', 'shipOrder']);
    expect(r.end).toEqual({ return: '${results}' });
  });

  test.each([
    ['reserveStock', []],
    ['notifyWarehouse', ['releaseStock']],
    ['chargeCard', ['releaseStock']],
    ['shipOrder', ['refundCard', 'releaseStock']],
  ])('a failure of %s compensates the earlier steps in reverse (%j), then raises PlaceOrderFailed', (failAt, compensations) => {
    // GIVEN
    const s = stack();
    new SagaWorkflow(s, 'Saga', props());
    const src = source(workflow(s));
    // WHEN step failAt fails after its retries
    const r = run(src, failAt);
    // THEN
    const order = ['reserveStock', 'notifyWarehouse', 'chargeCard', 'shipOrder'];
    const executed = order.slice(0, order.indexOf(failAt) + 1).map((step) => ({ action: 'execute', step }));
    expect(r.calls).toEqual([...executed, ...compensations.map((step) => ({ action: 'compensate', step }))]);
    expect(r.end).toEqual({ code: 'PlaceOrderFailed', saga: 'PlaceOrder', failedStep: '${failedStep}', cause: '${error}' });
  });

  test('a compensation that still fails after its (longer) retries raises CompensationFailed and stops', () => {
    const s = stack();
    new SagaWorkflow(s, 'Saga', props());
    const src = source(workflow(s));
    const r = run(src, 'shipOrder', 'refundCard');
    expect(r.calls.slice(-1)).toEqual([{ action: 'compensate', step: 'refundCard' }]);
    expect(r.end).toMatchObject({ code: SAGA_COMPENSATION_FAILED, compensation: 'refundCard' });
    const comp = src.main.steps.find((x) => 'compensate_chargeCard' in x)?.compensate_chargeCard;
    expect(comp).toMatchObject({
      try: { args: { auth: { type: 'OIDC' }, body: { action: 'compensate', step: 'refundCard' } } },
      retry: { max_retries: 6, backoff: { initial_delay: 2, max_delay: 60, multiplier: 2 } },
    });
  });

  test('takes a CloudRunService URL (a Terraform reference) and the same props give the same source', () => {
    // GIVEN
    const s = stack();
    const svc = new CloudRunService(s, 'Orders', { name: 'orders', location: 'europe-west1', image: 'europe-docker.pkg.dev/p/r/orders:1' });
    // WHEN
    const a = new SagaWorkflow(s, 'Saga', props({ serviceUrl: svc.url }));
    svc.grantInvoke(SA);
    // THEN
    const r = synth(s).resource;
    const wf = must(Object.values(r.google_workflows_workflow ?? {})[0], 'workflow');
    expect((wf.user_env_vars as Record<string, string>).SAGA_SERVICE_URL).toMatch(/^\$\{google_cloud_run_v2_service\.Orders_Service_[0-9A-F]{8}\.uri\}$/);
    expect(Object.values(r.google_cloud_run_v2_service_iam_member ?? {}).map((m) => [m.role, m.member])).toEqual([['roles/run.invoker', `serviceAccount:${SA}`]]);
    expect(a.definition).toBe(new SagaWorkflow(stack(), 'Saga', props()).definition);
  });

  test('invalid props are refused, all problems at once', () => {
    expect(() => new SagaWorkflow(stack(), 'S', props({ steps: [] }))).toThrow('at least one step');
    expect(() => new SagaWorkflow(stack(), 'S', props({ steps: [{ name: 'a' }, { name: 'a' }] }))).toThrow("step 'a' appears twice");
    expect(() => new SagaWorkflow(stack(), 'S', props({ steps: [{ name: 'bad-name' }] }))).toThrow("step name 'bad-name'");
    expect(() => new SagaWorkflow(stack(), 'S', props({ serviceUrl: 'http://x.example' }))).toThrow('https URL');
    expect(() => new SagaWorkflow(stack(), 'S', props({ serviceAccountEmail: 'me@example.com' }))).toThrow('not a service-account email');
    expect(() => new SagaWorkflow(stack(), 'S', props({ retry: { maxRetries: -1, initialDelaySeconds: 0, maxDelaySeconds: 1, multiplier: 0.5 } }))).toThrow(
      /retry.maxRetries.*retry.initialDelaySeconds.*retry.multiplier/,
    );
    expect(() => new SagaWorkflow(stack(), 'S', props({ callTimeoutSeconds: 0 }))).toThrow('callTimeoutSeconds');
    expect(() => new SagaWorkflow(stack(), 'S', props({ name: '1saga', sagaName: 'a b' }))).toThrow(/name '1saga'.*sagaName 'a b'/);
  });
});
