/**
 * saga-orchestrator: runs the saga's steps in order; when one fails (or the deadline passes) it runs the
 * compensations of the completed steps in reverse order. Steps are an owned port whose default handlers call the
 * depends_on services over HTTP through the platform's resilience policy (signed with SigV4 when OUTBOUND_AUTH is
 * aws-iam, with a Google ID token when google-id-token); saga state is kept in a repository. With SAGA_STATE_MACHINE_ARN
 * (set by the AWS target) a saga is handed to Step Functions, which runs each step through `src/entry/step.ts`, and with
 * SAGA_WORKFLOW (set by the GCP target) to Cloud Workflows, instead of running here.
 */
import { OutputFile, managed, owned } from '../../model/output-file';
import type { ServiceContext } from '../context';
import { lambdaEntry, secretsWiring } from '../secrets';
import { dockerfile, servicePackage } from '../context';
import { ConfigVar, configFile, httpEntries } from '../common';
import { camel, constant, kebab } from '../names';
import { storeConfig } from '../common';
import { outboundConfig, WITH_AWS_ENV } from '../outbound';

/** The platform's PolicyOptions for the service's resolved resilience, as a TypeScript object literal. */
export function policyLiteral(ctx: ServiceContext, timeoutMs: number, retryIdempotentOnly: boolean, extra: readonly string[] = []): string {
  const r = ctx.service.resilience;
  return `{
  retry: { maxAttempts: ${r.retry.max_attempts}, initialDelayMs: ${r.retry.initial_interval_ms}, maxDelayMs: ${r.retry.max_interval_ms}, multiplier: ${r.retry.multiplier} },
  circuitBreaker: { failureThreshold: ${r.circuit_breaker.failure_threshold}, halfOpenAfterMs: ${r.circuit_breaker.timeout_ms} },
  bulkhead: { maxConcurrent: ${r.bulkhead.max_concurrent}, maxQueue: ${r.bulkhead.max_queue} },
  timeoutMs: ${timeoutMs},
  retryIdempotentOnly: ${retryIdempotentOnly},
${extra.map((line) => `  ${line},\n`).join('')}}`;
}

/** Events that announce a failure or an undo: published after compensation, the others on success. */
export const FAILURE_EVENT = /(Cancelled|Canceled|Failed|Compensated|Aborted|Rejected|RolledBack|Reverted|Declined|Expired)$/;

const GENERIC_WORDS = new Set(['service', 'gateway', 'api', 'adapter', 'svc']);

/** The dependency a step names (ReserveInventory → inventory-service), if any. */
function serviceFor(step: string, deps: readonly string[]): string | undefined {
  const words = new Set(kebab(step).split('-'));
  return deps.find((d) => d.split('-').some((w) => !GENERIC_WORDS.has(w) && words.has(w)));
}

