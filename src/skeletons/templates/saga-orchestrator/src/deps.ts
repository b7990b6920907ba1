import {
  closePools,
  createMessaging,
  createPolicy, // @if clients
  createRepository,
  isRetryableCall, // @if typedClients
  outboundFetch, // @if clients
} from '@allframe/platform';
import type {
  EventSink,
  IdempotencyStore,
  Logger,
  OutboxRelay, // @if outbox
  PolicyOptions,
  Repository,
} from '@allframe/platform';
import { EVENT_SCHEMAS } from '@allframe/events';
import {
  ServiceClient, // @if clients
  isRetryable,
} from './adapters/service-client';
import type { Fetch } from './adapters/service-client';
import { StepFunctionsExecutions } from './adapters/step-functions';
import { WorkflowsExecutions } from './adapters/workflows';
import type { SagaExecutions, SagaState } from './application/saga';
import { createStepHandlers, type StepHandlers } from './application/steps';
import { createClients, type Clients } from './clients'; // @if typedClients
import type { Config } from './config';
import type { Secrets } from './secrets';

/** Resilience of every call to a depended-on service (from the architecture's resolved resilience). */
export const POLICY: PolicyOptions = {
  retry: { maxAttempts: /*=maxAttempts*/ 3, initialDelayMs: /*=initialDelayMs*/ 100, maxDelayMs: /*=maxDelayMs*/ 10000, multiplier: /*=multiplier*/ 2 },
  circuitBreaker: { failureThreshold: /*=failureThreshold*/ 5, halfOpenAfterMs: /*=halfOpenAfterMs*/ 30000 },
  bulkhead: { maxConcurrent: /*=maxConcurrent*/ 100, maxQueue: /*=maxQueue*/ 50 },
  timeoutMs: /*=callTimeoutMs*/ 30000,
  retryIdempotentOnly: /*=retryIdempotentOnly*/ false,
  isRetryable,
};

/** Everything the application needs from the outside world. */
export interface Dependencies {
  /** The secrets read at start-up (never log them). */
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly events: EventSink;
  readonly sagas: Repository<SagaState>;
  readonly steps: StepHandlers;
  // @if typedClients
  /**
   * Typed clients of the depended-on services that export their routes (src/clients.ts): a method per route, typed by
   * that service's schemas, on the same policy and outbound authentication as the steps' calls; for your steps.
   */
  readonly clients: Clients;
  // @end
  /** Deadline of one saga. */
  readonly timeoutMs: number;
  /** How long this process holds a saga it runs here without renewing its lease (SAGA_LEASE_SECONDS). */
  readonly leaseMs: number;
  /** Where sagas run when not in this process: Step Functions (SAGA_STATE_MACHINE_ARN) or Cloud Workflows (SAGA_WORKFLOW). */
  readonly executions: SagaExecutions | undefined;
  /** Serve `POST /steps`, through which Cloud Workflows (SAGA_WORKFLOW) or Step Functions on Fargate (SAGA_STEPS_ENDPOINT) runs the steps. */
  readonly stepsEndpoint?: boolean;
  readonly idempotency: IdempotencyStore | undefined;
  /** Serve the API docs page at /docs (API_DOCS; optional, so that tests building dependencies by hand need not say). */
  readonly apiDocs?: boolean;
  readonly relay: OutboxRelay; // @if outbox
  close(): Promise<void>;
}

/**
 * Where sagas run: on Step Functions with SAGA_STATE_MACHINE_ARN, on Cloud Workflows with SAGA_WORKFLOW, else in this
 * process (undefined). Both set is refused, so that a misconfigured service fails at start-up.
 */
export function sagaExecutions(config: Pick<Config, 'SAGA_STATE_MACHINE_ARN' | 'SAGA_WORKFLOW'>): SagaExecutions | undefined {
  if (config.SAGA_STATE_MACHINE_ARN !== '' && config.SAGA_WORKFLOW !== '') {
    throw new Error('set at most one of SAGA_STATE_MACHINE_ARN (Step Functions) and SAGA_WORKFLOW (Cloud Workflows)');
  }
  if (config.SAGA_STATE_MACHINE_ARN !== '') return new StepFunctionsExecutions(config.SAGA_STATE_MACHINE_ARN);
  return config.SAGA_WORKFLOW === '' ? undefined : new WorkflowsExecutions(config.SAGA_WORKFLOW);
}

// @if clients
/** The base URL of each depended-on service, by name: whom a call is signed for with OUTBOUND_AUTH=ed25519. */
function calleeUrls(config: Config): Record<string, string> {
  return {
    '__dep__': config./*=depUrl*/ SAMPLE_SERVICE_URL, // @each clients
  };
}

// @end
/**
 * Real adapters or in-memory ones, as configured; one resilience policy per depended-on service, called through // @if clients
 * a fetch signing with SigV4 when OUTBOUND_AUTH is aws-iam, with a Google ID token when google-id-token, with the // @if clients
 * service's own key (SERVICE_SIGNING_KEY) when ed25519. // @if clients
 * Real adapters or in-memory ones, as configured; one resilience policy per depended-on service. // @if !clients
 */
export function createDependencies(
  config: Config,
  secrets: Secrets,
  fetchFn: Fetch = outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION, { caller: config.SERVICE_NAME, callees: calleeUrls(config) }), // @if clients
  _fetchFn: Fetch = fetch, // @if !clients
): Dependencies {
  const messaging = createMessaging(config, { outbox: /*=withOutbox*/ true, idempotency: /*=withIdempotency*/ true, schemas: EVENT_SCHEMAS });
  return {
    secrets,
    logger: messaging.logger,
    events: messaging.events,
    sagas: createRepository<SagaState>(config.STORE, `${config.TABLE_PREFIX}-sagas`, config.DATABASE_URL),
    steps: createStepHandlers({
      __client__: new ServiceClient('__dep__', config./*=depUrl*/ SAMPLE_SERVICE_URL, createPolicy(POLICY), fetchFn), // @each clients
    }),
    clients: createClients(config, () => createPolicy({ ...POLICY, isRetryable: isRetryableCall }), fetchFn), // @if typedClients
    timeoutMs: config.SAGA_TIMEOUT_SECONDS * 1000,
    leaseMs: config.SAGA_LEASE_SECONDS * 1000,
    executions: sagaExecutions(config),
    stepsEndpoint: config.SAGA_WORKFLOW !== '' || config.SAGA_STEPS_ENDPOINT,
    apiDocs: config.API_DOCS,
    idempotency: messaging.idempotency,
    relay: messaging.relay, // @if outbox
    close: () => closePools(),
  };
}
