import {
  createPolicy, // @if typedClients
  MemoryOutbox, // @if outbox
  MemoryPublisher,
  MemoryRepository,
  OutboxRelay, // @if outbox
  createEventSink,
  createLogger,
  testSecrets,
} from '@allframe/platform';
import { compileErrors, validate } from '@readme/openapi-parser';
import { buildApp } from '../src/app';
import { __Saga__Orchestrator, __saga__Steps, type SagaExecutions, type SagaState } from '../src/application/saga';
import type { StepContext, StepHandlers } from '../src/application/steps';
import { createClients } from '../src/clients'; // @if typedClients
import { loadConfig } from '../src/config'; // @if typedClients
import {
  POLICY, // @if typedClients
  type Dependencies,
} from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';

/** Step handlers that record their calls; `fail` rejects, `hang` waits for the deadline. */
function recorder(options: { fail?: string; hang?: string; onCall?: (name: string) => void } = {}) {
  const calls: string[] = [];
  const handler = (name: string) => (ctx: StepContext) => {
    calls.push(name);
    options.onCall?.(name);
    if (name === options.fail) return Promise.reject(new Error(`${name} failed`));
    if (name === options.hang) return new Promise<unknown>((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return Promise.resolve({ done: name });
  };
  const steps: StepHandlers = {
    __handler__: handler('__step__'), // @each steps
    __compHandler__: handler('__comp__'), // @each compensations
  };
  return { calls, steps };
}

function setup(steps: StepHandlers, timeoutMs = 1000, executions?: SagaExecutions) {
  const publisher = new MemoryPublisher();
  const logger = createLogger({ service: 'test', level: 'silent' });
  const deps: Dependencies = {
    secrets: testSecrets(SECRET_NAMES),
    logger,
    events: createEventSink(publisher),
    sagas: new MemoryRepository<SagaState>(),
    steps,
    clients: createClients(loadConfig({}), () => createPolicy(POLICY), () => Promise.reject(new Error('no calls in these tests'))), // @if typedClients
    timeoutMs,
    leaseMs: 60_000,
    executions,
    idempotency: undefined,
    relay: new OutboxRelay(new MemoryOutbox(), publisher, logger), // @if outbox
    apiDocs: true,
    close: () => Promise.resolve(),
  };
  return { app: buildApp(deps), publisher, deps };
}

const start = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('__Saga__', () => {
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
    expect(calls).toEqual(/*=stepsJson*/ calls);
    expect(saga.completed).toEqual(/*=stepsJson*/ calls);
    expect(((await (await app.request(`/sagas/${saga.id}`)).json()) as SagaState).status).toBe('completed');
    expect(publisher.published.map((e) => e.type)).toEqual(/*=successJson*/ calls);
  });

  test.each<[string, string[], string[]]>([
    // @slot failureCases
    ['__firstStep__', ['__firstStep__'], []],
    // @end
  ])('a failure at %s runs the compensations of the completed steps in reverse order', async (failing, expectedCalls, expectedCompensations) => {
    // GIVEN a step that fails
    const { calls, steps } = recorder({ fail: failing });
    const { app, publisher } = setup(steps);
    // WHEN a saga starts
    const saga = (await (await app.request('/sagas', start({ orderId: 'o1' }))).json()) as SagaState;
    // THEN the completed steps were undone, last first
    expect(calls).toEqual(expectedCalls);
    expect(saga).toMatchObject({ status: 'compensated', compensated: expectedCompensations, error: `${failing} failed` });
    expect(publisher.published.map((e) => e.type)).toEqual(/*=failureJson*/ calls);
  });

  test('a step still running at the deadline is aborted and the saga compensated', async () => {
    // GIVEN the last step hangs, a 20 ms deadline, and a clock that stands still (so only the hanging step, on the
    // deadline's timer, can run out of time however slow the machine)
    const { calls, steps } = recorder({ hang: '__lastStep__' });
    const orchestrator = new __Saga__Orchestrator(__saga__Steps(steps), new MemoryRepository<SagaState>(), createEventSink(new MemoryPublisher()), createLogger({ service: 'test', level: 'silent' }), { source: 'test', timeoutMs: 20, leaseMs: 60_000, now: () => 0 });
    // WHEN a saga starts
    const saga = await orchestrator.start({});
    // THEN it timed out and undid what was done
    expect(saga.status).toBe('compensated');
    expect(saga.error).toMatch(/timed out/);
    expect(calls.slice(0, /*=stepCount*/ 3)).toEqual(/*=stepsJson*/ calls);
  });

  test('no step starts after the deadline', async () => {
    // GIVEN a clock that passes the deadline right after the saga starts
    let ticks = 0;
    const { calls, steps } = recorder();
    const orchestrator = new __Saga__Orchestrator(__saga__Steps(steps), new MemoryRepository<SagaState>(), createEventSink(new MemoryPublisher()), createLogger({ service: 'test', level: 'silent' }), { source: 'test', timeoutMs: 1000, leaseMs: 60_000, now: () => (ticks++ === 0 ? 0 : 5000) });
    // WHEN a saga starts
    const saga = await orchestrator.start({});
    // THEN no step ran
    expect(saga).toMatchObject({ status: 'compensated', completed: [] });
    expect(saga.error).toMatch(/timed out/);
    expect(calls).toEqual([]);
  });

  // @if failingComp
  test('a failing compensation leaves the saga failed, and the other compensations still run', async () => {
    const { steps } = recorder({ fail: '__lastStep__' });
    steps./*=failingCompHandler*/ __compHandler__ = () => Promise.reject(new Error('cannot undo'));
    const { app } = setup(steps);
    const saga = (await (await app.request('/sagas', start({}))).json()) as SagaState;
    expect(saga.status).toBe('failed');
    expect(saga.compensated).not.toContain('__failingComp__');
  });

  // @end
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
    expect(res.headers.get('location')).toBe(`/sagas/${saga.id}`);
    expect(started).toEqual([[saga.id, { orderId: 'o1' }]]);
    expect(calls).toEqual([]);
    expect(publisher.published).toEqual([]);
    expect(((await (await app.request(`/sagas/${saga.id}`)).json()) as SagaState).status).toBe('running');
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
    const event = { saga: '__Saga__', step: '__firstStep__', action: 'execute', sagaId: 'execution-1', input: { orderId: 'o1' }, results: {} };
    // WHEN the workflow runs a step
    const res = await post(event);
    // THEN the handler ran and its result is the answer
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: '__firstStep__' });
    expect(calls).toEqual(['__firstStep__']);
    expect(await (await post({ ...event, step: '__firstComp__', action: 'compensate' })).json()).toEqual({ done: '__firstComp__' }); // @if compensations
    // AND an event that does not match its schema is a 422 naming the field, an unknown step or a body that is not JSON a 400, a failing step a 500
    expect(await (await post({ ...event, action: 'undo' })).json()).toMatchObject({ status: 422, errors: [{ pointer: '#/action' }] });
    expect((await post({ ...event, step: 'NoSuchStep' })).status).toBe(400);
    expect((await app.request('/steps', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await app.request('/steps', { method: 'POST', body: JSON.stringify(event) })).status).toBe(200);
    const failing = buildApp({ ...setup(recorder({ fail: '__firstStep__' }).steps).deps, stepsEndpoint: true });
    expect((await failing.request('/steps', start(event))).status).toBe(500);
    // AND without it there is no such route
    expect((await setup(steps).app.request('/steps', start(event))).status).toBe(404);
  });

  test('a step without a result answers null', async () => {
    const { steps } = recorder();
    steps./*=firstHandler*/ __handler__ = () => Promise.resolve(undefined);
    const app = buildApp({ ...setup(steps).deps, stepsEndpoint: true });
    const res = await app.request('/steps', start({ saga: '__Saga__', step: '__firstStep__', action: 'execute', sagaId: 'e', input: {}, results: {} }));
    expect(await res.json()).toBeNull();
  });

  test('invalid input is a 422 problem naming the field, a body that is not JSON a 400, an unknown saga a 404', async () => {
    const { app } = setup(recorder().steps);
    const invalid = await app.request('/sagas', start([1]));
    expect([invalid.status, invalid.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
    expect(await invalid.json()).toMatchObject({ title: 'Unprocessable Content', status: 422, errors: [{ pointer: '#/' }] });
    expect((await app.request('/sagas', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await app.request('/sagas/nope')).status).toBe(404);
  });

  test('serves its OpenAPI 3.1 document, valid, with its routes (POST /steps only when on), and the docs page', async () => {
    const { steps } = recorder();
    const paths = async (app: ReturnType<typeof buildApp>) => {
      const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
      const result = await validate(structuredClone(doc) as never);
      expect([doc.openapi, result.valid ? 'valid' : compileErrors(result)]).toEqual(['3.1.0', 'valid']);
      return Object.keys(doc.paths);
    };
    expect(await paths(setup(steps).app)).toEqual(['/sagas', '/sagas/{id}']);
    expect(await paths(buildApp({ ...setup(steps).deps, stepsEndpoint: true }))).toEqual(['/sagas', '/sagas/{id}', '/steps']);
    expect((await setup(steps).app.request('/docs')).status).toBe(200);
  });

  test('health and readiness', async () => {
    const { app } = setup(recorder().steps);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
