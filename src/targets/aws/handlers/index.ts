/**
 * One handler per archetype: what each kind of service becomes on AWS. The Record makes a missing handler a
 * type error, not a user's surprise. Handlers build on ServiceStack's helpers and the lib-constructs.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EventStore } from '../../../../lib-constructs/aws/event-store';
import { QueueConsumer } from '../../../../lib-constructs/aws/queue-consumer';
import { QueueWorkerService } from '../../../../lib-constructs/aws/queue-worker-service';
import { RotatingSecret } from '../../../../lib-constructs/aws/rotating-secret';
import { SecretRotationFunction } from '../../../../lib-constructs/aws/secret-rotation-function';
import { SagaStateMachine, type SagaRetry, sagaSteps } from '../../../../lib-constructs/aws/saga-state-machine';
import { ScheduledJob } from '../../../../lib-constructs/aws/scheduled-job';
import { ServiceCache } from '../../../../lib-constructs/aws/service-cache';
import { ServiceDatabase } from '../../../../lib-constructs/aws/service-database';
import { StreamProcessor } from '../../../../lib-constructs/aws/stream-processor';
import { WebSocketApi } from '../../../../lib-constructs/aws/websocket-api';
import type { ArchetypeKind } from '../../../model/archetypes';
import { databaseName, kebab } from '../../../model/names';
import { LIMITS } from '../../../model/targets';
import { everyCron } from '../../../../lib-constructs/core/cron';
import { SAGA_STEPS_PATH } from '../../../../lib-constructs/core/saga';
import { acknowledgeConnectVerifiedByHandler } from '../../../../lib-constructs/core/nag';
import { crdtOf, crudEntities, keepsIdempotencyRecords, type Resilience, serviceSecrets as secretSpecs } from '../../../resolve/model';
import { secretName } from '../naming';
import type { ServiceStack } from '../service-stack';
import { httpService } from './http';

export type AwsHandler = (stack: ServiceStack) => void;

/** The service's own data: entity/saga/cursor tables (DynamoDB) or an Aurora cluster (postgres), idempotency. */
function serviceData(stack: ServiceStack, grantees: readonly iam.IGrantable[], tables: readonly string[]): void {
  const s = stack.service;
  if (s.database === 'dynamodb') {
    // One table per name, whatever the number of grantees (a polling adapter has its API and its poller).
    for (const name of tables) {
      const table = stack.table(name);
      for (const g of grantees) table.grantReadWriteData(g);
    }
    if (keepsIdempotencyRecords(s)) {
      const t = stack.table('idempotency', { ttl: true });
      for (const g of grantees) t.grantReadWriteData(g);
    }
  }
  // A PostgreSQL event store lives in the service's PostgreSQL database too: one database, whichever needs it.
  if (s.database === 'postgres' || s.eventStore === 'postgres') postgresDatabase(stack, grantees);
}

/** The service's own database on the shared Aurora PostgreSQL cluster: IAM authentication over TLS. */
function postgresDatabase(stack: ServiceStack, grantees: readonly iam.IGrantable[]): void {
  const db = new ServiceDatabase(stack, 'Database', {
    engine: 'postgres',
    network: stack.shared.network(),
    databaseName: databaseName(stack.service.name),
  });
  if (db.url !== undefined) stack.setEnv('DATABASE_URL', db.url);
  // The URL names the IAM database user: the service signs an IAM auth token as its password.
  stack.setEnv('PG_IAM_AUTH', 'true');
  // TLS to Aurora verifies the RDS certificate: Lambda's runtime carries the CA bundle at this path.
  for (const fn of stack.functions) fn.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem');
  for (const g of grantees) db.grantDataAccess(g);
  for (const c of stack.connectables) db.allowFrom(c);
}

/**
 * The service's named secrets in Secrets Manager; its workloads may read exactly these. A secret allframe manages
 * (the default) starts with a generated value and is rotated every security.api_key_rotation_days days by the
 * stack's one rotation function; a secret marked `managed: external` is created with a placeholder its owner
 * replaces, and is never rotated by allframe (the cdk-nag finding SMG4 is acknowledged for it alone).
 */
