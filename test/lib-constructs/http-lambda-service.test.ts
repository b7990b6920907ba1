import { App, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HttpLambdaService } from '../../lib-constructs/aws/http-lambda-service';
import type { HttpAuthorization } from '../../lib-constructs/aws/http-lambda-service';
import { ServiceFunction } from '../../lib-constructs/aws/service-function';

const JWT: HttpAuthorization = { kind: 'jwt', issuer: 'https://auth.example.com/', audience: ['orders-api'] };

function setup(app = new App({ builtinCloudFormationValidation: false })) {
  const stack = new Stack(app, 'Test');
  const fn = new ServiceFunction(stack, 'Fn', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
  return { app, stack, handler: fn.function };
}

const apiRef = { Ref: Match.stringLikeRegexp('^OrdersApi') };

describe('HttpLambdaService', () => {
  test('ANY / and ANY /{proxy+} go to the function through one payload-2.0 proxy integration, each route its own invoke permission', () => {
    // GIVEN
    const { stack, handler } = setup();
    // WHEN
    new HttpLambdaService(stack, 'Orders', { handler, authorization: JWT });
    // THEN
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'Orders', ProtocolType: 'HTTP' });
    t.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnFunction'), 'Arn'] },
    });
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string; Target: unknown } }).Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['ANY /', 'ANY /{proxy+}']);
    const [integrationId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Integration'));
    for (const r of routes) expect(r.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission')).map((p) => JSON.stringify((p as { Properties: { SourceArn: unknown } }).Properties.SourceArn));
    expect(permissions).toHaveLength(2);
    expect(permissions.some((p) => p.endsWith('"/*/*/"]]}'))).toBe(true);
    expect(permissions.some((p) => p.endsWith('"/*/*/{proxy+}"]]}'))).toBe(true);
  });

  test('jwt: a JWT authorizer with the issuer and audience guards every route', () => {
    const { stack, handler } = setup();
    new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'jwt', issuer: 'https://auth.example.com/', audience: ['orders-api', 'orders-web'] } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      ApiId: apiRef,
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://auth.example.com/', Audience: ['orders-api', 'orders-web'] },
    });
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(2);
    for (const r of routes) {
      expect(r.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: expect.stringMatching(/JwtAuthorizer/) } });
    }
  });

  test('iam: every route requires SigV4 (AWS_IAM), no authorizer resource', () => {
    const { stack, handler } = setup();
    new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'iam' } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(2);
    for (const r of routes) expect((r.Properties as { AuthorizationType: string }).AuthorizationType).toBe('AWS_IAM');
  });

  test('none: the routes are open, and cdk-nag APIG4 is left for the caller to settle', () => {
    const { stack, handler } = setup();
    new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'none' } });
    const routes = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(2);
    for (const r of routes) expect((r.Properties as { AuthorizationType: string }).AuthorizationType).toBe('NONE');
    // (a fresh app: Template.fromStack has already synthesized the first one)
    const nagged = setup();
    new HttpLambdaService(nagged.stack, 'Orders', { handler: nagged.handler, authorization: { kind: 'none' } });
    Validations.of(nagged.app).addPlugins(new AwsSolutionsChecks(nagged.app));
    expect(() => nagged.app.synth()).toThrow(/AwsSolutions-APIG4/);
  });

  test('the $default stage is auto-deployed and throttled: 1000 rps / burst 100 by default, or as given', () => {
    const { stack, handler } = setup();
    new HttpLambdaService(stack, 'Orders', { handler, authorization: JWT });
    new HttpLambdaService(stack, 'Slow', { handler, authorization: JWT, throttle: { rateLimit: 20, burstLimit: 5 } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ApiGatewayV2::Stage', 2);
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: apiRef,
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 100 },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: Match.stringLikeRegexp('^SlowApi') },
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 5 },
    });
  });

  test('access logs of the $default stage go, as JSON, to its own log group kept a year (or as given) and retained', () => {
    const { stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: JWT });
    new HttpLambdaService(stack, 'Short', { handler, authorization: JWT, accessLogRetention: logs.RetentionDays.ONE_MONTH });
    const t = Template.fromStack(stack);
    const logGroupId = stack.getLogicalId(svc.logGroup.node.defaultChild as logs.CfnLogGroup);
    t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage', { Properties: { ApiId: apiRef } }))[0]!;
    const settings = (stage.Properties as { AccessLogSettings: { DestinationArn: unknown; Format: string } }).AccessLogSettings;
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    expect(JSON.parse(settings.Format)).toEqual({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      httpMethod: '$context.httpMethod',
      routeKey: '$context.routeKey',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      integrationError: '$context.integrationErrorMessage',
      latency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
    });
  });

  test('url is the endpoint of the API at the $default stage', () => {
    const { stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: JWT, apiName: 'orders', description: 'Orders API' });
    const apiId = stack.getLogicalId(svc.api.node.defaultChild as CfnResource);
    expect(stack.resolve(svc.url)).toEqual({
      'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/']],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'orders', Description: 'Orders API' });
  });

  test('grantInvoke allows execute-api:Invoke on this API only', () => {
    // GIVEN two services and a caller
    const { stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'iam' } });
    new HttpLambdaService(stack, 'Other', { handler, authorization: { kind: 'iam' } });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    svc.grantInvoke(caller);
    // THEN
    const apiId = stack.getLogicalId(svc.api.node.defaultChild as CfnResource);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: apiId }, '/*']],
            },
          },
        ],
      },
    });
  });

  test('grantInvoke across stacks: the grantee imports the API id from one fixed-name export, and cdk-nag passes', () => {
    // GIVEN the service in one stack, two callers in another
    const { app, stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'iam' } });
    const callers = new Stack(app, 'Callers');
    const a = new ServiceFunction(callers, 'A', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
    const b = new ServiceFunction(callers, 'B', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
    // WHEN
    svc.grantInvoke(a.function);
    svc.grantInvoke(b.function);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // THEN
    expect(() => app.synth()).not.toThrow();
    expect(callers.dependencies).toContain(stack);
    const exportName = Object.values(Template.fromStack(stack).findOutputs('*')).map((o) => (o as { Export?: { Name: string } }).Export?.Name);
    expect(exportName).toEqual([expect.stringMatching(/^Test-TestOrders[A-F0-9]{8}-ApiId$/)]);
    const t = Template.fromStack(callers);
    for (const role of [a.role, b.role]) {
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: callers.getLogicalId(role.node.defaultChild as CfnResource) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { 'Fn::ImportValue': exportName[0] }, '/*']],
              },
            },
          ]),
        },
      });
    }
  });

  test('addPrivateRoute: POST /steps on the same backend, IAM whatever the API authorization; every grantInvoke caller, before or after, is denied it', () => {
    // GIVEN a public JWT service with a caller granted before the route exists, and one in another stack after
    const { app, stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: JWT });
    const before = new iam.Role(stack, 'Before', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    svc.grantInvoke(before);
    // WHEN the private route is added, then another caller granted
    svc.addPrivateRoute('StepsRoute', '/steps', apigwv2.HttpMethod.POST);
    const callers = new Stack(app, 'Callers');
    const after = new ServiceFunction(callers, 'After', { code: lambda.Code.fromInline('exports.handler = async () => {};'), handler: 'index.handler' });
    svc.grantInvoke(after.function);
    // THEN the route is IAM-authorized and goes to the one integration
    const t = Template.fromStack(stack);
    const [integrationId] = Object.keys(t.findResources('AWS::ApiGatewayV2::Integration'));
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /steps',
      AuthorizationType: 'AWS_IAM',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /{proxy+}', AuthorizationType: 'JWT' });
    // AND both callers may invoke the API but not that route (an explicit deny wins over the allow)
    const apiId = stack.getLogicalId(svc.api.node.defaultChild as CfnResource);
    const arn = (id: unknown, rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', id, rest]] });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Before') }],
      PolicyDocument: {
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn({ Ref: apiId }, '/*') },
          { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: arn({ Ref: apiId }, '/*/POST/steps') },
        ],
      },
    });
    const imported = { 'Fn::ImportValue': Match.stringLikeRegexp('-ApiId$') };
    Template.fromStack(callers).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn(imported, '/*') },
          { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: arn(imported, '/*/POST/steps') },
        ]),
      },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('a private route needs a literal path and one method', () => {
    const { stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'iam' } });
    expect(() => svc.addPrivateRoute('A', '/steps/{id}', apigwv2.HttpMethod.POST)).toThrow("a private route's path must be literal, got '/steps/{id}'");
    expect(() => svc.addPrivateRoute('B', '/steps', apigwv2.HttpMethod.ANY)).toThrow('a private route needs one method, not ANY');
  });

  test('metric helpers: 5xx summed per minute and p99 latency of this API, usable in alarms', () => {
    const { stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization: JWT });
    const apiId = stack.getLogicalId(svc.api.node.defaultChild as CfnResource);
    new cloudwatch.Alarm(stack, 'Errors', { metric: svc.metricServerErrors(), threshold: 1, evaluationPeriods: 1 });
    new cloudwatch.Alarm(stack, 'Slow', { metric: svc.metricLatencyP99({ period: Duration.minutes(1) }), threshold: 1000, evaluationPeriods: 3 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Period: 60,
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Period: 60,
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
    });
  });

  test.each<[string, HttpAuthorization]>([
    ['jwt', JWT],
    ['iam', { kind: 'iam' }],
  ])('passes cdk-nag AwsSolutions with %s authorization (a caller granted invoke included)', (_kind, authorization) => {
    const { app, stack, handler } = setup();
    const svc = new HttpLambdaService(stack, 'Orders', { handler, authorization });
    svc.grantInvoke(new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('a non-https issuer, an empty audience and an impossible throttle are all reported at once', () => {
    const { stack, handler } = setup();
    const make = () =>
      new HttpLambdaService(stack, 'Orders', {
        handler,
        authorization: { kind: 'jwt', issuer: 'http://auth.example.com', audience: [] },
        throttle: { rateLimit: -1, burstLimit: 2.5 },
      });
    expect(make).toThrow(
      'HttpLambdaService Orders: throttle.rateLimit must be a non-negative number, got -1; throttle.burstLimit must be a whole non-negative number, got 2.5; ' +
        'the JWT issuer must be an https URL, got "http://auth.example.com"; the JWT audience needs at least one value (a client id or API identifier)',
    );
  });

  test('a burst of 0 with a positive rate is refused', () => {
    const { stack, handler } = setup();
    expect(() => new HttpLambdaService(stack, 'Orders', { handler, authorization: { kind: 'iam' }, throttle: { rateLimit: 10, burstLimit: 0 } })).toThrow('refuses every request');
  });
});
