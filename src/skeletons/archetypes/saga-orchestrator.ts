/**
 * saga-orchestrator: runs the saga's steps in order; when one fails (or the deadline passes) it runs the
 * compensations of the completed steps in reverse order. Steps are an owned port whose default handlers call the
 * depends_on services over HTTP through the platform's resilience policy (signed with SigV4 when OUTBOUND_AUTH is
 * aws-iam, with a Google ID token when google-id-token, with the service's own Ed25519 key when ed25519); saga state is kept in a repository. With SAGA_STATE_MACHINE_ARN
 * (set by the AWS target) a saga is handed to Step Functions, which runs each step through `src/entry/step.ts`, and with
 * SAGA_WORKFLOW (set by the GCP target) to Cloud Workflows, instead of running here. Run here (Fly.io, `allframe dev`),
 * sagas are durable in the repository: the container entry resumes those a dead process left running or compensating,
 * each taken over by one process through a lease and a conditional write (application/saga.ts). The code is in
 * templates/saga-orchestrator/; this file keeps the per-service data.
 */
import type { OutputFile } from '../../model/output-file';
import { ConfigVar, storeConfig } from '../common';
import type { ServiceContext } from '../context';
import { dockerfile, servicePackage, typedCallees } from '../context';
import { camel, constant, kebab } from '../names';
import { outboundConfig } from '../outbound';
import { apiDocsVar, policyNames, serviceClients, serviceConfig, serviceData, serviceHttpEntries, serviceOpenApiTest } from '../service-files';
import { typedTestData } from './stateless';
import { templateFile, type Names, type TemplateData } from '../template';

/** The platform's PolicyOptions for the service's resolved resilience, as a TypeScript object literal (gateway.ts). */
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

/** The lease of a saga run in the service's process, unless SAGA_LEASE_SECONDS says otherwise: a minute. */
const SAGA_LEASE_SECONDS = 60;

/** What the templates need to know of the saga. */
interface Saga {
  readonly name: string;
  readonly steps: readonly string[];
  readonly comps: readonly string[];
  readonly timeoutSeconds: number;
  /** depends_on. */
  readonly deps: readonly string[];
  /** The service each step names (its compensation calls the same one), by step index. */
  readonly stepService: readonly (string | undefined)[];
}

function sagaOf(ctx: ServiceContext): Saga {
  const spec = ctx.service.spec.saga ?? { name: 'Saga', steps: ['Run'], compensation: [], timeout_seconds: 300 };
  const deps = ctx.service.spec.depends_on ?? [];
  return { name: spec.name, steps: spec.steps, comps: spec.compensation ?? [], timeoutSeconds: ctx.service.sizing.saga.timeout_seconds, deps, stepService: spec.steps.map((st) => serviceFor(st, deps)) };
}

function sagaConfig(ctx: ServiceContext, saga: Saga): Record<string, ConfigVar> {
  const S = saga.name;
  return {
    ...storeConfig(ctx),
    SAGA_TIMEOUT_SECONDS: { kind: 'int', default: String(saga.timeoutSeconds), description: `Deadline of one ${S}, in seconds` },
    SAGA_LEASE_SECONDS: { kind: 'int', default: String(SAGA_LEASE_SECONDS), description: `How long the process running a ${S} here holds it without renewing its lease (renewed every third of it); a saga whose process died is taken over once it has expired, looked for every half of it` },
    SAGA_STATE_MACHINE_ARN: { kind: 'string', default: '', description: `Step Functions state machine running ${S} (empty: the steps run in this process)` },
    SAGA_WORKFLOW: { kind: 'string', default: '', description: `Cloud Workflows workflow running ${S}, projects/<project>/locations/<region>/workflows/<name> (empty: the steps run in this process; at most one of SAGA_STATE_MACHINE_ARN and SAGA_WORKFLOW)` },
    SAGA_STEPS_ENDPOINT: { kind: 'bool', default: 'false', description: `Serve POST /steps, through which the state machine runs the steps of ${S} in this service (set by the AWS target on Fargate; SAGA_WORKFLOW implies it)` },
    ...(saga.deps.length > 0 ? outboundConfig() : {}),
    ...Object.fromEntries(saga.deps.map((d) => [`${constant(d)}_URL`, { kind: 'string', default: `http://${d}:8080`, description: `Base URL of ${d}` } satisfies ConfigVar])),
  };
}