function serviceSecrets(stack: ServiceStack, grantees: readonly iam.IGrantable[]): void {
  const s = stack.service;
  const secrets = secretSpecs(s);
  if (secrets.length === 0) return;
  let rotator: lambda.IFunction | undefined;
  for (const { name, managed } of secrets) {
    const external = managed === 'external';
    if (!external) rotator ??= new SecretRotationFunction(stack, 'SecretRotation', { description: `${s.name}: rotates the secrets allframe generates` }).function;
    const secret = new RotatingSecret(stack, `secret-${name}`, {
      secretName: secretName(stack.model, s, name),
      description: external
        ? `${name} of ${s.name}, issued outside allframe; set its value out of band (aws secretsmanager put-secret-value)`
        : `${name} of ${s.name}, generated and rotated by allframe`,
      ...(rotator !== undefined && !external ? { rotation: { handler: rotator, every: Duration.days(rotationDays(stack)) } } : {}),
    });
    for (const g of grantees) secret.grantRead(g);
  }
  stack.setEnv('SECRETS_SOURCE', 'aws-secrets');
  stack.setEnv('SECRETS_PREFIX', `${secretName(stack.model, s, '')}`);
}

/** security.api_key_rotation_days, which the resolver always sets (schema default). */
function rotationDays(stack: ServiceStack): number {
  const days = stack.model.file.security?.api_key_rotation_days;
  if (days === undefined) throw new Error('security.api_key_rotation_days is not resolved');
  return days;
}

function entityTables(stack: ServiceStack): string[] {
  return crudEntities(stack.service).map((e) => kebab(e));
}

const stateless: AwsHandler = (stack) => {
  const http = httpService(stack);
  serviceData(stack, http.grantees, entityTables(stack));
  serviceSecrets(stack, http.grantees);
};

const eventSourced: AwsHandler = (stack) => {
  const s = stack.service;
  const http = httpService(stack);
  const projections = s.spec.cqrs?.projections ?? [];
  // The event store: a DynamoDB table of its own, or tables in the service's PostgreSQL database (serviceData makes it).
  if (s.eventStore !== 'postgres') {
    const store = new EventStore(stack, 'EventStore', { tableName: `${stack.tablePrefix}-events` });
    for (const g of http.grantees) store.grantAppend(g);
  }
  stack.setEnv('EVENT_STORE', s.eventStore === 'postgres' ? 'postgres' : 'dynamodb');
  serviceData(stack, http.grantees, projections.map((p) => kebab(p)));
  serviceSecrets(stack, http.grantees);
};

/**
 * A saga is a Step Functions state machine on either compute. On Lambda its steps run in a function of their own
 * (`src/entry/step.ts`); on Fargate the machine POSTs each step to the service's own `POST /steps` through its HTTP
 * API (a route with IAM authorization only the machine's role may call), so the steps run in the same container,
 * with the same code, configuration and grants as on Lambda or Cloud Run.
 */
const saga: AwsHandler = (stack) => {
  const s = stack.service;
  const http = httpService(stack, { entries: ['step'] });
  serviceData(stack, http.grantees, ['sagas']);
  serviceSecrets(stack, http.grantees);
  const spec = s.spec.saga;
  if (!spec) return;
  const common = {
    sagaName: spec.name,
    steps: sagaSteps(spec.steps, spec.compensation ?? []),
    timeout: Duration.seconds(s.sizing.saga.timeout_seconds),
    retry: sagaStepRetry(s.resilience.retry),
  };
  if (s.compute === 'fargate') {
    http.api.addPrivateRoute('StepsRoute', SAGA_STEPS_PATH, apigwv2.HttpMethod.POST);
    const machine = new SagaStateMachine(stack, 'Saga', { ...common, stepsEndpoint: { api: http.api.api, path: SAGA_STEPS_PATH } });
    for (const g of http.grantees) machine.grantStartExecution(g);
    // The container is the only workload: it starts executions and serves the steps.
    stack.setEnv('SAGA_STATE_MACHINE_ARN', machine.stateMachine.stateMachineArn);
    stack.setEnv('SAGA_STEPS_ENDPOINT', 'true');
    return;
  }
  const stepFn = stack.fn('Step', 'step', { description: `${s.name}: runs one step or compensation of ${spec.name}` });
  const machine = new SagaStateMachine(stack, 'Saga', { ...common, handler: stepFn });
  // Only the HTTP side starts executions (the step function itself must not know the machine: a cycle).
  for (const g of http.grantees) {
    machine.grantStartExecution(g);
    if (g instanceof lambda.Function) g.addEnvironment('SAGA_STATE_MACHINE_ARN', machine.stateMachine.stateMachineArn);
  }
  stack.grantees.push(stepFn);
};

const gateway: AwsHandler = (stack) => {
  const http = httpService(stack);
  serviceData(stack, http.grantees, []);
  serviceSecrets(stack, http.grantees);
};

