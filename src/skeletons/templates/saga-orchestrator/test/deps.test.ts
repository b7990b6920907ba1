import {
  ContractError, // @if typedTest
  FirestoreRepository,
  generateServiceKeyPair, // @if remote
  testSecrets,
} from '@allframe/platform';
import { StepFunctionsExecutions } from '../src/adapters/step-functions';
import { WorkflowsExecutions } from '../src/adapters/workflows';
import { loadConfig } from '../src/config';
import { createDependencies } from '../src/deps';
import { SECRET_NAMES } from '../src/secrets';
// @if remote

/** Runs `fn` with static AWS credentials (and `env`) in the environment and a recording global fetch; the headers sent. */
async function withAwsEnv(fn: () => Promise<unknown>, env: Record<string, string> = {}): Promise<Record<string, string>[]> {
  const saved = { env: process.env, fetch: globalThis.fetch };
  const sent: Record<string, string>[] = [];
  process.env = { ...saved.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'test-secret', ...env };
  delete process.env.AWS_PROFILE;
  globalThis.fetch = ((_url: string, init?: RequestInit) => {
    sent.push(init?.headers as Record<string, string>);
    return Promise.resolve(new Response('{}', { headers: { 'content-type': 'application/json' } }));
  }) as typeof fetch;
  try {
    await fn();
  } finally {
    process.env = saved.env;
    globalThis.fetch = saved.fetch;
  }
  return sent;
}
// @end

describe('dependency wiring', () => {
  test('defaults to in-memory adapters, in-process sagas and the saga deadline of the architecture', async () => {
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES));
    expect(deps.timeoutMs).toBe(/*=timeoutMs*/ 300000);
    expect(deps.leaseMs).toBe(60_000);
    expect(deps.executions).toBeUndefined();
    await expect(deps.sagas.list()).resolves.toEqual([]);
    await expect(deps.relay.runOnce()).resolves.toBe(0); // @if outbox
    await expect(deps.close()).resolves.toBeUndefined();
  });

  test('with SAGA_STATE_MACHINE_ARN, sagas run on Step Functions; with SAGA_STEPS_ENDPOINT (Fargate) their steps run here, through POST /steps', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:__Saga__';
    const deps = createDependencies(loadConfig({ SAGA_STATE_MACHINE_ARN: arn }), testSecrets(SECRET_NAMES));
    expect(deps.executions).toBeInstanceOf(StepFunctionsExecutions);
    expect(deps.stepsEndpoint).toBe(false);
    const onFargate = createDependencies(loadConfig({ SAGA_STATE_MACHINE_ARN: arn, SAGA_STEPS_ENDPOINT: 'true' }), testSecrets(SECRET_NAMES));
    expect(onFargate.executions).toBeInstanceOf(StepFunctionsExecutions);
    expect(onFargate.stepsEndpoint).toBe(true);
  });

  test('with SAGA_WORKFLOW, sagas run on Cloud Workflows; both set, or a malformed workflow, fail at start-up', () => {
    const workflow = 'projects/shop-prod/locations/europe-west1/workflows/__sagaFile__';
    const deps = createDependencies(loadConfig({ SAGA_WORKFLOW: workflow }), testSecrets(SECRET_NAMES));
    expect(deps.executions).toBeInstanceOf(WorkflowsExecutions);
    expect(deps.stepsEndpoint).toBe(true);
    expect(createDependencies(loadConfig({}), testSecrets(SECRET_NAMES)).stepsEndpoint).toBe(false);
    expect(() => createDependencies(loadConfig({ SAGA_WORKFLOW: workflow, SAGA_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:__Saga__' }), testSecrets(SECRET_NAMES))).toThrow(
      'set at most one of SAGA_STATE_MACHINE_ARN (Step Functions) and SAGA_WORKFLOW (Cloud Workflows)',
    );
    expect(() => createDependencies(loadConfig({ SAGA_WORKFLOW: '__sagaFile__' }), testSecrets(SECRET_NAMES))).toThrow('SAGA_WORKFLOW must be projects/');
  });

  test('with STORE=firestore, saga state is kept in Firestore (loaded on first use)', async () => {
    const deps = createDependencies(loadConfig({ STORE: 'firestore', FIRESTORE_DATABASE: 'shop' }), testSecrets(SECRET_NAMES));
    expect(deps.sagas).toBeInstanceOf(FirestoreRepository);
    await expect(deps.close()).resolves.toBeUndefined();
  });
  // @if remote

  test('with OUTBOUND_AUTH=aws-iam, calls to the depended-on services are signed (SigV4 for execute-api)', async () => {
    const ctx = { sagaId: 's1', input: {}, results: {}, signal: new AbortController().signal };
    const run = (env: Record<string, string>) => () => createDependencies(loadConfig(env), testSecrets(SECRET_NAMES)).steps./*=remoteHandler*/ __handler__(ctx);
    const [signed] = await withAwsEnv(run({ OUTBOUND_AUTH: 'aws-iam', AWS_REGION: 'eu-west-1' }));
    expect(signed?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /);
    const [plain] = await withAwsEnv(run({}));
    expect(plain?.authorization).toBeUndefined();
  });

  test('with OUTBOUND_AUTH=ed25519, calls are signed with SERVICE_SIGNING_KEY, as __service__, for the service called', async () => {
    const ctx = { sagaId: 's1', input: {}, results: {}, signal: new AbortController().signal };
    const run = () => createDependencies(loadConfig({ OUTBOUND_AUTH: 'ed25519' }), testSecrets(SECRET_NAMES)).steps./*=remoteHandler*/ __handler__(ctx);
    const [signed] = await withAwsEnv(run, { SERVICE_SIGNING_KEY: generateServiceKeyPair().privateKey });
    expect(signed).toMatchObject({ 'x-allframe-caller': '__service__', 'x-allframe-audience': '__remoteService__' });
    expect(signed?.['x-allframe-signature']).toMatch(/^[\w-]{86}$/);
  });
  // @end
  // @if typedTest

  test('a typed client of __typedCallee__: its routes by name, through the outbound fetch, the answer checked against its schema', async () => {
    // GIVEN __typedCallee__ answering one __Entity__ as its schema says, and one without its fields
    const time = '2026-01-01T00:00:00.000Z';
    const answers: Record<string, unknown> = {
      'http://__typedCallee__:8080__typedPath__/a1': { id: 'a1', name: 'first', createdAt: time, updatedAt: time },
      'http://__typedCallee__:8080__typedPath__/b2': { id: 'b2' },
    };
    const calls: string[] = [];
    const fetchFn = (url: string) => {
      calls.push(url);
      return Promise.resolve(Response.json(answers[url]));
    };
    const deps = createDependencies(loadConfig({}), testSecrets(SECRET_NAMES), fetchFn);
    // WHEN both are read through the client
    const found = await deps.clients.__calleeClient__.get__Entity__({ params: { id: 'a1' } });
    const broken = await deps.clients.__calleeClient__.get__Entity__({ params: { id: 'b2' } }).catch((e: unknown) => e);
    // THEN the first is typed data, the second a broken contract naming the fields, not retried
    expect(found.name).toBe('first');
    expect(broken).toBeInstanceOf(ContractError);
    expect((broken as ContractError).errors.map((e) => e.pointer)).toContain('#/name');
    expect(calls).toEqual(['http://__typedCallee__:8080__typedPath__/a1', 'http://__typedCallee__:8080__typedPath__/b2']);
  });
  // @end
});