/** The service a handler calls (a compensation: its step's), if any. */
function handlerService(saga: Saga, name: string): string | undefined {
  return saga.stepService[saga.steps.includes(name) ? saga.steps.indexOf(name) : saga.comps.indexOf(name)];
}

/** The handler of a step or compensation (`reserveFlight`), '' for none. */
const handlerOf = (name: string | undefined): string => (name === undefined ? '' : camel(name));

/** The body of `createStepHandlers` (steps.ts): a remote call per handler naming a service, else a local stub. */
function handlersSlot(saga: Saga): string {
  const one = (name: string, i: number, compensation: boolean): string => {
    const dep = saga.stepService[i];
    if (!dep) return `// ${compensation ? `undoes ${saga.steps[i]!}` : 'names no depended-on service'}: runs here.\n${camel(name)}: () => Promise.resolve({}),`;
    return `${camel(name)}: (ctx) => clients.${camel(dep)}.post('/${kebab(name)}', { sagaId: ctx.sagaId, ...ctx.input }, \`\${ctx.sagaId}:${kebab(name)}\`),`;
  };
  return [...saga.steps.map((st, i) => one(st, i, false)), ...saga.comps.map((c, i) => one(c, i, true))].join('\n');
}

/** The rows of saga.test.ts's failure table: the failing step, the calls made, the compensations run. */
function failureCasesSlot(saga: Saga): string {
  return saga.steps
    .map((st, i) => {
      const undone = saga.steps
        .slice(0, i)
        .map((_, j) => saga.comps[j])
        .filter((c): c is string => c !== undefined)
        .reverse();
      return `['${st}', ${JSON.stringify([...saga.steps.slice(0, i + 1), ...undone])}, ${JSON.stringify(undone)}],`;
    })
    .join('\n');
}

/** The names, flags, lists and slots of the saga's templates. */
function sagaData(ctx: ServiceContext, saga: Saga): TemplateData {
  const s = ctx.service;
  const { steps, comps, deps } = saga;
  const publishes = s.spec.publishes ?? [];
  const onSuccess = publishes.filter((e) => !FAILURE_EVENT.test(e));
  const onFailure = publishes.filter((e) => FAILURE_EVENT.test(e));
  const outbox = s.spec.messaging?.pattern === 'outbox';
  const idem = s.spec.idempotency?.enabled === true;
  const handlers = [...steps, ...comps];
  const remoteStep = steps.find((_, i) => saga.stepService[i] !== undefined);
  const failingComp = comps.findIndex((c, i) => c !== undefined && i < steps.length - 1);
  const typed = typedTestData(ctx);
  const remoteCalls = handlers.flatMap((h) => {
    const d = handlerService(saga, h);
    return d ? [`http://${d}/${kebab(h)} s1:${kebab(h)}`] : [];
  });
  const step = (st: string): Names => ({ step: st, handler: camel(st) });
  const comp = (c: string): Names => ({ comp: c, compHandler: camel(c) });
  const event = (e: string): Names => ({ event: e });
  return serviceData(ctx, {
    names: {
      ...policyNames(ctx, ctx.service.sizing.timeout_seconds * 1000, 'callTimeoutMs'),
      Saga: saga.name,
      saga: camel(saga.name),
      sagaFile: kebab(saga.name),
      firstStep: steps[0]!,
      firstHandler: camel(steps[0]!),
      firstStepService: saga.stepService[0] ?? 'none',
      firstComp: comps[0] ?? '',
      firstCompHandler: handlerOf(comps[0]),
      andCompensation: comps.length > 0 ? ' and of a compensation' : '',
      lastStep: steps[steps.length - 1]!,
      lastHandler: camel(steps[steps.length - 1]!),
      stepCount: String(steps.length),
      stepsJson: JSON.stringify(steps),
      successJson: JSON.stringify(onSuccess),
      failureJson: JSON.stringify(onFailure),
      failingComp: comps[failingComp] ?? '',
      failingCompHandler: handlerOf(comps[failingComp]),
      remoteHandler: handlerOf(remoteStep),
      remoteService: remoteStep === undefined ? '' : saga.stepService[steps.indexOf(remoteStep)]!,
      remoteCalls: JSON.stringify(remoteCalls),
      clientsParam: saga.stepService.some((d) => d !== undefined) ? 'clients' : '_clients',
      timeoutMs: String(saga.timeoutSeconds * 1000),
      idempotencyHeader: s.sizing.idempotency.key_header,
      idempotencyTtl: String(s.sizing.idempotency.ttl_hours * 3600),
      withOutbox: String(outbox),
      withIdempotency: String(idem),
      ...typed.names,
    },
    flags: {
      outbox,
      idempotency: idem,
      clients: deps.length > 0,
      typedClients: typedCallees(ctx).length > 0,
      typedTest: typed.typedTest,
      remote: remoteStep !== undefined,
      compensations: comps.length > 0,
      events: publishes.length > 0,
      successEvents: onSuccess.length > 0,
      failureEvents: onFailure.length > 0,
      failingComp: failingComp >= 0,
    },
    lists: {
      steps: steps.map(step),
      compensations: comps.map(comp),
      compensatedSteps: steps.slice(0, comps.length).map((st, i) => ({ ...step(st), ...comp(comps[i]!) })),
      uncompensatedSteps: steps.slice(comps.length).map(step),
      clients: deps.map((d) => ({ client: camel(d), dep: d, depUrl: `${constant(d)}_URL` })),
      successEvents: onSuccess.map(event),
      failureEvents: onFailure.map(event),
    },
    slots: {
      noClients: deps.length > 0 ? '' : 'export type ServiceClients = Record<string, never>;',
      handlers: handlersSlot(saga),
      failureCases: failureCasesSlot(saga),
    },
  });
}