const consumer: AwsHandler = (stack) => {
  const s = stack.service;
  const c = s.sizing.consumer;
  const timeout = Duration.seconds(s.sizing.timeout_seconds);
  const queue = stack.subscriptionQueue('Inbox', s.spec.consumes ?? [], {
    timeout,
    maxReceiveCount: c.max_retries,
    ...(c.visibility_timeout_seconds !== undefined ? { visibilityTimeout: Duration.seconds(c.visibility_timeout_seconds) } : {}),
  });
  stack.setEnv('QUEUE_URL', queue.queue.queueUrl);
  stack.setEnv('DLQ_URL', queue.deadLetterQueue.queueUrl);
  const grantees: iam.IGrantable[] = [];
  if (s.compute === 'fargate') {
    const worker = new QueueWorkerService(stack, 'Worker', {
      network: stack.shared.network(),
      queue,
      image: stack.code.container(s.name),
      cpu: s.sizing.cpu,
      memoryLimitMiB: s.sizing.memory_mb,
      minCapacity: s.sizing.min_instances,
      maxCapacity: s.sizing.max_instances,
      environment: stack.environmentNow(),
    });
    stack.configure(worker.container);
    worker.container.addEnvironment('AWS_REGION', Stack.of(stack).region);
    grantees.push(worker.taskRole);
  } else {
    stack.useEntries('lambda');
    const fn = stack.fn('Handler', 'lambda', { timeout });
    new QueueConsumer(stack, 'Consumer', {
      queue,
      handler: fn,
      batchSize: c.batch_size,
      ...(c.concurrency >= LIMITS.lambdaSqsMinConcurrency ? { maxConcurrency: c.concurrency } : {}),
    });
    grantees.push(fn);
  }
  stack.grantees.push(...grantees);
  for (const g of grantees) stack.grantPublish(g);
  serviceData(stack, grantees, []);
  serviceSecrets(stack, grantees);
};

const producer: AwsHandler = (stack) => {
  const http = httpService(stack);
  serviceSecrets(stack, http.grantees);
};

const bff: AwsHandler = (stack) => {
  const http = httpService(stack);
  serviceSecrets(stack, http.grantees);
};

const websocket: AwsHandler = (stack) => {
  const s = stack.service;
  stack.useEntries('lambda', 'events');
  const fn = stack.fn('Connections', 'lambda', { description: `${s.name}: $connect, $disconnect and $default` });
  // A public gateway's clients are browsers: its $connect handler checks their token (subscriptions.authorization);
  // an internal one is called by services, which sign with IAM.
  const publicApi = s.spec.public === true;
  const ws = new WebSocketApi(stack, 'WebSocket', {
    handler: fn,
    connectionsTableName: `${stack.tablePrefix}-connections`,
    connectAuthorization: publicApi ? 'none' : 'iam',
  });
  const auth = s.sizing.subscriptions.authorization;
  if (publicApi) acknowledgeConnectVerifiedByHandler(ws.routes.$connect, auth === 'api-key' ? 'API key' : auth === 'none' ? 'none' : 'JWT');
  stack.setEnv('CONNECTIONS_STORE', 'dynamodb');
  stack.setEnv('CONNECTIONS_TABLE', ws.table.table.tableName);
  stack.setEnv('WEBSOCKET_ENDPOINT', ws.callbackUrl);
  stack.setEnv('SENDER', 'apigateway');
  const grantees: iam.IGrantable[] = [fn];
  const events = s.spec.subscriptions?.events ?? [];
  if (events.length > 0) {
    const timeout = Duration.seconds(s.sizing.timeout_seconds);
    const queue = stack.subscriptionQueue('EventsInbox', events.map((event) => ({ event })), { timeout });
    const pusher = stack.fn('Pusher', 'events', { timeout, description: `${s.name}: pushes subscribed events to connections` });
    new QueueConsumer(stack, 'EventsConsumer', { queue, handler: pusher });
    ws.grantManage(pusher);
    grantees.push(pusher);
  }
  stack.grantees.push(...grantees);
  // its database; CRDT documents (websocket.crdt) are kept in a table of their own, read per message by $default:
  // the connections function's alone (the pusher only broadcasts subscribed events)
  serviceData(stack, [fn], crdtOf(s) !== undefined ? ['documents'] : []);
  serviceSecrets(stack, grantees);
};

const scheduled: AwsHandler = (stack) => {
  const s = stack.service;
  const cron = s.spec.schedule?.cron;
  if (cron === undefined) return;
  const sched = s.sizing.schedule;
  stack.useEntries('lambda');
  const overlap = sched.overlap_policy;
  const fn = stack.fn('Job', 'lambda', {
    // (validation refuses a run longer than Lambda's timeout on Lambda, AF5002)
    timeout: Duration.seconds(Math.min(sched.timeout_minutes * 60, LIMITS.lambdaTimeoutSeconds)),
    // skip: a run due while one is running is throttled and, with no retries, dropped to the DLQ.
    ...(overlap === 'allow' ? {} : { reservedConcurrentExecutions: 1 }),
  });
  new ScheduledJob(stack, 'Schedule', {
    cron,
    handler: fn,
    timeZone: sched.timezone,
    retryAttempts: overlap === 'skip' ? 0 : sched.retry_attempts,
  });
  stack.grantees.push(fn);
  stack.grantPublish(fn);
  serviceData(stack, [fn], []);
  serviceSecrets(stack, [fn]);
};

