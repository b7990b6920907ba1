import { WorkflowsWorkflow } from '@cdktf/provider-google/lib/workflows-workflow';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  DEFAULT_SAGA_CALL_TIMEOUT_SECONDS,
  DEFAULT_WORKFLOW_CALL_LOG_LEVEL,
  SAGA_SERVICE_URL_ENV,
  SAGA_STEPS_PATH,
  WORKFLOW_NAME_PATTERN,
  checkWorkflowRetry,
  defaultWorkflowCompensationRetry,
  defaultWorkflowStepRetry,
  isBlank,
} from '../core/gcp-data-defaults';
import type { WorkflowRetry } from '../core/gcp-data-defaults';
import { SERVICE_ACCOUNT_EMAIL_PATTERN } from '../core/gcp-run-defaults';

import type { SagaPayload, SagaStep } from '../core/saga';

export type { WorkflowRetry } from '../core/gcp-data-defaults';

/** One step of a saga and its compensation: the contract shared with the AWS saga (lib-constructs/core/saga.ts). */
export type SagaWorkflowStep = SagaStep;
/** The JSON body the service's `POST <url>/steps` receives, for a step or a compensation. */
export type SagaWorkflowPayload = SagaPayload;

export interface SagaWorkflowProps {
  /** The workflow's name: letters, digits, `_` and `-`, starting with a letter, at most 64. */
  readonly name: string;
  /** The workflow's region, e.g. `europe-west1`. */
  readonly region: string;
  /** The saga's name (letters, digits and `_`, starting with a letter); the failure raised is `<sagaName>Failed`. */
  readonly sagaName: string;
  /** The steps, in the order they run (at least one, names unique). */
  readonly steps: readonly SagaWorkflowStep[];
  /** The base URL of the Cloud Run service that runs the steps (e.g. `CloudRunService.url`); it is called at `<url>/steps`. */
  readonly serviceUrl: string;
  /**
   * The service account the workflow runs as, and whose OIDC token it sends. Grant it `roles/run.invoker` on the
   * service (`CloudRunService.grantInvoke`) and nothing more.
   */
  readonly serviceAccountEmail: string;
  /**
   * Retry of every step call on the errors of `http.default_retry_predicate` (429, 502, 503, 504, connection errors).
   * @default defaultWorkflowStepRetry(): 3 retries, 1 s, doubling, at most 60 s
   */
  readonly retry?: WorkflowRetry;
  /**
   * Retry of every compensation call, on the same errors.
   * @default defaultWorkflowCompensationRetry(): 6 retries, 2 s, doubling, at most 60 s
   */
  readonly compensationRetry?: WorkflowRetry;
  /**
   * Seconds one call of the step endpoint may take (1 to 1800).
   * @default 300
   */
  readonly callTimeoutSeconds?: number;
  /**
   * What the workflow logs of its calls (`LOG_ALL_CALLS`, `LOG_ERRORS_ONLY`, `LOG_NONE`).
   * @default 'LOG_ERRORS_ONLY'
   */
  readonly callLogLevel?: 'LOG_ALL_CALLS' | 'LOG_ERRORS_ONLY' | 'LOG_NONE';
  /**
   * Terraform's `deletion_protection` on the workflow.
   * @default false - the workflow keeps no data
   */
  readonly deletionProtection?: boolean;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The error code a compensation that still fails after its retries raises: the saga is half undone. */
export const SAGA_COMPENSATION_FAILED = 'CompensationFailed';

type WorkflowStep = Record<string, Record<string, unknown>>;

/**
 * A saga as a Cloud Workflows workflow that runs as the given service account. Each step is a `POST <url>/steps`
 * with an OIDC token (payload `SagaWorkflowPayload`, action `execute`), retried on transient errors, its response
 * body kept under `results.<step>`; when step i fails after its retries, the compensations of steps i-1..0 run in
 * reverse order (the failed step is not compensated; steps without compensation are skipped), then the execution
 * fails with `<sagaName>Failed`, the failed step and its error. A compensation is retried longer; one that still
 * fails raises `CompensationFailed`. The source is JSON, the same for the same props; the service URL reaches it
 * through the workflow's environment (`SAGA_SERVICE_URL`), so the source holds no Terraform reference.
 */
export class SagaWorkflow extends Construct {
  /** The workflow. */
  readonly workflow: WorkflowsWorkflow;
  /** The workflow's source as Workflows reads it (JSON; the Terraform attribute escapes `${` as `$${`). */
  readonly definition: string;
  /** The workflow's id (`projects/<p>/locations/<region>/workflows/<name>`). */
  readonly workflowId: string;