export function renderSagaOrchestrator(ctx: ServiceContext): OutputFile[] {
  const s = ctx.service;
  const P = ctx.platform;
  const saga = s.spec.saga ?? { name: 'Saga', steps: ['Run'], compensation: [], timeout_seconds: 300 };
  const Saga = saga.name;
  const steps = saga.steps;
  const comps = saga.compensation ?? [];
  const deps = s.spec.depends_on ?? [];
  const publishes = s.spec.publishes ?? [];
  const onSuccess = publishes.filter((e) => !FAILURE_EVENT.test(e));
  const onFailure = publishes.filter((e) => FAILURE_EVENT.test(e));
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const timeoutSeconds = saga.timeout_seconds ?? 300;
  const callTimeoutMs = (s.spec.timeout_seconds ?? 30) * 1000;
  const stepService = steps.map((st) => serviceFor(st, deps));
  const used = deps.filter((d) => stepService.includes(d));
  const extra: Record<string, ConfigVar> = {
    ...storeConfig(ctx),
    SAGA_TIMEOUT_SECONDS: { kind: 'int', default: String(timeoutSeconds), description: `Deadline of one ${Saga}, in seconds` },
    SAGA_STATE_MACHINE_ARN: { kind: 'string', default: '', description: `Step Functions state machine running ${Saga} (empty: the steps run in this process)` },
    SAGA_WORKFLOW: { kind: 'string', default: '', description: `Cloud Workflows workflow running ${Saga}, projects/<project>/locations/<region>/workflows/<name> (empty: the steps run in this process; at most one of SAGA_STATE_MACHINE_ARN and SAGA_WORKFLOW)` },
    SAGA_STEPS_ENDPOINT: { kind: 'bool', default: 'false', description: `Serve POST /steps, through which the state machine runs the steps of ${Saga} in this service (set by the AWS target on Fargate; SAGA_WORKFLOW implies it)` },
    ...(deps.length > 0 ? outboundConfig() : {}),
    ...Object.fromEntries(deps.map((d) => [`${constant(d)}_URL`, { kind: 'string', default: `http://${d}:8080`, description: `Base URL of ${d}` } satisfies ConfigVar])),
  };
  const files: OutputFile[] = [servicePackage(ctx, ['hono', '@aws-sdk/client-sfn', '@google-cloud/workflows']), configFile(ctx, extra), ...httpEntries(ctx, { relay: outbox }), dockerfile(ctx, 'server')];

  // ---- managed: the HTTP client of the depended-on services
  files.push(
    managed(
      `${ctx.dir}/src/adapters/service-client.ts`,
      `import type { ResiliencePolicy } from '${P}';

/** The fetch the client uses; tests pass a fake. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** A service answered with an error status. */
export class ServiceCallError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
  ) {
    super(\`\${service} answered \${status}\`);
    this.name = 'ServiceCallError';
  }
}

/** Retry server errors, timeouts and network failures, never a 4xx. */
export function isRetryable(error: Error): boolean {
  return !(error instanceof ServiceCallError && error.status < 500);
}

/** JSON over HTTP to one service, every call through that service's resilience policy. */
export class ServiceClient {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly policy: ResiliencePolicy,
    private readonly fetchFn: Fetch = fetch,
  ) {}

  /** POSTs \`body\` as JSON with an idempotency key, so that retries are safe; the JSON answer, undefined when empty. */
  post(path: string, body: unknown, idempotencyKey: string): Promise<unknown> {
    return this.policy.execute(
      async (signal) => {
        const res = await this.fetchFn(\`\${this.baseUrl.replace(/\\/+$/, '')}\${path}\`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
          signal,
        });
        const text = await res.text();
        if (!res.ok) throw new ServiceCallError(this.name, res.status);
        return text === '' ? undefined : (JSON.parse(text) as unknown);
      },
      { idempotent: true },
    );
  }
}
`,
    ),
    managed(
      `${ctx.dir}/test/service-client.test.ts`,
      `import { createPolicy } from '${P}';
import { ServiceCallError, ServiceClient, isRetryable, type Fetch } from '../src/adapters/service-client';

const policy = () =>
  createPolicy({
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    circuitBreaker: { failureThreshold: 10, halfOpenAfterMs: 1000 },
    bulkhead: { maxConcurrent: 10, maxQueue: 10 },
    timeoutMs: 1000,
    isRetryable,
  });

function fakeFetch(...responses: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: Fetch = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(responses.shift() ?? new Response('{}'));
  };
  return { calls, fn };
}

describe('ServiceClient', () => {
  test('POSTs JSON with the idempotency key and returns the JSON answer', async () => {
    const { calls, fn } = fakeFetch(new Response('{"ok":true}'));
    const client = new ServiceClient('svc', 'http://svc:8080/', policy(), fn);
    await expect(client.post('/do', { a: 1 }, 'k1')).resolves.toEqual({ ok: true });
    expect(calls[0]?.url).toBe('http://svc:8080/do');
    expect(calls[0]?.init).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'idempotency-key': 'k1' } });
  });

  test('an empty answer is undefined', async () => {
    const { fn } = fakeFetch(new Response(''));
    await expect(new ServiceClient('svc', 'http://svc', policy(), fn).post('/do', {}, 'k')).resolves.toBeUndefined();
  });

  test('server errors are retried, client errors are not', async () => {
    const retried = fakeFetch(new Response('', { status: 503 }), new Response('{"n":2}'));
    await expect(new ServiceClient('svc', 'http://svc', policy(), retried.fn).post('/do', {}, 'k')).resolves.toEqual({ n: 2 });
    expect(retried.calls).toHaveLength(2);
    const refused = fakeFetch(new Response('no', { status: 422 }));
    await expect(new ServiceClient('svc', 'http://svc', policy(), refused.fn).post('/do', {}, 'k')).rejects.toBeInstanceOf(ServiceCallError);
    expect(refused.calls).toHaveLength(1);
    expect(isRetryable(new Error('network'))).toBe(true);
  });
});
`,
    ),
  );

  // ---- managed: the Step Functions adapter of the executions port
  files.push(
    managed(
      `${ctx.dir}/src/adapters/step-functions.ts`,
      `import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AwsClient } from '${P}';
import type { SagaExecutions } from '../application/saga';

/** {@link SagaExecutions} on AWS Step Functions: one execution per saga, named after its id, its input as input. */
export class StepFunctionsExecutions implements SagaExecutions {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: AwsClient = new SFNClient({}),
  ) {}

  async start(sagaId: string, input: Readonly<Record<string, unknown>>): Promise<void> {
    await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: sagaId, input: JSON.stringify(input) }));
  }
}
`,
    ),
    managed(
      `${ctx.dir}/test/step-functions.test.ts`,
      `import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsExecutions } from '../src/adapters/step-functions';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:${Saga}';

describe('StepFunctionsExecutions', () => {
  test('starts one execution per saga, named after its id, with its input', async () => {
    // GIVEN a client that records commands
    const sent: object[] = [];
    const client = {
      send: (command: object) => {
        sent.push(command);
        return Promise.resolve({});
      },
    };
    const executions = new StepFunctionsExecutions(ARN, client);
    // WHEN a saga is started
    await executions.start('saga-1', { orderId: 'o1' });
    // THEN
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(StartExecutionCommand);
    expect((sent[0] as StartExecutionCommand).input).toEqual({ stateMachineArn: ARN, name: 'saga-1', input: '{"orderId":"o1"}' });
  });

  test('a failed start rejects', async () => {
    const executions = new StepFunctionsExecutions(ARN, { send: () => Promise.reject(new Error('ExecutionAlreadyExists')) });
    await expect(executions.start('saga-1', {})).rejects.toThrow('ExecutionAlreadyExists');
    expect(new StepFunctionsExecutions(ARN)).toBeInstanceOf(StepFunctionsExecutions);
  });
});
`,
    ),
  );

  // ---- managed: the Cloud Workflows adapter of the executions port
  files.push(
    managed(
      `${ctx.dir}/src/adapters/workflows.ts`,
      `import type { SagaExecutions } from '../application/saga';

/** The part of \`@google-cloud/workflows\`' ExecutionsClient the adapter uses; tests pass a fake. */
export interface WorkflowExecutionsClient {
  createExecution(request: { parent: string; execution: { argument: string; labels?: Record<string, string> } }): Promise<unknown>;
}

/** \`projects/<project>/locations/<region>/workflows/<name>\`. */
const WORKFLOW = /^projects\\/[^/]+\\/locations\\/[^/]+\\/workflows\\/[^/]+$/;
/** What a label value may hold. */
const LABEL_VALUE = /^[a-z0-9_-]{1,63}$/;

async function executionsClient(): Promise<WorkflowExecutionsClient> {
  const { ExecutionsClient } = await import('@google-cloud/workflows');
  return new ExecutionsClient();
}

/**
 * {@link SagaExecutions} on Google Cloud Workflows: one execution per saga, whose argument is its input as JSON (what
 * Step Functions gets as input) and whose label \`saga_id\` is the saga's id. The client is loaded on the first start.
 */
export class WorkflowsExecutions implements SagaExecutions {
  private client: Promise<WorkflowExecutionsClient> | undefined;

  constructor(
    private readonly workflow: string,
    private readonly createClient: () => WorkflowExecutionsClient | Promise<WorkflowExecutionsClient> = executionsClient,
  ) {
    if (!WORKFLOW.test(workflow)) throw new Error(\`SAGA_WORKFLOW must be projects/<project>/locations/<region>/workflows/<name>, got \${JSON.stringify(workflow)}\`);
  }

  async start(sagaId: string, input: Readonly<Record<string, unknown>>): Promise<void> {
    this.client ??= Promise.resolve(this.createClient()).catch((err: unknown) => {
      this.client = undefined;
      throw err;
    });
    const labels = LABEL_VALUE.test(sagaId) ? { labels: { saga_id: sagaId } } : {};
    await (await this.client).createExecution({ parent: this.workflow, execution: { argument: JSON.stringify(input), ...labels } });
  }
}
`,
    ),
    managed(
      `${ctx.dir}/test/workflows.test.ts`,
      `import type { ExecutionsClient } from '@google-cloud/workflows';
import { WorkflowsExecutions, type WorkflowExecutionsClient } from '../src/adapters/workflows';

// Compile-time check: the real client fits the port.
export const realClientFits = (client: ExecutionsClient): WorkflowExecutionsClient => client;

const WORKFLOW = 'projects/shop-prod/locations/europe-west1/workflows/${kebab(Saga)}';

/** A client that records the executions it is asked to create. */
function recorder() {
  const created: unknown[] = [];
  const client: WorkflowExecutionsClient = {
    createExecution: (request) => {
      created.push(request);
      return Promise.resolve([{ name: \`\${WORKFLOW}/executions/e1\` }]);
    },
  };
  return { created, client };
}

describe('WorkflowsExecutions', () => {
  test('creates one execution per saga, its input as the argument and its id as a label, with one client', async () => {
    // GIVEN executions over a recording client
    const { created, client } = recorder();
    const factory = jest.fn(() => client);
    const executions = new WorkflowsExecutions(WORKFLOW, factory);
    // WHEN two sagas are started, one with an id a label cannot hold
    await executions.start('0b5c2f0e-5d1e-4d8e-9a57-6f0e1c2d3b4a', { orderId: 'o1' });
    await executions.start('Saga/With/Slashes', {});
    // THEN
    expect(created).toEqual([
      { parent: WORKFLOW, execution: { argument: '{"orderId":"o1"}', labels: { saga_id: '0b5c2f0e-5d1e-4d8e-9a57-6f0e1c2d3b4a' } } },
      { parent: WORKFLOW, execution: { argument: '{}' } },
    ]);
    expect(factory).toHaveBeenCalledTimes(1);
  });

  test('a failed start rejects, and a client that could not be made is made again', async () => {
    const refusing = new WorkflowsExecutions(WORKFLOW, () => ({ createExecution: () => Promise.reject(new Error('PERMISSION_DENIED')) }));
    await expect(refusing.start('s1', {})).rejects.toThrow('PERMISSION_DENIED');
    const { created, client } = recorder();
    const factory = jest.fn<Promise<WorkflowExecutionsClient>, []>().mockRejectedValueOnce(new Error('no credentials')).mockResolvedValue(client);
    const flaky = new WorkflowsExecutions(WORKFLOW, factory);
    await expect(flaky.start('s1', {})).rejects.toThrow('no credentials');
    await flaky.start('s1', {});
    expect(created).toHaveLength(1);
  });

  test('the workflow must be a full resource name; the real client is the default', () => {
    expect(() => new WorkflowsExecutions('${kebab(Saga)}')).toThrow('SAGA_WORKFLOW must be projects/<project>/locations/<region>/workflows/<name>');
    expect(new WorkflowsExecutions(WORKFLOW)).toBeInstanceOf(WorkflowsExecutions);
  });
});
`,
    ),
  );

  // ---- managed: wiring and routes
  const clientFields = deps.map((d) => `${camel(d)}: new ServiceClient('${d}', config.${constant(d)}_URL, createPolicy(POLICY), fetchFn),`);
  const imports = ['closePools', 'createEventSink', ...(idem ? ['createIdempotencyStore'] : []), 'createLogger', ...(outbox ? ['createOutbox'] : []), ...(deps.length > 0 ? ['createPolicy'] : []), 'createPublisher', 'createRepository', ...(deps.length > 0 ? ['outboundFetch'] : []), ...(outbox ? ['OutboxRelay'] : [])];
  files.push(
    managed(
      `${ctx.dir}/src/deps.ts`,
      `import { ${imports.join(', ')} } from '${P}';
import type { EventSink, IdempotencyStore, Logger, PolicyOptions, Repository } from '${P}';
import { ${deps.length > 0 ? 'ServiceClient, ' : ''}isRetryable, type Fetch } from './adapters/service-client';
import { StepFunctionsExecutions } from './adapters/step-functions';
import { WorkflowsExecutions } from './adapters/workflows';
import type { SagaExecutions, SagaState } from './application/saga';
import { createStepHandlers, type StepHandlers } from './application/steps';
import type { Config } from './config';
${secretsWiring(ctx).importType}
/** Resilience of every call to a depended-on service (from the architecture's resolved resilience). */
export const POLICY: PolicyOptions = ${policyLiteral(ctx, callTimeoutMs, s.resilience.retry.idempotent_only, ['isRetryable'])};

/** Everything the application needs from the outside world. */
export interface Dependencies {
${secretsWiring(ctx).field}  readonly logger: Logger;
  readonly events: EventSink;
  readonly sagas: Repository<SagaState>;
  readonly steps: StepHandlers;
  /** Deadline of one saga. */
  readonly timeoutMs: number;
  /** Where sagas run when not in this process: Step Functions (SAGA_STATE_MACHINE_ARN) or Cloud Workflows (SAGA_WORKFLOW). */
  readonly executions: SagaExecutions | undefined;
  /** Serve \`POST /steps\`, through which Cloud Workflows (SAGA_WORKFLOW) or Step Functions on Fargate (SAGA_STEPS_ENDPOINT) runs the steps. */
  readonly stepsEndpoint?: boolean;
  readonly idempotency: IdempotencyStore | undefined;
${outbox ? '  readonly relay: OutboxRelay;\n' : ''}  close(): Promise<void>;
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

/**
 * Real adapters or in-memory ones, as configured; one resilience policy per depended-on service${deps.length > 0 ? ', called through\n * a fetch signing with SigV4 when OUTBOUND_AUTH is aws-iam, with a Google ID token when google-id-token' : ''}.
 */
export function createDependencies(config: Config${secretsWiring(ctx).param}, ${deps.length > 0 ? 'fetchFn' : '_fetchFn'}: Fetch = ${deps.length > 0 ? 'outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION)' : 'fetch'}): Dependencies {
  const logger = createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL, redact: config.PII_FIELDS });
  const publisher = createPublisher(config.EVENT_BUS, config.EVENT_TARGET);
${outbox ? '  const outbox = createOutbox(config.STORE, `${config.TABLE_PREFIX}-outbox`, config.DATABASE_URL);\n' : ''}  return {
${secretsWiring(ctx).prop}    logger,
    events: createEventSink(publisher${outbox ? ', outbox' : ''}),
    sagas: createRepository<SagaState>(config.STORE, \`\${config.TABLE_PREFIX}-sagas\`, config.DATABASE_URL),
    steps: createStepHandlers({${clientFields.length > 0 ? `\n      ${clientFields.join('\n      ')}\n    ` : ''}}),
    timeoutMs: config.SAGA_TIMEOUT_SECONDS * 1000,
    executions: sagaExecutions(config),
    stepsEndpoint: config.SAGA_WORKFLOW !== '' || config.SAGA_STEPS_ENDPOINT,
    idempotency: ${idem ? `createIdempotencyStore(config.STORE, \`\${config.TABLE_PREFIX}-idempotency\`, config.DATABASE_URL)` : 'undefined'},
${outbox ? '    relay: new OutboxRelay(outbox, publisher, logger),\n' : ''}    close: () => closePools(),
  };
}
`,
    ),
    managed(
      `${ctx.dir}/src/app.ts`,
      `import { createHttpApp, HttpError${idem ? ', idempotency' : ''} } from '${P}';
import { parseStepEvent, type ParsedStep } from './adapters/step-event';
import { ${Saga}Orchestrator, ${camel(Saga)}Steps } from './application/saga';
import type { Dependencies } from './deps';

const SOURCE = '${s.name}';

/**
 * The HTTP app: start a ${Saga} and read its state. A saga runs here to completion or compensation (201), or is
 * handed to Step Functions or Cloud Workflows when the dependencies have executions (202: it is running there). With
 * \`stepsEndpoint\` (SAGA_WORKFLOW, or SAGA_STEPS_ENDPOINT on Fargate), \`POST /steps\` runs one step or compensation for the
 * workflow or the state machine.
 */
export function buildApp(deps: Dependencies) {
  const app = createHttpApp({ service: SOURCE, logger: deps.logger });
${idem ? `  if (deps.idempotency) {\n    app.use('*', idempotency({ store: deps.idempotency, header: '${s.spec.idempotency?.key_header ?? 'Idempotency-Key'}', ttlSeconds: ${(s.spec.idempotency?.ttl_hours ?? 24) * 3600} }));\n  }\n` : ''}  const orchestrator = new ${Saga}Orchestrator(${camel(Saga)}Steps(deps.steps), deps.sagas, deps.events, deps.logger, { source: SOURCE, timeoutMs: deps.timeoutMs, executions: deps.executions });
  app.post('/sagas', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const saga = await orchestrator.start(body);
    return c.json(saga, deps.executions ? 202 : 201, { location: \`/sagas/\${saga.id}\` });
  });
  app.get('/sagas/:id', async (c) => c.json(await orchestrator.get(c.req.param('id'))));
  if (deps.stepsEndpoint === true) {
    // Cloud Workflows or Step Functions runs each step and compensation here: the step event in, the step's result (JSON) out.
    app.post('/steps', async (c) => {
      const body: unknown = await c.req.json().catch(() => undefined);
      let parsed: ParsedStep;
      try {
        parsed = parseStepEvent(body);
      } catch (err) {
        throw new HttpError(400, err instanceof Error ? err.message : String(err));
      }
      const { event: e, run } = parsed;
      deps.logger.info({ sagaId: e.sagaId, step: e.step, action: e.action }, 'saga step');
      const result = await deps.steps[run]({ sagaId: e.sagaId, input: e.input, results: e.results, signal: AbortSignal.timeout(deps.timeoutMs) });
      return new Response(JSON.stringify(result ?? null), { headers: { 'content-type': 'application/json' } });
    });
  }
  return app;
}
`,
    ),
  );

  // ---- managed: the step event (the saga contract both clouds share), and the Lambda entry of the Step Functions
  // state machine (one step or compensation per invocation); Workflows POSTs the same event to /steps (app.ts)
  const nameMap = (names: readonly string[]) => (names.length === 0 ? '{}' : `{\n${names.map((n) => `  ${n}: '${camel(n)}',`).join('\n')}\n}`);
  files.push(
    managed(
      `${ctx.dir}/src/adapters/step-event.ts`,
      `import type { StepHandlers } from '../application/steps';

const SAGA = '${Saga}';
/** The steps and the compensations of ${Saga}, by the names the state machine or the workflow runs them with. */
const STEPS: Readonly<Record<string, keyof StepHandlers>> = ${nameMap(steps)};
const COMPENSATIONS: Readonly<Record<string, keyof StepHandlers>> = ${nameMap(comps)};

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
  if (saga !== SAGA) throw new Error(\`unknown saga \${String(saga)}: this handler runs \${SAGA}\`);
  if (action !== 'execute' && action !== 'compensate') throw new Error(\`unknown action \${String(action)}\`);
  const names = action === 'execute' ? STEPS : COMPENSATIONS;
  const run = typeof step === 'string' && Object.hasOwn(names, step) ? names[step] : undefined;
  if (typeof step !== 'string' || run === undefined) throw new Error(\`unknown \${action === 'execute' ? 'step' : 'compensation'} \${String(step)} of \${SAGA}\`);
  if (typeof sagaId !== 'string' || sagaId === '') throw new Error('sagaId must be a non-empty string');
  if (!isObject(input)) throw new Error('input must be a JSON object');
  if (!isObject(results)) throw new Error('results must be a JSON object');
  return { event: { saga, step, action, sagaId, input, results }, run };
}
`,
    ),
    managed(
      `${ctx.dir}/test/step-event.test.ts`,
      `import { parseStepEvent } from '../src/adapters/step-event';

const event = (fields: Record<string, unknown> = {}) => ({ saga: '${Saga}', step: '${steps[0]}', action: 'execute', sagaId: 's1', input: {}, results: {}, ...fields });

describe('parseStepEvent', () => {
  test('names the handler of a step${comps.length > 0 ? ' and of a compensation' : ''}', () => {
    expect(parseStepEvent(event({ input: { a: 1 } }))).toEqual({ event: event({ input: { a: 1 } }), run: '${camel(steps[0]!)}' });
${comps.length > 0 ? `    expect(parseStepEvent(event({ step: '${comps[0]}', action: 'compensate' })).run).toBe('${camel(comps[0]!)}');
` : ''}  });

  test('refuses anything but a well-formed event of this saga', () => {
    expect(() => parseStepEvent([])).toThrow('expected a step event object');
    expect(() => parseStepEvent(event({ saga: 'Other' }))).toThrow('unknown saga Other');
    expect(() => parseStepEvent(event({ action: 'undo' }))).toThrow('unknown action undo');
    expect(() => parseStepEvent(event({ step: 'toString' }))).toThrow('unknown step toString');
    expect(() => parseStepEvent(event({ step: 1, action: 'compensate' }))).toThrow('unknown compensation 1');
    expect(() => parseStepEvent(event({ sagaId: '' }))).toThrow('sagaId must be a non-empty string');
    expect(() => parseStepEvent(event({ input: null }))).toThrow('input must be a JSON object');
    expect(() => parseStepEvent(event({ results: [1] }))).toThrow('results must be a JSON object');
  });
});
`,
    ),
    managed(
      `${ctx.dir}/src/entry/step.ts`,
      lambdaEntry(ctx, `import type { Context } from 'aws-lambda';
import { parseStepEvent } from '../adapters/step-event';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';

export { parseStepEvent, type ParsedStep, type StepEvent } from '../adapters/step-event';

const deps = createDependencies(loadConfig(process.env));

/** Runs one step or compensation through the steps port and returns its result (kept by the state machine). */
export const handler = async (event: unknown, context?: Context): Promise<unknown> => {
  const { event: e, run } = parseStepEvent(event);
  // Abort a second before Lambda's own timeout, so that the step can stop cleanly.
  const remainingMs = context ? context.getRemainingTimeInMillis() - 1000 : deps.timeoutMs;
  const signal = AbortSignal.timeout(Math.max(remainingMs, 1));
  deps.logger.info({ sagaId: e.sagaId, step: e.step, action: e.action }, 'saga step');
  return deps.steps[run]({ sagaId: e.sagaId, input: e.input, results: e.results, signal });
};
`),
    ),
  );

  // ---- owned: the steps port and its default handlers
  const handlerNames = [...steps, ...comps];
  const clientsType =
    used.length > 0 || deps.length > 0
      ? `export interface ServiceClients {\n${deps.map((d) => `  readonly ${camel(d)}: ServiceClient;`).join('\n')}\n}`
      : 'export type ServiceClients = Record<string, never>;';
  const handlerImpl = (name: string, i: number, compensation: boolean): string => {
    const dep = stepService[i];
    if (!dep) return `    // ${compensation ? `undoes ${steps[i]!}` : 'names no depended-on service'}: runs here.\n    ${camel(name)}: () => Promise.resolve({}),`;
    return `    ${camel(name)}: (ctx) => clients.${camel(dep)}.post('/${kebab(name)}', { sagaId: ctx.sagaId, ...ctx.input }, \`\${ctx.sagaId}:${kebab(name)}\`),`;
  };
  files.push(
    owned(
      `${ctx.dir}/src/application/steps.ts`,
      `${deps.length > 0 ? "import type { ServiceClient } from '../adapters/service-client';\n\n" : ''}/** What a step or compensation gets: the saga's id and input, the results of the steps before it, a deadline signal. */
export interface StepContext {
  readonly sagaId: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly results: Readonly<Record<string, unknown>>;
  /** Aborted when the saga's deadline passes. */
  readonly signal: AbortSignal;
}

/** Port: one handler per step and per compensation of ${Saga}; a step's result is kept in the saga state. */
export interface StepHandlers {
${handlerNames.map((h) => `  ${camel(h)}(ctx: StepContext): Promise<unknown>;`).join('\n')}
}

/** The clients of the services this one depends on. */
${clientsType}

/**
 * The default handlers: a step calls the service it names (${steps[0]} → ${stepService[0] ?? 'none'}) with the saga id as
 * idempotency key, its compensation calls the same service; a step naming no service runs here.
 */
export function createStepHandlers(${used.length > 0 ? 'clients' : '_clients'}: ServiceClients): StepHandlers {
  return {
${steps.map((st, i) => handlerImpl(st, i, false)).join('\n')}
${comps.map((c, i) => handlerImpl(c, i, true)).join('\n')}
  };
}
`,
    ),
  );

  // ---- owned: the orchestrator
  const stepList = steps
    .map((st, i) => {
      const c = comps[i];
      return `    { name: '${st}', run: (ctx) => handlers.${camel(st)}(ctx)${c ? `, compensation: { name: '${c}', run: (ctx) => handlers.${camel(c)}(ctx) }` : ''} },`;
    })
    .join('\n');
  const emit = (events: string[], data: string) => (events.length > 0 ? `    await this.events.emit([${events.map((e) => `newEvent('${e}', this.options.source, ${data})`).join(', ')}]);\n` : '');
  files.push(
    owned(
      `${ctx.dir}/src/application/saga.ts`,
      `import { randomUUID } from 'node:crypto';
import { HttpError${publishes.length > 0 ? ', newEvent' : ''} } from '${P}';
import type { EventSink, Logger, Repository } from '${P}';
import type { StepContext, StepHandlers } from './steps';

export type SagaStatus = 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';

/** One run of ${Saga}, as kept in the repository. */
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

/** A step and the compensation that undoes it. */
export interface SagaStep {
  readonly name: string;
  run(ctx: StepContext): Promise<unknown>;
  readonly compensation?: { readonly name: string; run(ctx: StepContext): Promise<unknown> };
}

/** The steps of ${Saga} in order; compensation[i] undoes steps[i]. */
export function ${camel(Saga)}Steps(handlers: StepHandlers): SagaStep[] {
  return [
${stepList}
  ];
}

/** The saga ran past its deadline. */
export class SagaTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(\`saga timed out after \${timeoutMs} ms\`);
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
 * Runs the steps of ${Saga} in order, saving the state after each. When a step fails or the deadline passes, it runs
 * the compensations of the completed steps in reverse order (a step without one is skipped); a compensation that
 * fails leaves the saga \`failed\`, for someone to look at. With \`executions\` (Step Functions, Workflows), it saves the saga as
 * \`running\` and starts its execution there instead.
 */
export class ${Saga}Orchestrator {
  constructor(
    private readonly steps: readonly SagaStep[],
    private readonly sagas: Repository<SagaState>,
    private readonly events: EventSink,
    private readonly logger: Logger,
    private readonly options: OrchestratorOptions,
  ) {}

  async start(input: unknown): Promise<SagaState> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'expected a JSON object');
    const started = this.now();
    const deadline = started + this.options.timeoutMs;
    const state: SagaState = {
      id: randomUUID(),
      status: 'running',
      input: { ...(input as Record<string, unknown>) },
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
${emit(onFailure, '{ sagaId: state.id, input: state.input, error: state.error, status: state.status }').replace(/^ {4}/gm, '      ')}      return state;
    }
    state.status = 'completed';
    await this.save(state);
${emit(onSuccess, '{ sagaId: state.id, input: state.input, results: state.results }')}    return state;
  }

  /** Starts the saga's execution elsewhere; it stays \`running\` here. A refused start leaves it \`failed\`, and rethrows. */
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

  /** Runs \`run\`, rejecting with SagaTimeoutError (and aborting its signal) when the deadline passes first. */
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
`,
    ),
  );

  // ---- owned tests: success, failure at each step → the compensation order, timeout
  const failureCases = steps.map((st, i) => {
    const ran = steps.slice(0, i + 1);
    const undone = steps
      .slice(0, i)
      .map((_, j) => comps[j])
      .filter((c): c is string => c !== undefined)
      .reverse();
    return `    ['${st}', ${JSON.stringify([...ran, ...undone])}, ${JSON.stringify(undone)}],`;
  });
  const failingComp = comps.findIndex((c, i) => c !== undefined && i < steps.length - 1);
  const lastStep = steps[steps.length - 1]!;
  files.push(
    owned(
      `${ctx.dir}/test/saga.test.ts`,
      `import { ${outbox ? 'MemoryOutbox, ' : ''}MemoryPublisher, MemoryRepository, ${outbox ? 'OutboxRelay, ' : ''}createEventSink, createLogger } from '${P}';
import { buildApp } from '../src/app';
import { ${Saga}Orchestrator, ${camel(Saga)}Steps, type SagaExecutions, type SagaState } from '../src/application/saga';
import type { StepContext, StepHandlers } from '../src/application/steps';
import type { Dependencies } from '../src/deps';

/** Step handlers that record their calls; \`fail\` rejects, \`hang\` waits for the deadline. */
function recorder(options: { fail?: string; hang?: string; onCall?: (name: string) => void } = {}) {
  const calls: string[] = [];
  const handler = (name: string) => (ctx: StepContext) => {
    calls.push(name);
    options.onCall?.(name);
    if (name === options.fail) return Promise.reject(new Error(\`\${name} failed\`));
    if (name === options.hang) return new Promise<unknown>((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return Promise.resolve({ done: name });
  };
  const steps: StepHandlers = {
${handlerNames.map((h) => `    ${camel(h)}: handler('${h}'),`).join('\n')}
  };
  return { calls, steps };
}

function setup(steps: StepHandlers, timeoutMs = 1000, executions?: SagaExecutions) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
${secretsWiring(ctx).testProp}    logger,
    events: createEventSink(publisher),
    sagas: new MemoryRepository<SagaState>(),
    steps,
    timeoutMs,
    executions,
    idempotency: undefined,
${outbox ? '    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger),\n' : ''}    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, deps };
}

const start = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('${Saga}', () => {
  test('runs every step in order and completes', async () => {
    // GIVEN steps that all succeed
    const { calls, steps } = recorder();
    const { app, publisher } = setup(steps);
    // WHEN a saga starts
    const res = await app.request('/sagas', start({ orderId: 'o1' }));
    // THEN it completed, ran the steps in order, and can be read back
    expect(res.status).toBe(201);
    const saga = (await res.json()) as SagaState;
    expect(saga.status).toBe('completed');
    expect(calls).toEqual(${JSON.stringify(steps)});
    expect(saga.completed).toEqual(${JSON.stringify(steps)});
    expect(((await (await app.request(\`/sagas/\${saga.id}\`)).json()) as SagaState).status).toBe('completed');
    expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(onSuccess)});
  });

  test.each<[string, string[], string[]]>([
${failureCases.join('\n')}
  ])('a failure at %s runs the compensations of the completed steps in reverse order', async (failing, expectedCalls, expectedCompensations) => {
    // GIVEN a step that fails
    const { calls, steps } = recorder({ fail: failing });
    const { app, publisher } = setup(steps);
    // WHEN a saga starts
    const saga = (await (await app.request('/sagas', start({ orderId: 'o1' }))).json()) as SagaState;
    // THEN the completed steps were undone, last first
    expect(calls).toEqual(expectedCalls);
    expect(saga).toMatchObject({ status: 'compensated', compensated: expectedCompensations, error: \`\${failing} failed\` });
    expect(publisher.published.map((e) => e.type)).toEqual(${JSON.stringify(onFailure)});
  });

  test('a step still running at the deadline is aborted and the saga compensated', async () => {
    // GIVEN the last step hangs and a 20 ms deadline
    const { calls, steps } = recorder({ hang: '${lastStep}' });
    const { app } = setup(steps, 20);
    // WHEN a saga starts
    const saga = (await (await app.request('/sagas', start({}))).json()) as SagaState;
    // THEN it timed out and undid what was done
    expect(saga.status).toBe('compensated');
    expect(saga.error).toMatch(/timed out/);
    expect(calls.slice(0, ${steps.length})).toEqual(${JSON.stringify(steps)});
  });

  test('no step starts after the deadline', async () => {
    // GIVEN a clock that passes the deadline right after the saga starts
    let ticks = 0;
    const { calls, steps } = recorder();
    const orchestrator = new ${Saga}Orchestrator(${camel(Saga)}Steps(steps), new MemoryRepository<SagaState>(), createEventSink(new MemoryPublisher()), createLogger({ service: 'test', level: 'silent' }), { source: 'test', timeoutMs: 1000, now: () => (ticks++ === 0 ? 0 : 5000) });
    // WHEN a saga starts
    const saga = await orchestrator.start({});
    // THEN no step ran
    expect(saga).toMatchObject({ status: 'compensated', completed: [] });
    expect(saga.error).toMatch(/timed out/);
    expect(calls).toEqual([]);
  });
${failingComp >= 0 ? `
  test('a failing compensation leaves the saga failed, and the other compensations still run', async () => {
    const { steps } = recorder({ fail: '${lastStep}' });
    steps.${camel(comps[failingComp]!)} = () => Promise.reject(new Error('cannot undo'));
    const { app } = setup(steps);
    const saga = (await (await app.request('/sagas', start({}))).json()) as SagaState;
    expect(saga.status).toBe('failed');
    expect(saga.compensated).not.toContain('${comps[failingComp]}');
  });
` : ''}
  test('with executions (Step Functions), the saga is started there: 202, running, no step run here', async () => {
    // GIVEN executions that record what they start
    const started: [string, unknown][] = [];
    const executions: SagaExecutions = {
      start: (id, input) => {
        started.push([id, input]);
        return Promise.resolve();
      },
    };
    const { calls, steps } = recorder();
    const { app, publisher } = setup(steps, 1000, executions);
    // WHEN a saga starts
    const res = await app.request('/sagas', start({ orderId: 'o1' }));
    // THEN its execution was started with its id and input, and it reads back as running
    expect(res.status).toBe(202);
    const saga = (await res.json()) as SagaState;
    expect(res.headers.get('location')).toBe(\`/sagas/\${saga.id}\`);
    expect(started).toEqual([[saga.id, { orderId: 'o1' }]]);
    expect(calls).toEqual([]);
    expect(publisher.published).toEqual([]);
    expect(((await (await app.request(\`/sagas/\${saga.id}\`)).json()) as SagaState).status).toBe('running');
  });

  test('a saga whose execution could not start is failed, and the request a 500', async () => {
    // GIVEN executions that refuse to start
    const { app, deps } = setup(recorder().steps, 1000, { start: () => Promise.reject(new Error('AccessDenied')) });
    // WHEN a saga starts THEN the request fails and the saga is kept as failed, with the reason
    expect((await app.request('/sagas', start({}))).status).toBe(500);
    expect(await deps.sagas.list()).toEqual([expect.objectContaining({ status: 'failed', error: 'AccessDenied' })]);
  });

  test('with the steps endpoint (Cloud Workflows, Step Functions on Fargate), POST /steps runs the named step or compensation and answers its result', async () => {
    // GIVEN the endpoint on
    const { calls, steps } = recorder();
    const app = buildApp({ ...setup(steps).deps, stepsEndpoint: true });
    const post = (body: unknown) => app.request('/steps', start(body));
    const event = { saga: '${Saga}', step: '${steps[0]}', action: 'execute', sagaId: 'execution-1', input: { orderId: 'o1' }, results: {} };
    // WHEN the workflow runs a step
    const res = await post(event);
    // THEN the handler ran and its result is the answer
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: '${steps[0]}' });
    expect(calls).toEqual(['${steps[0]}']);
${comps.length > 0 ? `    expect(await (await post({ ...event, step: '${comps[0]}', action: 'compensate' })).json()).toEqual({ done: '${comps[0]}' });
` : ''}    // AND a malformed event is a 400, a failing step a 500
    expect((await post({ ...event, step: 'NoSuchStep' })).status).toBe(400);
    expect((await app.request('/steps', { method: 'POST', body: 'not json' })).status).toBe(400);
    const failing = buildApp({ ...setup(recorder({ fail: '${steps[0]}' }).steps).deps, stepsEndpoint: true });
    expect((await failing.request('/steps', start(event))).status).toBe(500);
    // AND without it there is no such route
    expect((await setup(steps).app.request('/steps', start(event))).status).toBe(404);
  });

  test('a step without a result answers null', async () => {
    const { steps } = recorder();
    steps.${camel(steps[0]!)} = () => Promise.resolve(undefined);
    const app = buildApp({ ...setup(steps).deps, stepsEndpoint: true });
    const res = await app.request('/steps', start({ saga: '${Saga}', step: '${steps[0]}', action: 'execute', sagaId: 'e', input: {}, results: {} }));
    expect(await res.json()).toBeNull();
  });

  test('invalid input is a 400, an unknown saga a 404', async () => {
    const { app } = setup(recorder().steps);
    expect((await app.request('/sagas', start([1]))).status).toBe(400);
    expect((await app.request('/sagas', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await app.request('/sagas/nope')).status).toBe(404);
  });

  test('health and readiness', async () => {
    const { app } = setup(recorder().steps);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
`,
    ),
  );

  // owned test of the default step handlers, against a fake fetch
  const remoteStep = steps.find((_, i) => stepService[i] !== undefined);
  const remote = handlerNames
    .map((h) => {
      const i = steps.includes(h) ? steps.indexOf(h) : comps.indexOf(h);
      return [h, stepService[i]] as const;
    });
  files.push(
    owned(
      `${ctx.dir}/test/steps.test.ts`,
      `${deps.length > 0 ? `import { createPolicy } from '${P}';\nimport { ServiceClient, type Fetch } from '../src/adapters/service-client';\n` : ''}import { createStepHandlers, type StepContext } from '../src/application/steps';

describe('default step handlers', () => {
  test('each step calls the service it names, with the saga id as idempotency key', async () => {
    // GIVEN clients over a fake fetch
${deps.length > 0 ? `    const urls: string[] = [];
    const fetchFn: Fetch = (url, init) => {
      urls.push(\`\${url} \${String((init.headers as Record<string, string>)['idempotency-key'])}\`);
      return Promise.resolve(new Response('{"ok":true}'));
    };
    const policy = () => createPolicy({ retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 }, circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 1000 }, bulkhead: { maxConcurrent: 5, maxQueue: 5 }, timeoutMs: 1000 });
    const handlers = createStepHandlers({
${deps.map((d) => `      ${camel(d)}: new ServiceClient('${d}', 'http://${d}', policy(), fetchFn),`).join('\n')}
    });` : '    const urls: string[] = [];\n    const handlers = createStepHandlers({});'}
    const ctx: StepContext = { sagaId: 's1', input: { orderId: 'o1' }, results: {}, signal: new AbortController().signal };
    // WHEN every handler runs
${handlerNames.map((h) => `    await handlers.${camel(h)}(ctx);`).join('\n')}
    // THEN the remote ones were called
    expect(urls).toEqual(${JSON.stringify(remote.filter(([, d]) => d).map(([h, d]) => `http://${d}/${kebab(h)} s1:${kebab(h)}`))});
  });
});
`,
    ),
    managed(
      `${ctx.dir}/test/deps.test.ts`,
      `import { FirestoreRepository } from '${P}';
import { StepFunctionsExecutions } from '../src/adapters/step-functions';
import { WorkflowsExecutions } from '../src/adapters/workflows';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
${remoteStep !== undefined ? `\n${WITH_AWS_ENV}` : ''}
describe('dependency wiring', () => {
  test('defaults to in-memory adapters, in-process sagas and the saga deadline of the architecture', async () => {
    const deps = createDependencies(loadConfig({})${secretsWiring(ctx).testArg});
    expect(deps.timeoutMs).toBe(${timeoutSeconds * 1000});
    expect(deps.executions).toBeUndefined();
    await expect(deps.sagas.list()).resolves.toEqual([]);
${outbox ? '    await expect(deps.relay.runOnce()).resolves.toBe(0);\n' : ''}    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with SAGA_STATE_MACHINE_ARN, sagas run on Step Functions; with SAGA_STEPS_ENDPOINT (Fargate) their steps run here, through POST /steps', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:${Saga}';
    const deps = createDependencies(loadConfig({ SAGA_STATE_MACHINE_ARN: arn })${secretsWiring(ctx).testArg});
    expect(deps.executions).toBeInstanceOf(StepFunctionsExecutions);
    expect(deps.stepsEndpoint).toBe(false);
    const onFargate = createDependencies(loadConfig({ SAGA_STATE_MACHINE_ARN: arn, SAGA_STEPS_ENDPOINT: 'true' })${secretsWiring(ctx).testArg});
    expect(onFargate.executions).toBeInstanceOf(StepFunctionsExecutions);
    expect(onFargate.stepsEndpoint).toBe(true);
  });

  test('with SAGA_WORKFLOW, sagas run on Cloud Workflows; both set, or a malformed workflow, fail at start-up', () => {
    const workflow = 'projects/shop-prod/locations/europe-west1/workflows/${kebab(Saga)}';
    const deps = createDependencies(loadConfig({ SAGA_WORKFLOW: workflow })${secretsWiring(ctx).testArg});
    expect(deps.executions).toBeInstanceOf(WorkflowsExecutions);
    expect(deps.stepsEndpoint).toBe(true);
    expect(createDependencies(loadConfig({})${secretsWiring(ctx).testArg}).stepsEndpoint).toBe(false);
    expect(() => createDependencies(loadConfig({ SAGA_WORKFLOW: workflow, SAGA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:${Saga}' })${secretsWiring(ctx).testArg})).toThrow(
      'set at most one of SAGA_STATE_MACHINE_ARN (Step Functions) and SAGA_WORKFLOW (Cloud Workflows)',
    );
    expect(() => createDependencies(loadConfig({ SAGA_WORKFLOW: '${kebab(Saga)}' })${secretsWiring(ctx).testArg})).toThrow('SAGA_WORKFLOW must be projects/');
  });

  test('with STORE=firestore, saga state is kept in Firestore (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ STORE: 'firestore', FIRESTORE_DATABASE: 'shop' })${secretsWiring(ctx).testArg});
    expect(deps.sagas).toBeInstanceOf(FirestoreRepository);
    await expect(deps.close()).resolves.toBeUndefined();
  });
${remoteStep !== undefined ? `
  test('with OUTBOUND_AUTH=aws-iam, calls to the depended-on services are signed (SigV4 for execute-api)', async () => {
    const ctx = { sagaId: 's1', input: {}, results: {}, signal: new AbortController().signal };
    const run = (env: Record<string, string>) => () => createDependencies(loadConfig(env)${secretsWiring(ctx).testArg}).steps.${camel(remoteStep)}(ctx);
    const [signed] = await withAwsEnv(run({ OUTBOUND_AUTH: 'aws-iam', AWS_REGION: 'eu-west-1' }));
    expect(signed?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\\/\\d{8}\\/eu-west-1\\/execute-api\\/aws4_request, /);
    const [plain] = await withAwsEnv(run({}));
    expect(plain?.authorization).toBeUndefined();
  });
` : ''}});
`,
    ),
  );
  return files;
}