const legacyAdapter: AwsHandler = (stack) => {
  const s = stack.service;
  const acl = s.spec.acl;
  const polling = s.sizing.acl.sync_strategy === 'polling';
  const http = httpService(stack, { entries: polling ? ['poll'] : [] });
  const grantees = [...http.grantees];
  if (polling && acl && s.compute !== 'fargate') {
    const poll = stack.fn('Poll', 'poll', { reservedConcurrentExecutions: 1, description: `${s.name}: polls ${acl.upstream}` });
    new ScheduledJob(stack, 'PollSchedule', { cron: everyCron(s.sizing.acl.polling_interval_seconds), handler: poll, retryAttempts: 0 });
    grantees.push(poll);
    stack.grantPublish(poll);
    stack.grantees.push(poll);
  }
  serviceData(stack, grantees, polling ? ['cursors'] : []);
  serviceSecrets(stack, grantees);
};

const streamProcessor: AwsHandler = (stack) => {
  const s = stack.service;
  const spec = s.spec.stream;
  stack.useEntries('lambda');
  const fn = stack.fn('Processor', 'lambda', { reservedConcurrentExecutions: 1 });
  const windowing = s.sizing.windowing;
  const tumbling = windowing.type === 'tumbling' && windowing.duration_seconds <= LIMITS.tumblingWindowSeconds;
  const processor = new StreamProcessor(stack, 'Stream', {
    handler: fn,
    ...(tumbling ? { tumblingWindow: Duration.seconds(windowing.duration_seconds) } : {}),
  });
  // Input events arrive through a queue subscribed to their publishers, piped into the stream.
  const inputs = spec?.input_events ?? [];
  if (inputs.length > 0) {
    const inbox = stack.subscriptionQueue('Inbox', inputs.map((event) => ({ event })), { timeout: Duration.seconds(30) });
    processor.pipeFrom(inbox.queue);
  }
  stack.grantees.push(fn);
  stack.grantPublish(fn);
  serviceSecrets(stack, [fn]);
};

const cache: AwsHandler = (stack) => {
  const s = stack.service;
  const spec = s.spec.cache ?? {};
  const network = stack.shared.network();
  const store = new ServiceCache(stack, 'Cache', { network, engine: s.sizing.cache.backend === 'valkey' ? 'valkey' : 'redis' });
  stack.setEnv('CACHE_BACKEND', 'redis');
  stack.setEnv('CACHE_URL', store.url);
  const invalidation = spec.invalidation ?? [];
  stack.useEntries('lambda');
  const fn = stack.fn('Invalidator', 'lambda', { vpc: network });
  store.allowFrom(fn);
  if (invalidation.length > 0) {
    const timeout = Duration.seconds(s.sizing.timeout_seconds);
    const queue = stack.subscriptionQueue('Invalidations', invalidation.map((event) => ({ event })), { timeout });
    new QueueConsumer(stack, 'Consumer', { queue, handler: fn });
  }
  stack.grantees.push(fn);
  serviceSecrets(stack, [fn]);
};

export const AWS_HANDLERS: Record<ArchetypeKind, AwsHandler> = {
  stateless,
  'event-sourced': eventSourced,
  'saga-orchestrator': saga,
  gateway,
  consumer,
  producer,
  bff,
  'websocket-gateway': websocket,
  scheduled,
  'legacy-adapter': legacyAdapter,
  'stream-processor': streamProcessor,
  cache,
};

/**
 * A saga step's retries as the file says: `max_attempts` counts the first call, Step Functions' MaxAttempts only the
 * retries; the delays in whole seconds (at least 1), the longest no shorter than the first (as on GCP's Workflows).
 */
export function sagaStepRetry(retry: Resilience['retry']): SagaRetry {
  const interval = Math.max(1, Math.ceil(retry.initial_interval_ms / 1000));
  const maxDelay = Math.max(interval, Math.ceil(retry.max_interval_ms / 1000));
  return { maxAttempts: retry.max_attempts - 1, interval: Duration.seconds(interval), backoffRate: retry.multiplier, maxDelay: Duration.seconds(maxDelay) };
}
