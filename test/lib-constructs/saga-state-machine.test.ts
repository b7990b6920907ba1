import { App, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SagaStateMachine, type SagaStateMachineProps, sagaSteps, stepResultState } from '../../lib-constructs/aws/saga-state-machine';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { walkSaga } from '../saga-walk';

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Catch?: { ErrorEquals: string[]; ResultPath: string; Next: string }[];
  readonly Retry?: { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }[];
  readonly Parameters?: Record<string, unknown>;
  readonly ResultPath?: string | null;
  readonly Resource?: string;
  readonly Error?: string;
  readonly CausePath?: string;
  readonly OutputPath?: string;
  readonly InputPath?: string;
  readonly ResultSelector?: Record<string, string>;
}
interface Definition {
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Record<string, State>;
}

const ORDER_STEPS = sagaSteps(['ReserveInventory', 'ChargePayment', 'ConfirmOrder'], ['ReleaseInventory', 'RefundPayment', 'CancelOrder']);

function fixture(props: Partial<SagaStateMachineProps> = {}, app = new App({ builtinCloudFormationValidation: false })) {
  const stack = new Stack(app, 'Test');
  const fn = new ServiceFunction(stack, 'Fn', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
  const saga = new SagaStateMachine(stack, 'Order', { sagaName: 'OrderSaga', steps: ORDER_STEPS, handler: fn.function, ...props });
  return { app, stack, fn, saga };
}

/** The order saga with its steps behind an HTTP API's `POST /steps` instead of a function. */
function endpointFixture(props: Partial<SagaStateMachineProps> = {}, app = new App({ builtinCloudFormationValidation: false })) {
  const stack = new Stack(app, 'Test');
  const api = new apigwv2.HttpApi(stack, 'Api');
  const saga = new SagaStateMachine(stack, 'Order', { sagaName: 'OrderSaga', steps: ORDER_STEPS, stepsEndpoint: { api }, ...props });
  return { app, stack, api, saga };
}

/** The state machine's definition, the handler's ARN rendered as HANDLER. */
function definitionOf(stack: Stack): Definition {
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }[];
  const parts = machine!.Properties.DefinitionString['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'HANDLER')).join('')) as Definition;
}

describe('SagaStateMachine', () => {
  test('steps run in order, each result kept under $.results.<step>, and the saga succeeds', () => {
    // GIVEN / WHEN
    const { stack } = fixture();
    const def = definitionOf(stack);
    // THEN
    expect(walkSaga(def)).toEqual({ tasks: ['ReserveInventory', 'ChargePayment', 'ConfirmOrder'], end: 'OrderSagaSucceeded' });
    expect(def.States.StartSaga).toMatchObject({ Type: 'Pass', Parameters: { 'input.$': '$', results: {} } });
    expect(def.States.ChargePayment).toMatchObject({
      Resource: 'HANDLER',
      ResultPath: '$.results.ChargePayment',
      Parameters: { saga: 'OrderSaga', step: 'ChargePayment', action: 'execute', 'sagaId.$': '$$.Execution.Name', 'input.$': '$.input', 'results.$': '$.results' },
    });
    expect(def.States.OrderSagaSucceeded).toEqual({ Type: 'Succeed', OutputPath: '$.results' });
  });

  test.each<[string, string[]]>([
    ['ConfirmOrder', ['RefundPayment', 'ReleaseInventory']],
    ['ChargePayment', ['ReleaseInventory']],
    ['ReserveInventory', []],
  ])('a failure in %s runs the compensations of the steps before it, last first, then fails', (failing, compensations) => {
    // GIVEN the order saga
    const { stack } = fixture();
    const def = definitionOf(stack);
    // WHEN the step fails after its retries
    const { tasks, end } = walkSaga(def, failing);
    // THEN
    const ran = ['ReserveInventory', 'ChargePayment', 'ConfirmOrder'];
    expect(tasks).toEqual([...ran.slice(0, ran.indexOf(failing) + 1), ...compensations]);
    expect(end).toBe('OrderSagaFailed');
    expect(def.States[failing]?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: expect.any(String) as string }]);
    expect(def.States.OrderSagaFailed).toEqual({ Type: 'Fail', Error: 'OrderSagaFailed', CausePath: '$.error.Cause' });
    // the compensation of the last step is never needed, so it is not a state
    expect(def.States.CancelOrder).toBeUndefined();
  });

  test('compensations are invoked with action compensate, their result discarded', () => {
    const def = definitionOf(fixture().stack);
    expect(def.States.RefundPayment).toMatchObject({
      Type: 'Task',
      ResultPath: null,
      Parameters: { saga: 'OrderSaga', step: 'RefundPayment', action: 'compensate', 'sagaId.$': '$$.Execution.Name', 'input.$': '$.input', 'results.$': '$.results' },
    });
  });

  test('a compensation that fails ends in CompensationFailed', () => {
    const def = definitionOf(fixture().stack);
    expect(walkSaga(def, 'ConfirmOrder', 'RefundPayment')).toEqual({ tasks: ['ReserveInventory', 'ChargePayment', 'ConfirmOrder', 'RefundPayment'], end: 'CompensationFailed' });
    expect(walkSaga(def, 'ConfirmOrder', 'ReleaseInventory').end).toBe('CompensationFailed');
    expect(def.States.CompensationFailed).toEqual({ Type: 'Fail', Error: 'CompensationFailed', CausePath: '$.compensationError.Cause' });
  });

  test('a step without compensation is skipped when undoing', () => {
    // GIVEN a middle step that cannot be undone
    const { stack } = fixture({ steps: sagaSteps(['Reserve', 'Notify', 'Charge', 'Confirm'], ['Release', '', 'Refund']) });
    // WHEN Confirm fails
    const { tasks, end } = walkSaga(definitionOf(stack), 'Confirm');
    // THEN
    expect(tasks).toEqual(['Reserve', 'Notify', 'Charge', 'Confirm', 'Refund', 'Release']);
    expect(end).toBe('OrderSagaFailed');
  });

  test('steps retry on Lambda errors and failed tasks (not States.Timeout); compensations retry longer', () => {
    // GIVEN a custom step retry
    const { stack } = fixture({ retry: { maxAttempts: 5, interval: Duration.seconds(3), backoffRate: 1.5 } });
    const def = definitionOf(stack);
    // THEN
    const errors = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'States.TaskFailed'];
    for (const step of ['ReserveInventory', 'ChargePayment', 'ConfirmOrder']) {
      expect(def.States[step]?.Retry).toEqual([{ ErrorEquals: errors, IntervalSeconds: 3, MaxAttempts: 5, BackoffRate: 1.5 }]);
    }
    for (const undo of ['RefundPayment', 'ReleaseInventory']) {
      expect(def.States[undo]?.Retry).toEqual([{ ErrorEquals: errors, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }]);
    }
  });

  test('the default step retry is 3 attempts, 1 s, backoff 2', () => {
    const def = definitionOf(fixture().stack);
    expect(def.States.ReserveInventory?.Retry).toEqual([expect.objectContaining({ IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 })]);
  });

  test('the saga deadline is the state machine timeout (default 5 minutes)', () => {
    expect(definitionOf(fixture().stack).TimeoutSeconds).toBe(300);
    expect(definitionOf(fixture({ timeout: Duration.minutes(10) }).stack).TimeoutSeconds).toBe(600);
  });

  test('STANDARD, X-Ray tracing, ALL logging without execution data to a log group with retention; an alarm on timeouts', () => {
    // GIVEN / WHEN
    const { stack } = fixture();
    const t = Template.fromStack(stack);
    // THEN
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderLogs'), 'Arn'] } } }],
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 365 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsTimedOut',
      Namespace: 'AWS/States',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^OrderStateMachine') } }],
    });
    expect(t.findResources('Custom::LogRetention')).toEqual({});
  });

  test('execution data in the log and the retention can be chosen', () => {
    const { stack } = fixture({ includeExecutionData: true, logRetention: 30 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: Match.objectLike({ IncludeExecutionData: true }) });
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 30 });
  });

  test('the state machine role may invoke the one handler (and its versions), nothing else', () => {
    const t = Template.fromStack(fixture().stack);
    const fnArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnFunction'), 'Arn'] };
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^OrderStateMachineRole') }],
      PolicyDocument: {
        Statement: [
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }] },
          // log delivery and X-Ray take no resource-level permissions
          { Action: Match.arrayWith(['logs:CreateLogDelivery']), Effect: 'Allow', Resource: '*' },
          { Action: Match.arrayWith(['xray:PutTraceSegments']), Effect: 'Allow', Resource: '*' },
        ],
        Version: '2012-10-17',
      },
    });
  });

  test('grantStartExecution allows states:StartExecution on this state machine; metrics for alarms', () => {
    // GIVEN
    const { stack, saga } = fixture();
    const caller = new ServiceFunction(stack, 'Caller', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
    // WHEN
    saga.grantStartExecution(caller.function);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^CallerRole') }],
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^OrderStateMachine') } }]) },
    });
    expect(saga.metricFailed().metricName).toBe('ExecutionsFailed');
    expect(saga.metricTimedOut().metricName).toBe('ExecutionsTimedOut');
  });

  test('passes cdk-nag AwsSolutions', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false });
    fixture({}, app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN
    expect(() => app.synth()).not.toThrow();
  });

  test.each<[string, Partial<SagaStateMachineProps>, string]>([
    ['no steps', { steps: [] }, 'at least one step'],
    ['a step used twice', { steps: [{ name: 'A' }, { name: 'A' }] }, "'A' is used twice"],
    ['a compensation named like a step', { steps: [{ name: 'A', compensation: 'B' }, { name: 'B' }] }, "'B' is used twice"],
    ['a name that is not an identifier', { steps: [{ name: 'reserve-inventory' }] }, "got 'reserve-inventory'"],
    ['a name the saga uses itself', { steps: [{ name: 'CompensationFailed' }] }, 'a state the saga adds itself'],
    ['a fractional timeout', { timeout: Duration.millis(1500) }, 'timeout must be whole seconds'],
    ['a negative retry', { retry: { maxAttempts: -1, interval: Duration.seconds(1), backoffRate: 2 } }, 'retry.maxAttempts'],
    ['a backoff below 1', { compensationRetry: { maxAttempts: 3, interval: Duration.seconds(1), backoffRate: 0.5 } }, 'compensationRetry.backoffRate'],
  ])('%s is refused', (_, props, message) => {
    expect(() => fixture(props)).toThrow(message);
  });

  test('all problems are reported at once', () => {
    expect(() => fixture({ sagaName: 'bad name', steps: [] })).toThrow(/sagaName must be .*; a saga needs at least one step/);
  });

  describe('with its steps behind the service\'s HTTP API (a container service)', () => {
    test.each<[string, string[]]>([
      ['ConfirmOrder', ['RefundPayment', 'ReleaseInventory']],
      ['ChargePayment', ['ReleaseInventory']],
      ['ReserveInventory', []],
    ])('a failure in %s runs the compensations of the steps before it, last first, then fails', (failing, compensations) => {
      // GIVEN the order saga calling POST /steps
      const def = definitionOf(endpointFixture().stack);
      // WHEN the step fails after its retries
      const { tasks, end } = walkSaga(def, failing);
      // THEN the same order as with a function
      const ran = ['ReserveInventory', 'ChargePayment', 'ConfirmOrder'];
      expect(tasks).toEqual([...ran.slice(0, ran.indexOf(failing) + 1), ...compensations]);
      expect(end).toBe('OrderSagaFailed');
      expect(walkSaga(def)).toEqual({ tasks: ran, end: 'OrderSagaSucceeded' });
    });

    test('each step is a SigV4-signed POST /steps on the $default stage with the step event; the response body is its result', () => {
      const def = definitionOf(endpointFixture().stack);
      expect(def.States.ChargePayment).toMatchObject({
        Type: 'Task',
        Resource: expect.stringMatching(/:states:::apigateway:invoke$/) as string,
        Parameters: {
          Method: 'POST',
          Stage: '$default',
          Path: '/steps',
          AuthType: 'IAM_ROLE',
          RequestBody: { saga: 'OrderSaga', step: 'ChargePayment', action: 'execute', 'sagaId.$': '$$.Execution.Name', 'input.$': '$.input', 'results.$': '$.results' },
        },
        ResultSelector: { 'body.$': '$.ResponseBody' },
        ResultPath: '$.results.ChargePayment',
        Next: stepResultState('ChargePayment'),
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
      });
      // the Pass after it keeps the body alone, as a function's result: the results have one shape on every compute
      expect(def.States[stepResultState('ChargePayment')]).toEqual({ Type: 'Pass', InputPath: '$.results.ChargePayment.body', ResultPath: '$.results.ChargePayment', Next: 'ConfirmOrder' });
      expect(def.States.RefundPayment).toMatchObject({
        Parameters: { Path: '/steps', RequestBody: { step: 'RefundPayment', action: 'compensate' } },
        ResultPath: null,
        Next: 'ReleaseInventory',
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
      });
      expect(def.States.RefundPayment?.ResultSelector).toBeUndefined();
    });

    test('the state machine role may call POST /steps of this one API, nothing else; tracing and logs as with a function', () => {
      const { stack, api } = endpointFixture();
      const t = Template.fromStack(stack);
      const apiId = stack.getLogicalId(api.node.defaultChild as CfnResource);
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^OrderStateMachineRole') }],
        PolicyDocument: {
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: apiId }, '/$default/POST/steps']] },
            },
            { Action: Match.arrayWith(['logs:CreateLogDelivery']), Effect: 'Allow', Resource: '*' },
            { Action: Match.arrayWith(['xray:PutTraceSegments']), Effect: 'Allow', Resource: '*' },
          ],
        },
      });
      t.resourceCountIs('AWS::Lambda::Function', 0);
      t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      });
    });

    test('another path can be named; passes cdk-nag AwsSolutions', () => {
      const app = new App({ builtinCloudFormationValidation: false });
      const { stack } = endpointFixture({ stepsEndpoint: { api: new apigwv2.HttpApi(new Stack(app, 'Apis'), 'Api'), path: '/saga/steps' } }, app);
      expect(definitionOf(stack).States.ReserveInventory?.Parameters).toMatchObject({ Path: '/saga/steps' });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).not.toThrow();
    });

    test('exactly one of handler and stepsEndpoint; the path must be literal', () => {
      const { stack, api } = endpointFixture();
      const fn = new ServiceFunction(stack, 'Fn', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
      expect(() => new SagaStateMachine(stack, 'Both', { sagaName: 'S', steps: ORDER_STEPS, handler: fn.function, stepsEndpoint: { api } })).toThrow('give exactly one of handler and stepsEndpoint');
      expect(() => new SagaStateMachine(stack, 'Neither', { sagaName: 'S', steps: ORDER_STEPS })).toThrow('give exactly one of handler and stepsEndpoint');
      expect(() => new SagaStateMachine(stack, 'Param', { sagaName: 'S', steps: ORDER_STEPS, stepsEndpoint: { api, path: '/steps/{id}' } })).toThrow("stepsEndpoint.path must be a literal path starting with \"/\", got '/steps/{id}'");
    });
  });

  test('sagaSteps aligns compensations by index and refuses more compensations than steps', () => {
    expect(sagaSteps(['A', 'B', 'C'], ['UndoA', null])).toEqual([{ name: 'A', compensation: 'UndoA' }, { name: 'B' }, { name: 'C' }]);
    expect(sagaSteps(['A'])).toEqual([{ name: 'A' }]);
    expect(() => sagaSteps(['A'], ['UndoA', 'UndoB'])).toThrow('2 compensations for 1 steps');
  });
});
