/**
 * Every archetype on AWS (the mirror of test/targets/gcp/archetypes.test.ts): each fixture of fixtures/archetypes
 * builds, keeps the promises every service gets (traced Graviton functions with their own log groups, encrypted
 * queues that dead-letter, alarmed DLQs, authorized routes), and has the resources and properties its archetype
 * stands for, read from the templates.
 */
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { ResolvedArchitecture } from '../../../src/resolve';
import { FIXTURES, awsModel, awsModelOf, buildApp, fixtureFiles } from './helpers';

type Resource = { Type: string; Properties: Record<string, unknown> };

const built = new Map<string, { model: ResolvedArchitecture; templates: Map<string, Template> }>();
function fixture(name: string): { model: ResolvedArchitecture; templates: Map<string, Template> } {
  let b = built.get(name);
  if (!b) {
    const model = awsModel(join(FIXTURES, `${name}.yaml`));
    const { arch } = buildApp(model);
    b = { model, templates: new Map(model.services.map((s) => [s.name, Template.fromStack(arch.services.get(s.name)!)])) };
    built.set(name, b);
  }
  return b;
}
const stack = (fixtureName: string, service: string): Template => fixture(fixtureName).templates.get(service)!;
const resources = (t: Template, type: string): Resource[] => Object.values(t.findResources(type)) as Resource[];

describe.each(fixtureFiles().map((f) => f.replace(/\.yaml$/, '')))('%s on AWS', (name) => {
  test('every function: Graviton, active tracing, JSON logs to its own log group', () => {
    for (const t of fixture(name).templates.values()) {
      for (const fn of resources(t, 'AWS::Lambda::Function')) {
        expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } } });
      }
    }
  });

  test('every queue is encrypted; every queue but a DLQ dead-letters, and every DLQ is alarmed', () => {
    for (const t of fixture(name).templates.values()) {
      const queues = t.findResources('AWS::SQS::Queue');
      const dlqs = new Set<string>();
      for (const q of Object.values(queues) as Resource[]) {
        expect(q.Properties.SqsManagedSseEnabled === true || q.Properties.KmsMasterKeyId !== undefined).toBe(true);
        const target = (q.Properties.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string, string] } } | undefined)?.deadLetterTargetArn;
        if (target) dlqs.add(target['Fn::GetAtt'][0]);
      }
      // a queue without a redrive policy is some queue's (or an event source's, a schedule's) dead-letter queue
      for (const [id, q] of Object.entries(queues) as [string, Resource][]) {
        if (q.Properties.RedrivePolicy === undefined) expect(id).toMatch(/Dlq/);
      }
      for (const id of dlqs) t.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }], Threshold: Match.anyValue() });
    }
  });

  test('every HTTP route is authorized: IAM for internal services, the JWT authorizer for public ones', () => {
    const { model, templates } = fixture(name);
    for (const s of model.services) {
      const routes = resources(templates.get(s.name)!, 'AWS::ApiGatewayV2::Route').filter((r) => !String(r.Properties.RouteKey).startsWith('$'));
      for (const r of routes) expect(r.Properties.AuthorizationType).toBe(s.spec.public === true ? 'JWT' : 'AWS_IAM');
    }
  });
});