  constructor(scope: Construct, id: string, props: SagaWorkflowProps) {
    super(scope, id);
    const retry = props.retry ?? defaultWorkflowStepRetry();
    const compensationRetry = props.compensationRetry ?? defaultWorkflowCompensationRetry();
    const timeout = props.callTimeoutSeconds ?? DEFAULT_SAGA_CALL_TIMEOUT_SECONDS;
    checkProps(props, retry, compensationRetry, timeout);

    this.definition = JSON.stringify(sagaWorkflowSource(props.sagaName, props.steps, retry, compensationRetry, timeout), null, 2);
    this.workflow = new WorkflowsWorkflow(this, 'Workflow', {
      name: props.name,
      region: props.region,
      description: `Saga ${props.sagaName}: ${props.steps.map((s) => s.name).join(' → ')}, compensated in reverse on failure.`,
      serviceAccount: props.serviceAccountEmail,
      callLogLevel: props.callLogLevel ?? DEFAULT_WORKFLOW_CALL_LOG_LEVEL,
      deletionProtection: props.deletionProtection ?? false,
      userEnvVars: { [SAGA_SERVICE_URL_ENV]: props.serviceUrl },
      sourceContents: escapeForTerraform(this.definition),
    });
    this.workflowId = this.workflow.id;
  }
}

/** Escapes Terraform's template sequences, so Workflows' `${...}` expressions reach Workflows as written. */
function escapeForTerraform(source: string): string {
  // A function replacement: in a replacement string `$$` would itself mean one `$`.
  return source.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

function retryBlock(r: WorkflowRetry): Record<string, unknown> {
  return {
    predicate: '${http.default_retry_predicate}',
    max_retries: r.maxRetries,
    backoff: { initial_delay: r.initialDelaySeconds, max_delay: r.maxDelaySeconds, multiplier: r.multiplier },
  };
}

function call(saga: string, step: string, action: 'execute' | 'compensate', timeout: number): Record<string, unknown> {
  return {
    call: 'http.post',
    args: {
      url: '${stepsUrl}',
      // The audience is the service's URL (Cloud Run's documented audience), not the /steps URL.
      auth: { type: 'OIDC', audience: `\${sys.get_env("${SAGA_SERVICE_URL_ENV}")}` },
      timeout,
      body: { saga, step, action, sagaId: '${sagaId}', input: '${input}', results: '${results}' },
    },
    result: 'response',
  };
}

/** The workflow definition (before Terraform escaping) of a saga. */
function sagaWorkflowSource(
  saga: string,
  steps: readonly SagaWorkflowStep[],
  retry: WorkflowRetry,
  compensationRetry: WorkflowRetry,
  timeout: number,
): { main: { params: string[]; steps: WorkflowStep[] } } {
  // Where a failure of step i continues: the compensation of the nearest earlier step that has one, else the end.
  const compensated = steps.map((s, i) => ({ ...s, i })).filter((s) => s.compensation !== undefined);
  const undoFrom = (i: number): string => {
    const previous = compensated.filter((s) => s.i < i);
    const last = previous[previous.length - 1];
    return last === undefined ? 'saga_failed' : `compensate_${last.name}`;
  };

  const body: WorkflowStep[] = [
    {
      init: {
        assign: [
          { sagaId: '${sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")}' },
          { stepsUrl: `\${sys.get_env("${SAGA_SERVICE_URL_ENV}") + "${SAGA_STEPS_PATH}"}` },
          { results: {} },
          { failedStep: null },
          { error: null },
        ],
      },
    },
  ];
  steps.forEach((s, i) => {
    body.push({
      [`step_${s.name}`]: {
        try: call(saga, s.name, 'execute', timeout),
        retry: retryBlock(retry),
        except: {
          as: 'e',
          steps: [{ [`fail_${s.name}`]: { assign: [{ failedStep: s.name }, { error: '${e}' }], next: undoFrom(i) } }],
        },
      },
    });
    body.push({ [`store_${s.name}`]: { assign: [{ [`results.${s.name}`]: '${response.body}' }] } });
  });
  body.push({ done: { return: '${results}' } });
  for (const s of [...compensated].reverse()) {
    body.push({
      [`compensate_${s.name}`]: {
        try: call(saga, s.compensation ?? s.name, 'compensate', timeout),
        retry: retryBlock(compensationRetry),
        except: {
          as: 'e',
          steps: [
            {
              [`compensation_failed_${s.name}`]: {
                raise: { code: SAGA_COMPENSATION_FAILED, saga, compensation: s.compensation, failedStep: '${failedStep}', error: '${e}', cause: '${error}' },
              },
            },
          ],
        },
      },
    });
  }
  body.push({ saga_failed: { raise: { code: `${saga}Failed`, saga, failedStep: '${failedStep}', cause: '${error}' } } });
  return { main: { params: ['input'], steps: body } };
}

function checkProps(props: SagaWorkflowProps, retry: WorkflowRetry, compensationRetry: WorkflowRetry, timeout: number): void {
  const problems: string[] = [];
  if (!WORKFLOW_NAME_PATTERN.test(props.name)) problems.push(`name '${props.name}' must be letters, digits, '_' and '-', starting with a letter, at most 64`);
  if (isBlank(props.region)) problems.push('region must not be empty');
  if (!NAME.test(props.sagaName)) problems.push(`sagaName '${props.sagaName}' must be letters, digits and '_', starting with a letter, at most 64`);
  if (props.steps.length === 0) problems.push('a saga needs at least one step');
  const seen = new Set<string>();
  for (const s of props.steps) {
    if (!NAME.test(s.name)) problems.push(`step name '${s.name}' must be letters, digits and '_', starting with a letter, at most 64`);
    if (seen.has(s.name)) problems.push(`step '${s.name}' appears twice`);
    seen.add(s.name);
    if (s.compensation !== undefined && !NAME.test(s.compensation)) problems.push(`compensation '${s.compensation}' of step '${s.name}' must be letters, digits and '_', starting with a letter, at most 64`);
  }
  if (isBlank(props.serviceUrl)) problems.push('serviceUrl must not be empty');
  else if (!Token.isUnresolved(props.serviceUrl) && !/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(props.serviceUrl)) problems.push(`serviceUrl '${props.serviceUrl}' must be an https URL`);
  else if (!Token.isUnresolved(props.serviceUrl) && props.serviceUrl.endsWith('/')) problems.push(`serviceUrl '${props.serviceUrl}' must not end with '/'`);
  if (!Token.isUnresolved(props.serviceAccountEmail) && !SERVICE_ACCOUNT_EMAIL_PATTERN.test(props.serviceAccountEmail)) {
    problems.push(`serviceAccountEmail '${props.serviceAccountEmail}' is not a service-account email (…@….gserviceaccount.com)`);
  }
  problems.push(...checkWorkflowRetry('retry', retry), ...checkWorkflowRetry('compensationRetry', compensationRetry));
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 1800) problems.push(`callTimeoutSeconds must be a whole number from 1 to 1800, got ${timeout}`);
  if (problems.length > 0) throw new Error(`SagaWorkflow ${props.name}: ${problems.join('; ')}`);
}
