import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_DEPENDENCIES } from '../../src/skeletons/versions';
import { renderText } from '../helpers';

function render(text: string) {
  return new Map(renderText(text).map((f) => [f.path, f]));
}

describe('saga-orchestrator skeleton', () => {
  // GIVEN the fixture: booking-service runs BookTripSaga (ReserveFlight, ReserveHotel, ChargeCard, compensated by
  // CancelFlight, CancelHotel, RefundCard) against flight-service and hotel-service, publishing TripBooked and TripCancelled
  const files = render(readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'saga-orchestrator.yaml'), 'utf8'));
  const dir = 'services/booking-service';
  const content = (p: string) => files.get(`${dir}/${p}`)?.content ?? '';

  test('the steps in order, each with the compensation that undoes it, run in reverse on failure', () => {
    const saga = content('src/application/saga.ts');
    expect(files.get(`${dir}/src/application/saga.ts`)?.kind).toBe('owned');
    expect(saga).toContain("{ name: 'ReserveFlight', run: (ctx) => handlers.reserveFlight(ctx), compensation: { name: 'CancelFlight', run: (ctx) => handlers.cancelFlight(ctx) } },");
    expect(saga).toContain("{ name: 'ChargeCard', run: (ctx) => handlers.chargeCard(ctx), compensation: { name: 'RefundCard'");
    expect(saga).toContain('for (const step of [...this.steps].reverse())');
    expect(saga).toContain('if (remaining <= 0) throw new SagaTimeoutError(this.options.timeoutMs);');
    expect(saga).toContain("newEvent('TripBooked'");
    expect(saga).toContain("newEvent('TripCancelled'");
    expect(content('src/config.ts')).toContain('SAGA_TIMEOUT_SECONDS: { kind: \'int\', default: "600"');
  });

  test('resilience.retry.multiplier is the backoff exponent of the generated policy (it was always 2)', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'saga-orchestrator.yaml'), 'utf8').replace('services:\n', 'resilience: { retry: { multiplier: 1.5 } }\nservices:\n');
    expect(render(text).get(`${dir}/src/deps.ts`)?.content).toContain('retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 10000, multiplier: 1.5 }');
  });

  test('an owned steps port whose defaults call the depended-on services through resilience policies', () => {
    const steps = content('src/application/steps.ts');
    expect(files.get(`${dir}/src/application/steps.ts`)?.kind).toBe('owned');
    expect(steps).toContain('export interface StepHandlers');
    expect(steps).toContain("reserveFlight: (ctx) => clients.flightService.post('/reserve-flight'");
    expect(steps).toContain("cancelHotel: (ctx) => clients.hotelService.post('/cancel-hotel'");
    const deps = content('src/deps.ts');
    expect(deps).toContain("flightService: new ServiceClient('flight-service', config.FLIGHT_SERVICE_URL, createPolicy(POLICY), fetchFn)");
    expect(deps).toContain('retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 10000, multiplier: 2 }');
    expect(deps).toContain('circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 30000 }');
    expect(deps).toContain('bulkhead: { maxConcurrent: 100, maxQueue: 50 }');
    expect(deps).toContain("sagas: createRepository<SagaState>(config.STORE, `${config.TABLE_PREFIX}-sagas`, config.DATABASE_URL)");
  });

  test('HTTP: POST /sagas and GET /sagas/:id; tests of success, failure at each step and timeout', () => {
    // the routes declared with their schemas in src/routes.ts (for typed clients too), served by src/app.ts
    const routes = content('src/routes.ts');
    expect(routes).toContain("startBookTripSaga: createRoute({\n    method: 'post',\n    path: '/sagas',");
    expect(routes).toContain("request: { body: { ...jsonContent(BookTripSagaInputSchema, 'The input every step gets'), required: true } },");
    expect(routes).toContain("getBookTripSaga: createRoute({ method: 'get', path: '/sagas/{id}', tags: ['BookTripSaga'], request: { params: IdParamsSchema }, responses: { 200: jsonContent(SagaStateSchema, 'The saga'), ...problemResponses(404) } })");
    const app = content('src/app.ts');
    expect(app).toContain('app.openapi(\n    ROUTES.startBookTripSaga,');
    expect(app).toContain('app.openapi(\n    ROUTES.getBookTripSaga,');
    expect(content('src/application/saga.ts')).toContain("export const BookTripSagaInputSchema = JsonObjectSchema.openapi('BookTripSagaInput');");
    expect(content('src/config.ts')).toContain("API_DOCS: { kind: 'bool', default: \"false\"");
    expect(content('test/openapi.test.ts')).toContain("openApiDocument(buildApp(deps), { service: 'booking-service', version: API_VERSION })");
    expect(content('test/saga.test.ts')).toContain("errors: [{ pointer: '#/' }]");
    const test = content('test/saga.test.ts');
    expect(test).toContain(`['ReserveFlight', ["ReserveFlight"], []],`);
    expect(test).toContain(`['ReserveHotel', ["ReserveFlight","ReserveHotel","CancelFlight"], ["CancelFlight"]],`);
    expect(test).toContain(`['ChargeCard', ["ReserveFlight","ReserveHotel","ChargeCard","CancelHotel","CancelFlight"], ["CancelHotel","CancelFlight"]],`);
    expect(test).toContain("test('a step still running at the deadline is aborted and the saga compensated'");
  });

  test('a Lambda entry for the state machine runs one named step or compensation through the steps port', () => {
    const step = content('src/adapters/step-event.ts');
    expect(files.get(`${dir}/src/adapters/step-event.ts`)?.kind).toBe('managed');
    expect(step).toContain("const SAGA = 'BookTripSaga';");
    expect(step).toContain("const STEPS: Readonly<Record<string, keyof StepHandlers>> = {\n  ReserveFlight: 'reserveFlight',\n  ReserveHotel: 'reserveHotel',\n  ChargeCard: 'chargeCard',\n};");
    expect(step).toContain("const COMPENSATIONS: Readonly<Record<string, keyof StepHandlers>> = {\n  CancelFlight: 'cancelFlight',\n  CancelHotel: 'cancelHotel',\n  RefundCard: 'refundCard',\n};");
    expect(step).toContain("readonly action: 'execute' | 'compensate';");
    expect(step).toContain("const names = action === 'execute' ? STEPS : COMPENSATIONS;");
    expect(step).toContain('throw new Error(`unknown ${action === \'execute\' ? \'step\' : \'compensation\'} ${String(step)} of ${SAGA}`);');
    const entry = content('src/entry/step.ts');
    expect(files.get(`${dir}/src/entry/step.ts`)?.kind).toBe('managed');
    expect(entry).toContain("import { parseStepEvent } from '../adapters/step-event';");
    expect(entry).toContain('export const handler = async (event: unknown, context?: Context): Promise<unknown> => {');
    expect(entry).toContain('return deps.steps[run]({ sagaId: e.sagaId, input: e.input, results: e.results, signal });');
    // AND the secrets are read before the dependencies, once per instance, on the first invocation
    expect(entry).toContain('const started = startOnce(async () => createDependencies(config, await loadServiceSecrets(config)));');
  });

  test('with SAGA_STATE_MACHINE_ARN, a saga is started on Step Functions (202) behind a port; in-process otherwise', () => {
    // THEN the variable defaults to empty (in-process), the service depends on the SFN client
    expect(content('src/config.ts')).toContain('SAGA_STATE_MACHINE_ARN: { kind: \'string\', default: ""');
    expect(JSON.parse(content('package.json'))).toMatchObject({ dependencies: { '@aws-sdk/client-sfn': '3.1164.0' } });
    // AND an execution named after the saga id, with its input, by a managed adapter of the owned port
    const adapter = content('src/adapters/step-functions.ts');
    expect(files.get(`${dir}/src/adapters/step-functions.ts`)?.kind).toBe('managed');
    expect(adapter).toContain('export class StepFunctionsExecutions implements SagaExecutions {');
    expect(adapter).toContain('new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: sagaId, input: JSON.stringify(input) })');
    expect(content('src/application/saga.ts')).toContain('export interface SagaExecutions {');
    expect(content('src/application/saga.ts')).toContain('if (this.options.executions) return this.handOver(state, this.options.executions);');
    expect(content('src/deps.ts')).toContain("if (config.SAGA_STATE_MACHINE_ARN !== '') return new StepFunctionsExecutions(config.SAGA_STATE_MACHINE_ARN);");
    expect(content('src/deps.ts')).toContain('executions: sagaExecutions(config),');
    expect(content('src/app.ts')).toContain('const headers = { location: `/sagas/${saga.id}` };\n      return deps.executions ? c.json(saga, 202, headers) : c.json(saga, 201, headers);');
    // AND tests of both paths, and of the adapter against a fake client
    expect(content('test/saga.test.ts')).toContain("test('with executions (Step Functions), the saga is started there: 202, running, no step run here'");
    expect(content('test/saga.test.ts')).toContain("test('a saga whose execution could not start is failed, and the request a 500'");
    expect(content('test/step-functions.test.ts')).toContain("expect((sent[0] as StartExecutionCommand).input).toEqual({ stateMachineArn: ARN, name: 'saga-1', input: '{\"orderId\":\"o1\"}' });");
    expect(content('test/deps.test.ts')).toContain('expect(deps.executions).toBeInstanceOf(StepFunctionsExecutions);');
  });

  test('with SAGA_STEPS_ENDPOINT (the AWS target sets it on Fargate), Step Functions runs the steps through POST /steps of this service', () => {
    // THEN the switch is a bool, off by default, that turns on the same endpoint Cloud Workflows calls
    expect(content('src/config.ts')).toContain("SAGA_STEPS_ENDPOINT: { kind: 'bool', default: \"false\"");
    expect(content('src/deps.ts')).toContain("stepsEndpoint: config.SAGA_WORKFLOW !== '' || config.SAGA_STEPS_ENDPOINT,");
    // AND the generated test starts sagas on Step Functions with the endpoint on and off
    expect(content('test/deps.test.ts')).toContain("const onFargate = createDependencies(loadConfig({ SAGA_STATE_MACHINE_ARN: arn, SAGA_STEPS_ENDPOINT: 'true' })");
    expect(content('test/deps.test.ts')).toContain('expect(onFargate.stepsEndpoint).toBe(true);');
  });

  test('with SAGA_WORKFLOW, a saga is started on Cloud Workflows behind the same port; only one of the two may be set', () => {
    // THEN the variable defaults to empty, the service depends on the Workflows client (pinned), loaded lazily
    expect(content('src/config.ts')).toContain('SAGA_WORKFLOW: { kind: \'string\', default: ""');
    expect(JSON.parse(content('package.json'))).toMatchObject({ dependencies: { '@google-cloud/workflows': RUNTIME_DEPENDENCIES['@google-cloud/workflows'] } });
    const adapter = content('src/adapters/workflows.ts');
    expect(files.get(`${dir}/src/adapters/workflows.ts`)?.kind).toBe('managed');
    expect(adapter).toContain('export class WorkflowsExecutions implements SagaExecutions {');
    expect(adapter).toContain("const { ExecutionsClient } = await import('@google-cloud/workflows');");
    // AND the execution's argument is the input as JSON, what Step Functions gets as input
    expect(adapter).toContain('createExecution({ parent: this.workflow, execution: { argument: JSON.stringify(input), ...labels } })');
    const deps = content('src/deps.ts');
    expect(deps).toContain("throw new Error('set at most one of SAGA_STATE_MACHINE_ARN (Step Functions) and SAGA_WORKFLOW (Cloud Workflows)');");
    expect(deps).toContain("return config.SAGA_WORKFLOW === '' ? undefined : new WorkflowsExecutions(config.SAGA_WORKFLOW);");
    // AND tests of the adapter against a fake client, and of the wiring
    expect(content('test/workflows.test.ts')).toContain('export const realClientFits = (client: ExecutionsClient): WorkflowExecutionsClient => client;');
    expect(content('test/deps.test.ts')).toContain('expect(deps.executions).toBeInstanceOf(WorkflowsExecutions);');
    // AND the workflow runs each step through POST /steps, with the step event Step Functions sends the Lambda entry
    expect(content('src/deps.ts')).toContain("stepsEndpoint: config.SAGA_WORKFLOW !== '' || config.SAGA_STEPS_ENDPOINT,");
    const app = content('src/app.ts');
    expect(app).toContain('if (deps.stepsEndpoint === true) {');
    expect(app).toContain('ROUTES.runStep,');
    expect(content('src/routes.ts')).toContain("path: '/steps',");
    expect(content('src/routes.ts')).toContain("request: { body: { ...jsonContent(StepEventSchema, 'The step or compensation to run'), required: true } },");
    expect(app).toContain("parsed = parseStepEvent(c.req.valid('json'));");
    expect(content('test/saga.test.ts')).toContain("const app = buildApp({ ...setup(steps).deps, stepsEndpoint: true });");
    expect(content('test/step-event.test.ts')).toContain("expect(() => parseStepEvent(event({ saga: 'Other' }))).toThrow('unknown saga Other');");
  });

  test('calls to the depended-on services are SigV4-signed with OUTBOUND_AUTH=aws-iam', () => {
    const config = content('src/config.ts');
    expect(config).toContain('OUTBOUND_AUTH: { kind: \'string\', default: "none"');
    expect(config).toContain('AWS_REGION: { kind: \'string\', default: ""');
    expect(content('src/deps.ts')).toContain('export function createDependencies(\n  config: Config,\n  secrets: Secrets,\n  fetchFn: Fetch = outboundFetch(config.OUTBOUND_AUTH, config.AWS_REGION, { caller: config.SERVICE_NAME, callees: calleeUrls(config) }),\n): Dependencies {');
    // AND with OUTBOUND_AUTH=ed25519 each call is signed for the depended-on service it goes to, by name
    expect(content('src/deps.ts')).toContain("  return {\n    'flight-service': config.FLIGHT_SERVICE_URL,\n    'hotel-service': config.HOTEL_SERVICE_URL,\n  };");
    expect(content('test/deps.test.ts')).toContain("'x-allframe-audience': 'flight-service' });");
    const test = content('test/deps.test.ts');
    expect(test).toContain("createDependencies(loadConfig(env), testSecrets(SECRET_NAMES)).steps.reserveFlight(ctx)");
    expect(test).toContain("expect(signed?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\\/\\d{8}\\/eu-west-1\\/execute-api\\/aws4_request, /);");
    // AND a saga calling no other service has neither the variables nor the signer
    const alone = render(readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'saga-orchestrator.yaml'), 'utf8').replace('    depends_on: [flight-service, hotel-service]\n', ''));
    expect(alone.get(`${dir}/src/config.ts`)?.content).not.toContain('OUTBOUND_AUTH');
    expect(alone.get(`${dir}/src/deps.ts`)?.content).not.toContain('calleeUrls');
    expect(alone.get(`${dir}/src/deps.ts`)?.content).toContain('  secrets: Secrets,\n  _fetchFn: Fetch = fetch,\n): Dependencies {');
    expect(alone.get(`${dir}/src/deps.ts`)?.content).toContain('steps: createStepHandlers({}),');
    expect(alone.get(`${dir}/src/application/steps.ts`)?.content).toContain('export type ServiceClients = Record<string, never>;');
    expect(alone.get(`${dir}/test/deps.test.ts`)?.content).not.toContain('withAwsEnv');
  });

  test('run here, sagas are resumed after a restart: a container entry of its own, a lease, conditional writes, their tests', () => {
    // the container entry looks for interrupted sagas at start-up and every half lease, unless HTTP only or handed over
    const server = content('src/entry/server.ts');
    expect(files.get(`${dir}/src/entry/server.ts`)?.kind).toBe('managed');
    expect(server).toContain('const resumer = background && deps.executions === undefined ? setInterval(resume, Math.max(deps.leaseMs / 2, 1000)) : undefined;');
    expect(server).toContain('serve(buildApp(deps, orchestrator), {');
    expect(content('src/entry/lambda.ts')).toContain('httpHandler(buildApp(');
    // the lease is configured, every write conditional on the revision, a take-over only once the lease has expired
    expect(content('src/config.ts')).toContain("SAGA_LEASE_SECONDS: { kind: 'int', default: \"60\"");
    expect(content('src/deps.ts')).toContain('leaseMs: config.SAGA_LEASE_SECONDS * 1000,');
    const saga = content('src/application/saga.ts');
    expect(saga).toContain("if (!(await this.sagas.putIf(next, 'revision', expected === 0 ? undefined : expected))) {");
    expect(saga).toContain('(saga.leaseUntil !== undefined && Date.parse(saga.leaseUntil) > this.now())');
    expect(saga).toContain('if (state.completed.includes(step.name)) continue;');
    expect(saga).toContain('if (!compensation || !completed.has(step.name) || state.compensated.includes(compensation.name)) continue;');
    // the resumption tests, owned, on PostgreSQL too with TEST_DATABASE_URL
    expect(files.get(`${dir}/test/resume.test.ts`)?.kind).toBe('owned');
    const test = content('test/resume.test.ts');
    expect(test).toContain("test('two processes resuming at once take each saga once'");
    expect(test).toContain("steps.reserveFlight = () => {");
    expect(test).toContain("recorder({ fail: 'ChargeCard', block: 'CancelFlight' })");
    expect(test).toContain("(databaseUrl === '' ? describe.skip : describe)('on a real PostgreSQL (TEST_DATABASE_URL)'");
  });

  test('a saga without compensations gets an empty compensation table', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'fixtures', 'archetypes', 'saga-orchestrator.yaml'), 'utf8').replace('      compensation: [CancelFlight, CancelHotel, RefundCard]\n', '');
    const step = render(text).get(`${dir}/src/adapters/step-event.ts`)?.content ?? '';
    expect(step).toContain('const COMPENSATIONS: Readonly<Record<string, keyof StepHandlers>> = {};');
  });
});