describe('what each archetype becomes on AWS', () => {
  test('stateless: a table per entity and for idempotency (PITR, KMS, TTL where records expire); the outbox relayed from its stream', () => {
    const t = stack('stateless', 'customer-api');
    for (const table of ['customer', 'address']) t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: `customer-platform-customer-api-${table}`, SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })] });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'customer-platform-customer-api-idempotency', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OutboxTable'), 'StreamArn'] }, BisectBatchOnFunctionError: true, DestinationConfig: { OnFailure: Match.anyValue() } });
  });

  test('event-sourced: an event store keyed by stream and sequence, a table per projection, the outbox relay', () => {
    const t = stack('event-sourced', 'ledger-service');
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'banking-core-ledger-service-events', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] });
    for (const p of ['account-balance', 'monthly-statement']) t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: `banking-core-ledger-service-${p}` });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('pending') }] }, StartingPosition: 'TRIM_HORIZON' });
  });

  test('event-sourced with cqrs.event_store postgres and its projections on DynamoDB: the events go to its own PostgreSQL database (DATABASE_URL, IAM auth), no DynamoDB events table', () => {
    const model = awsModelOf(`
architecture: { name: ledger-pg }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: ledger-service
    type: event-sourced
    database: { type: dynamodb }
    cqrs: { event_store: postgres, projections: [AccountBalance] }
`);
    const { arch } = buildApp(model);
    const t = Template.fromStack(arch.services.get('ledger-service')!);
    t.hasResourceProperties('AWS::RDS::DBCluster', { Engine: 'aurora-postgresql', StorageEncrypted: true, EnableIAMDatabaseAuthentication: true });
    const env = resources(t, 'AWS::Lambda::Function').map((f) => (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}).find((v) => v.EVENT_STORE !== undefined)!;
    expect(env).toMatchObject({ EVENT_STORE: 'postgres', STORE: 'dynamodb', PG_IAM_AUTH: 'true', DATABASE_URL: expect.anything() });
    expect(resources(t, 'AWS::DynamoDB::GlobalTable').map((r) => r.Properties.TableName)).toEqual(expect.arrayContaining(['ledger-pg-ledger-service-account-balance']));
    expect(resources(t, 'AWS::DynamoDB::GlobalTable').map((r) => r.Properties.TableName)).not.toContain('ledger-pg-ledger-service-events');
  });

  test('saga-orchestrator: a state machine running the steps in order, compensating completed steps in reverse, within saga.timeout_seconds', () => {
    const [machine] = resources(stack('saga-orchestrator', 'booking-service'), 'AWS::StepFunctions::StateMachine');
    const join = (machine!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const definition = JSON.parse(join.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as {
      StartAt: string;
      TimeoutSeconds: number;
      States: Record<string, { Type: string; Next?: string; Catch?: { Next: string }[]; Parameters?: { action?: string } }>;
    };
    const path = (from: string): string[] => {
      const out: string[] = [];
      for (let at: string | undefined = from; at !== undefined; at = definition.States[at]?.Next) out.push(at);
      return out;
    };
    expect(definition.TimeoutSeconds).toBe(600);
    expect(path(definition.StartAt)).toEqual(['StartSaga', 'ReserveFlight', 'ReserveHotel', 'ChargeCard', 'BookTripSagaSucceeded']);
    // a failing step undoes what came before it, newest first
    const onFailure = (step: string) => path(definition.States[step]!.Catch![0]!.Next);
    expect(onFailure('ReserveFlight')).toEqual(['BookTripSagaFailed']);
    expect(onFailure('ReserveHotel')).toEqual(['CancelFlight', 'BookTripSagaFailed']);
    expect(onFailure('ChargeCard')).toEqual(['CancelHotel', 'CancelFlight', 'BookTripSagaFailed']);
    expect(definition.States.CancelHotel!.Parameters!.action).toBe('compensate');
  });

  test('gateway: its provider keys (managed: external) in Secrets Manager without rotation, and an idempotency table', () => {
    const t = stack('gateway', 'shipping-gateway');
    for (const key of ['DHL_API_KEY', 'UPS_API_KEY']) t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `fulfilment/shipping-gateway/${key}` });
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'fulfilment-shipping-gateway-idempotency' });
  });

  test('bff: public behind the JWT authorizer of security.authentication', () => {
    stack('bff', 'mobile-bff').hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT', JwtConfiguration: { Issuer: 'https://auth.example.com', Audience: ['mobile-shop'] } });
  });

  test('websocket-gateway: a WebSocket API with $connect, $disconnect and $default, a connections table with TTL, subscribed events consumed from a queue', () => {
    const t = stack('websocket-gateway', 'live-updates');
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    expect(resources(t, 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect']);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'live-scores-live-updates-connections', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    t.hasResourceProperties('AWS::SNS::Subscription', { FilterPolicy: { type: ['MatchEnded', 'ScoreChanged'] } });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  test('scheduled: EventBridge Scheduler at the cron in its time zone, with a DLQ; overlap_policy skip means no retries', () => {
    stack('scheduled', 'nightly-invoicing').hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 0 } }),
    });
  });

  test('legacy-adapter (polling): the poll function every polling_interval_seconds, without retries', () => {
    stack('legacy-adapter', 'mainframe-adapter').hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(*/5 * * * ? *)', Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PollFunction'), 'Arn'] }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }) }) });
  });

  test('legacy-adapter (polling) with a database: one cursors table, read and written by its API and its poller', () => {
    // GIVEN (found by test/synth.property.test.ts: the table was built once per grantee, and CDK refused the second)
    const model = awsModelOf(`
architecture: { name: insurance }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: adapter
    type: legacy-adapter
    database: { type: dynamodb }
    acl: { upstream: "https://legacy.example.com", sync_strategy: polling, polling_interval_seconds: 120 }
`);
    // WHEN
    const t = Template.fromStack(buildApp(model).arch.services.get('adapter')!);
    // THEN
    expect(resources(t, 'AWS::DynamoDB::GlobalTable').map((r) => r.Properties.TableName)).toEqual(['insurance-adapter-cursors']);
    const writers = resources(t, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('dynamodb:PutItem'));
    expect(writers).toHaveLength(2);
  });

  test('anti-corruption-layer (webhook): an IAM-authorized HTTP API and nothing scheduled', () => {
    const t = stack('anti-corruption-layer', 'crm-adapter');
    t.resourceCountIs('AWS::Scheduler::Schedule', 0);
    t.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
  });

  test('stream-processor: input events piped from a queue into a Kinesis stream, processed with an on-failure destination', () => {
    const t = stack('stream-processor', 'fraud-scorer');
    t.resourceCountIs('AWS::Kinesis::Stream', 1);
    t.hasResourceProperties('AWS::Pipes::Pipe', { Target: { 'Fn::GetAtt': [Match.stringLikeRegexp('Stream'), 'Arn'] } });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Stream'), 'Arn'] }, DestinationConfig: { OnFailure: Match.anyValue() } });
    t.hasResourceProperties('AWS::SNS::Subscription', { FilterPolicy: { type: ['PaymentAttempted'] } });
  });

  test('cache: an ElastiCache Serverless cache of the chosen engine, invalidated by a consumer of its events', () => {
    const t = stack('cache', 'session-cache');
    t.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey' });
    t.hasResourceProperties('AWS::SNS::Subscription', { FilterPolicy: { type: ['UserLoggedOut'] } });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  test('consumer and producer: the consumer reads its queue; the producer may publish to its own topic only', () => {
    stack('consumer', 'email-notifier').hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const statements = resources(stack('producer', 'telemetry-ingest'), 'AWS::IAM::Policy').flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    expect(statements.filter((st) => [st.Action].flat().includes('sns:Publish'))).toEqual([expect.objectContaining({ Resource: { 'Fn::ImportValue': expect.stringMatching(/telemetryingestevents/) } })]);
  });

  test('a stateless service with no declared entity gets the table of the entity its code is generated with, named after the service (found by allframe dev)', () => {
    const model = awsModel(join(FIXTURES, '..', 'dev', 'eventbridge.yaml'));
    const { app, arch } = buildApp(model);
    app.synth();
    // order-api declares no domain.entities: its code keeps Orders in `${TABLE_PREFIX}-order`
    Template.fromStack(arch.services.get('order-api')!).hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'dev-bus-order-api-order' });
  });

  test('a consumer with a DynamoDB store gets the idempotency table its code records processed event ids in (found by allframe dev)', () => {
    // GIVEN a consumer whose database is DynamoDB, without idempotency.enabled (its processed event ids are kept anyway)
    const model = awsModel(join(FIXTURES, '..', 'dev', 'system.yaml'));
    const { app, arch } = buildApp(model);
    app.synth();
    const t = Template.fromStack(arch.services.get('order-mailer')!);
    // THEN the table its STORE=dynamodb names is there, with the TTL the records carry, and the consumer may use it
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'dev-system-order-mailer-idempotency', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    const statements = resources(t, 'AWS::IAM::Policy').flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement);
    expect(statements.some((st) => [st.Action].flat().includes('dynamodb:PutItem'))).toBe(true);
  });
});
