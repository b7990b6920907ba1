/**
 * Every saga on AWS is a Step Functions state machine, whatever runs its HTTP side. The archetype fixture holds one
 * saga on Lambda (booking-service: the steps run in a function) and one on Fargate (rebooking-service: the machine
 * POSTs each step to the container's own /steps through the service's HTTP API); a caller that depends on the
 * Fargate saga is added here to show what it may and may not call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { validateSource } from '../../../src/validate';
import { FIXTURES, buildApp, sagaDefinition, walkSaga } from './helpers';

const FILE = join(FIXTURES, 'saga-orchestrator.yaml');
// GIVEN the fixture and a stateless service that calls the Fargate saga's HTTP API
const TEXT = `${readFileSync(FILE, 'utf8')}
  - name: trip-desk
    type: stateless
    depends_on: [rebooking-service]
`;
const validated = validateSource(FILE, TEXT, { env: {}, target: 'aws' });
if (!validated.model) throw new Error(validated.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
const { arch } = buildApp(validated.model);
const stackOf = (service: string): Stack => arch.services.get(service)!;
const template = (service: string) => Template.fromStack(stackOf(service));

/** `arn:<partition>:execute-api:<region>:<account>:<api id>` followed by `rest`, as the templates join it. */
const executeApi = (apiId: unknown, rest: string) => ({ 'Fn::Join': ['', ['arn:aws:execute-api:eu-west-1:', { Ref: 'AWS::AccountId' }, ':', apiId, rest]] });

describe('a saga on Fargate (rebooking-service)', () => {
  const t = template('rebooking-service');
  const def = sagaDefinition(t);
  const steps = ['RebookFlight', 'RebookHotel', 'NotifyTraveller'];

  test.each<[string, string[]]>([
    ['NotifyTraveller', ['RestoreHotel', 'RestoreFlight']],
    ['RebookHotel', ['RestoreFlight']],
    ['RebookFlight', []],
  ])("is a state machine: a failure in %s runs the completed steps' compensations, last first", (failing, compensations) => {
    // WHEN the step fails after its retries
    const { tasks, end } = walkSaga(def, failing);
    // THEN the steps up to it, then the compensations of the ones before it in reverse order, then the saga fails
    expect(tasks).toEqual([...steps.slice(0, steps.indexOf(failing) + 1), ...compensations]);
    expect(def.States[end]).toMatchObject({ Type: 'Fail', Error: 'RebookTripSagaFailed' });
    const succeeded = walkSaga(def);
    expect({ tasks: succeeded.tasks, end: def.States[succeeded.end] }).toEqual({ tasks: steps, end: { Type: 'Succeed', OutputPath: '$.results' } });
  });

  test("every step and compensation is a SigV4-signed POST /steps to the service's own API, retried as the file says", () => {
    const apiId = t.getResourceId('AWS::ApiGatewayV2::Api');
    for (const [name, action] of [...steps.map((s) => [s, 'execute']), ['RestoreFlight', 'compensate'], ['RestoreHotel', 'compensate']] as const) {
      expect(def.States[name]).toMatchObject({
        Type: 'Task',
        Resource: 'arn:TOKEN:states:::apigateway:invoke',
        Parameters: { ApiEndpoint: 'TOKEN.execute-api.eu-west-1.TOKEN', Method: 'POST', Stage: '$default', Path: '/steps', AuthType: 'IAM_ROLE', RequestBody: { saga: 'RebookTripSaga', step: name, action } },
      });
    }
    expect(t.toJSON().Resources[t.getResourceId('AWS::StepFunctions::StateMachine')].Properties.DefinitionString['Fn::Join'][1]).toContainEqual({ Ref: apiId });
    // retry.max_attempts: 4 of the file counts the first call (3 retries), its max_interval_ms the longest wait;
    // the saga's timeout_seconds is the machine's deadline
    expect((def.States.RebookHotel as { Retry?: unknown }).Retry).toEqual([{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 10 }]);
    expect((def as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(900);
    // no step function: the steps run in the container
    expect(Object.values(t.findResources('AWS::Lambda::Function')).filter((f) => (f as { Properties: { Handler?: string } }).Properties.Handler === 'step.handler')).toEqual([]);
  });

  test('the machine is STANDARD, traced, logged at ALL to a log group kept a year, with an alarm on timed-out runs', () => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Destinations: [Match.anyValue()], IncludeExecutionData: false, Level: 'ALL' },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 365 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsTimedOut', Namespace: 'AWS/States' });
  });

  test('POST /steps is a route with IAM authorization to the load balancer, and the machine may call that route alone', () => {
    const apiId = t.getResourceId('AWS::ApiGatewayV2::Api');
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string; AuthorizationType: string; Target: unknown } }).Properties);
    const steps = routes.find((r) => r.RouteKey === 'POST /steps');
    expect(steps).toMatchObject({ AuthorizationType: 'AWS_IAM' });
    expect(steps?.Target).toEqual(routes.find((r) => r.RouteKey === 'ANY /{proxy+}')?.Target);
    const role = t.getResourceId('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })] } } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: executeApi({ Ref: apiId }, '/$default/POST/steps') },
          // log delivery and X-Ray upload take no resource (acknowledged in lib-constructs/core/nag.ts)
          { Action: Match.arrayWith(['logs:CreateLogDelivery', 'xray:PutTraceSegments']), Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  test('the task role may start executions of its own machine (and nothing else of Step Functions); the container knows the machine and serves /steps', () => {
    const machine = t.getResourceId('AWS::StepFunctions::StateMachine');
    const taskRole = Object.keys(t.findResources('AWS::IAM::Role')).find((id) => id.startsWith('HttpTaskTaskRole'));
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))
      .map((p) => (p as { Properties: { Roles: unknown[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties)
      .filter((p) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: taskRole }]))
      .flatMap((p) => p.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
    expect(statements).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machine } }]);
    const env = (Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as { Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] } }).Properties.ContainerDefinitions[0]!.Environment;
    expect(env).toEqual(expect.arrayContaining([{ Name: 'SAGA_STATE_MACHINE_ARN', Value: { Ref: machine } }, { Name: 'SAGA_STEPS_ENDPOINT', Value: 'true' }]));
  });

  test("a service that depends on it may call its API, but not the saga's /steps", () => {
    const caller = template('trip-desk');
    const imported = { 'Fn::ImportValue': Match.stringLikeRegexp('^travel-booking-rebooking-service-.*-ApiId$') };
    caller.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: executeApi(imported, '/*') },
          { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: executeApi(imported, '/*/POST/steps') },
        ]),
      },
    });
  });
});

describe('a saga on Lambda (booking-service) in the same file', () => {
  test('is a state machine too, its steps run by its own step function', () => {
    const t = template('booking-service');
    const def = sagaDefinition(t);
    expect(walkSaga(def, 'ChargeCard').tasks).toEqual(['ReserveFlight', 'ReserveHotel', 'ChargeCard', 'CancelHotel', 'CancelFlight']);
    expect(def.States.ReserveFlight?.Resource).toBe('TOKEN');
    expect(Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey).sort()).toEqual(['ANY /', 'ANY /{proxy+}']);
    t.hasResourceProperties('AWS::Lambda::Function', { Handler: 'step.handler' });
  });
});