export function renderSagaOrchestrator(ctx: ServiceContext): OutputFile[] {
  const saga = sagaOf(ctx);
  const data = sagaData(ctx, saga);
  const managed = (file: string) => templateFile('managed', ctx.dir, `saga-orchestrator/${file}`, data);
  const owned = (file: string) => templateFile('owned', ctx.dir, `saga-orchestrator/${file}`, data);
  return [
    servicePackage(ctx, ['hono', '@hono/zod-openapi', 'zod', '@aws-sdk/client-sfn', '@google-cloud/workflows']),
    serviceConfig(ctx, { ...sagaConfig(ctx, saga), API_DOCS: apiDocsVar(ctx) }),
    // the container entry of its own: it resumes interrupted sagas (and relays the outbox); the shared Lambda entries
    managed('src/entry/server.ts'),
    ...serviceHttpEntries(ctx, { relay: data.flags?.outbox === true }).filter((f) => !f.path.endsWith('/src/entry/server.ts')),
    dockerfile(ctx, 'server'),
    // the HTTP client of the depended-on services, the Step Functions and Cloud Workflows adapters of the executions port
    managed('src/adapters/service-client.ts'),
    // typed clients of the depended-on services that export their routes
    ...serviceClients(ctx),
    managed('test/service-client.test.ts'),
    managed('src/adapters/step-functions.ts'),
    managed('test/step-functions.test.ts'),
    managed('src/adapters/workflows.ts'),
    managed('test/workflows.test.ts'),
    // wiring and routes
    managed('src/deps.ts'),
    managed('src/app.ts'),
    managed('src/routes.ts'),
    // the step event (the saga contract both clouds share), and the Lambda entry of the Step Functions state machine (one
    // step or compensation per invocation); Workflows POSTs the same event to /steps (app.ts)
    managed('src/adapters/step-event.ts'),
    managed('test/step-event.test.ts'),
    managed('src/entry/step.ts'),
    // the user's: the steps port and its default handlers, the orchestrator, their tests
    owned('src/application/steps.ts'),
    owned('src/application/saga.ts'),
    owned('test/saga.test.ts'),
    owned('test/resume.test.ts'),
    owned('test/steps.test.ts'),
    managed('test/deps.test.ts'),
    serviceOpenApiTest(ctx),
  ];
}
