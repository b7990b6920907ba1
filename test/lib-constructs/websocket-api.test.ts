import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';
import { WebSocketApi } from '../../lib-constructs/aws/websocket-api';

const code = lambda.Code.fromInline('exports.handler = async () => {};');

function setup(app = new App({ builtinCloudFormationValidation: false })) {
  const stack = new Stack(app, 'Test');
  const fn = new ServiceFunction(stack, 'Fn', { code, handler: 'index.handler' });
  return { app, stack, fn, handler: fn.function };
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);

interface RouteProps {
  RouteKey: string;
  AuthorizationType: string;
  AuthorizerId?: unknown;
  Target: unknown;
}

function routesByKey(t: Template): Record<string, RouteProps> {
  return Object.fromEntries(
    Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => {
      const p = r.Properties as RouteProps;
      return [p.RouteKey, p];
    }),
  );
}

describe('WebSocketApi', () => {
  test('$connect, $disconnect and $default go to the one function; $connect requires IAM by default', () => {
    // GIVEN
    const { stack, handler } = setup();
    // WHEN
    new WebSocketApi(stack, 'Live', { handler });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'Live', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    t.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^FnFunction'), 'Arn'] }])] }),
    });
    const [integrationId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Integration'));
    const routes = routesByKey(t);
    expect(Object.keys(routes).sort()).toEqual(['$connect', '$default', '$disconnect']);
    for (const r of Object.values(routes)) expect(r.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    expect(routes.$connect!.AuthorizationType).toBe('AWS_IAM');
    expect(routes.$disconnect!.AuthorizationType).toBe('NONE');
    expect(routes.$default!.AuthorizationType).toBe('NONE');
    t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    // one invoke permission per route, each naming its route key
    const sources = Object.values(t.findResources('AWS::Lambda::Permission')).map((p) => JSON.stringify((p as { Properties: { SourceArn: unknown } }).Properties.SourceArn));
    expect(sources.map((s) => /"\/\*(\$\w+)"\]\]\}$/.exec(s)?.[1]).sort()).toEqual(['$connect', '$default', '$disconnect']);
  });

  test('a Lambda REQUEST authorizer on $connect reads the token query parameter by default', () => {
    const { stack, handler } = setup();
    const auth = new ServiceFunction(stack, 'Auth', { code, handler: 'index.handler' });
    new WebSocketApi(stack, 'Live', { handler, authorizer: auth.function });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
      AuthorizerUri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthFunction'), 'Arn'] }])] }),
    });
    const [authorizerId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Authorizer'));
    const routes = routesByKey(t);
    expect(routes.$connect).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    expect(routes.$disconnect!.AuthorizerId).toBeUndefined();
    // API Gateway may invoke the authorizer through this authorizer only
    t.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthFunction'), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/authorizers/', { Ref: authorizerId }])] }),
    });
  });

  test('other identity sources can be named; connectAuthorization none leaves $connect to the handler', () => {
    const { stack, handler } = setup();
    const auth = new ServiceFunction(stack, 'Auth', { code, handler: 'index.handler' });
    new WebSocketApi(stack, 'Keyed', { handler, authorizer: auth.function, authorizerIdentitySource: ['route.request.header.x-api-key'] });
    new WebSocketApi(stack, 'Open', { handler, connectAuthorization: 'none' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { IdentitySource: ['route.request.header.x-api-key'] });
    const openRoutes = Object.values(t.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: { Ref: Match.stringLikeRegexp('^OpenApi') } } }));
    expect(openRoutes.map((r) => (r.Properties as RouteProps).AuthorizationType)).toEqual(['NONE', 'NONE', 'NONE']);
  });

  test('the stage is auto-deployed, throttled and writes JSON access logs to its own log group', () => {
    const { stack, handler } = setup();
    const ws = new WebSocketApi(stack, 'Live', { handler });
    new WebSocketApi(stack, 'Custom', { handler, stageName: 'prod', throttle: { rateLimit: 50, burstLimit: 10 }, accessLogRetention: logs.RetentionDays.THREE_MONTHS });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalId(stack, ws.api) },
      StageName: 'live',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalId(stack, ws.logGroup), 'Arn'] }, Format: Match.anyValue() },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'prod', DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 10 } });
    t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage', { Properties: { StageName: 'live' } }))[0]!;
    expect(JSON.parse((stage.Properties as { AccessLogSettings: { Format: string } }).AccessLogSettings.Format)).toEqual({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      eventType: '$context.eventType',
      routeKey: '$context.routeKey',
      connectionId: '$context.connectionId',
      status: '$context.status',
      error: '$context.error.message',
      integrationLatency: '$context.integrationLatency',
    });
  });

  test('the connections table: pk string, expiresAt TTL, on-demand, encrypted, PITR, protected; named when asked', () => {
    const { stack, handler } = setup();
    new WebSocketApi(stack, 'Live', { handler, connectionsTableName: 'shop-notifier-connections' });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'shop-notifier-connections',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
  });

  test('an unprotected table for throwaway environments', () => {
    const { stack, handler } = setup();
    new WebSocketApi(stack, 'Live', { handler, protectTable: false });
    Template.fromStack(stack).hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });

  test('the handler may use this table and manage connections of this API stage, nothing broader', () => {
    // GIVEN two APIs, the handler of the first
    const { stack, handler, fn } = setup();
    const other = new ServiceFunction(stack, 'Other', { code, handler: 'index.handler' });
    // WHEN
    const ws = new WebSocketApi(stack, 'Live', { handler });
    new WebSocketApi(stack, 'Second', { handler: other.function });
    // THEN
    const t = Template.fromStack(stack);
    const policy = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(stack, fn.role) }] } }))[0]!;
    const statements = (policy.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement;
    const dynamo = statements.find((s) => [s.Action].flat().includes('dynamodb:PutItem'))!;
    expect(dynamo.Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack, ws.table.table), 'Arn'] });
    expect([dynamo.Action].flat()).not.toContain('dynamodb:DeleteTable');
    const manage = statements.find((s) => s.Action === 'execute-api:ManageConnections')!;
    expect(manage.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: logicalId(stack, ws.api) }, '/live/*/@connections/*']],
    });
    // every statement names a resource, except X-Ray's (which supports none)
    for (const s of statements) if (s.Resource === '*') expect(s.Action).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    expect(JSON.stringify(statements)).not.toContain('Second');
  });

  test('grantManage gives another function the same table and connection rights, and passes cdk-nag', () => {
    // GIVEN the API and a function that broadcasts events
    const app = new App({ builtinCloudFormationValidation: false });
    const { stack, handler } = setup(app);
    const ws = new WebSocketApi(stack, 'Live', { handler });
    const pusher = new ServiceFunction(stack, 'Pusher', { code, handler: 'index.handler' });
    // WHEN
    ws.grantManage(pusher.function);
    // THEN
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const t = Template.fromStack(stack);
    const policy = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(stack, pusher.role) }] } }))[0]!;
    const statements = (policy.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement;
    expect(statements.find((s) => [s.Action].flat().includes('dynamodb:Scan'))!.Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack, ws.table.table), 'Arn'] });
    expect(JSON.stringify(statements.find((s) => s.Action === 'execute-api:ManageConnections')!.Resource)).toContain('"/live/*/@connections/*"');
  });

  test('urls, and the configuration the generated code reads set on the handler', () => {
    const { stack, handler } = setup();
    const ws = new WebSocketApi(stack, 'Live', { handler });
    const apiId = logicalId(stack, ws.api);
    const host = [{ Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/live'];
    expect(stack.resolve(ws.url)).toEqual({ 'Fn::Join': ['', ['wss://', ...host]] });
    expect(stack.resolve(ws.callbackUrl)).toEqual({ 'Fn::Join': ['', ['https://', ...host]] });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          CONNECTIONS_STORE: 'dynamodb',
          CONNECTIONS_TABLE: { Ref: logicalId(stack, ws.table.table) },
          SENDER: 'apigateway',
          WEBSOCKET_ENDPOINT: { 'Fn::Join': ['', ['https://', ...host]] },
        },
      },
    });
  });

  test('configureHandler false leaves the handler environment alone', () => {
    const { stack, handler } = setup();
    const ws = new WebSocketApi(stack, 'Live', { handler, configureHandler: false });
    expect(Object.keys(ws.handlerEnvironment)).toEqual(['CONNECTIONS_STORE', 'CONNECTIONS_TABLE', 'SENDER', 'WEBSOCKET_ENDPOINT']);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Environment: Match.absent() });
  });

  test.each([
    ['IAM on $connect', {}],
    ['a Lambda authorizer', { withAuthorizer: true }],
  ])('passes cdk-nag AwsSolutions with %s', (_name, opts: { withAuthorizer?: boolean }) => {
    const { app, stack, handler } = setup();
    const authorizer = opts.withAuthorizer ? new ServiceFunction(stack, 'Auth', { code, handler: 'index.handler' }).function : undefined;
    new WebSocketApi(stack, 'Live', { handler, ...(authorizer ? { authorizer } : {}) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('an open $connect is flagged by cdk-nag APIG4 for the caller to settle', () => {
    const { app, stack, handler } = setup();
    new WebSocketApi(stack, 'Live', { handler, connectAuthorization: 'none' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/\$connect[\s\S]*AwsSolutions-APIG4|AwsSolutions-APIG4[\s\S]*\$connect/);
  });

  test('conflicting or invalid settings are all reported at once', () => {
    const { stack, handler } = setup();
    const auth = new ServiceFunction(stack, 'Auth', { code, handler: 'index.handler' });
    expect(
      () =>
        new WebSocketApi(stack, 'Bad', {
          handler,
          authorizer: auth.function,
          connectAuthorization: 'none',
          authorizerIdentitySource: ['token'],
          stageName: 'live stage',
          throttle: { rateLimit: 10, burstLimit: -1 },
        }),
    ).toThrow(
      'WebSocketApi Bad: throttle.burstLimit must be a whole non-negative number, got -1; stageName must be 1 to 128 letters, digits, hyphens or underscores, got "live stage"; ' +
        "connectAuthorization ('none') applies only without an authorizer; $connect uses the Lambda authorizer; " +
        'authorizerIdentitySource "token" is not route.request.header.<name>, route.request.querystring.<name>, stageVariables.<name> or context.<name>',
    );
    expect(() => new WebSocketApi(stack, 'NoAuth', { handler, authorizerIdentitySource: ['route.request.querystring.token'] })).toThrow('authorizerIdentitySource needs an authorizer');
    expect(() => new WebSocketApi(stack, 'Empty', { handler, authorizer: auth.function, authorizerIdentitySource: [] })).toThrow('at least one source');
  });
});
