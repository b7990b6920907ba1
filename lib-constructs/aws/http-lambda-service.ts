import { ArnFormat, Duration, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_ACCESS_LOG_RETENTION, defaultApiThrottle, httpApiAccessLogFormat, throttleProblems } from '../core/api-defaults';
import type { ApiThrottle } from '../core/api-defaults';
import { acknowledgeExecuteApiInvoke } from '../core/nag';

/** Who may call the API: checked by API Gateway on every route before the function runs. */
export type HttpAuthorization =
  /** A JWT bearer token in the Authorization header, from `issuer` (https) for one of `audience`. */
  | { readonly kind: 'jwt'; readonly issuer: string; readonly audience: string[] }
  /** SigV4-signed requests of IAM principals granted `execute-api:Invoke` (see `grantInvoke`): internal services. */
  | { readonly kind: 'iam' }
  /** No authorization at the gateway (a public API, or the function checks callers itself): cdk-nag APIG4 is the caller's to settle. */
  | { readonly kind: 'none' };

export interface HttpLambdaServiceProps {
  /**
   * The function serving every request (payload format 2.0). Give this or `integration`.
   * @default - none: `integration` serves the requests
   */
  readonly handler?: lambda.IFunction;
  /**
   * Another backend for every route instead of a function, e.g. `HttpAlbIntegration` on the internal load
   * balancer of a Fargate service (through a VPC link), so containers get the same gateway: authorization,
   * throttling, access logs and `grantInvoke`.
   * @default - none: `handler` serves the requests
   */
  readonly integration?: apigwv2.HttpRouteIntegration;
  /** Who may call the API. */
  readonly authorization: HttpAuthorization;
  /**
   * Name of the API.
   * @default - the construct's id
   */
  readonly apiName?: string;
  /**
   * What the API does, shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Requests per second and burst of the `$default` stage, for all routes together.
   * @default - defaultApiThrottle(): 1000 rps, burst 100
   */
  readonly throttle?: ApiThrottle;
  /**
   * How long the access logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * An API Gateway HTTP API in front of one Lambda function: `ANY /` and `ANY /{proxy+}` go to the function
 * (payload format 2.0, the invoke permission scoped to each route), every route authorized the same way
 * (JWT, IAM or, explicitly, none), the `$default` stage throttled and writing JSON access logs to its own log
 * group with retention. HTTP APIs have no X-Ray tracing; the function traces itself.
 */
export class HttpLambdaService extends Construct {
  readonly api: apigwv2.HttpApi;
  /** The `$default` stage (auto-deployed): throttling and access logs. */
  readonly stage: apigwv2.HttpStage;
  /** The endpoint of the API (`https://{apiId}.execute-api.{region}.{urlSuffix}/`). */
  readonly url: string;
  /** Access logs of the `$default` stage. */
  readonly logGroup: logs.LogGroup;
  private apiIdExportName?: string;
  private readonly integration: apigwv2.HttpRouteIntegration;
  /** `<METHOD><path>` of the routes only their own callers may call (see `addPrivateRoute`). */
  private readonly privateRoutes: string[] = [];
  /** Who `grantInvoke` granted, with the API id as they name it: denied each private route, whenever it is added. */
  private readonly invokers: { readonly grantee: iam.IGrantable; readonly apiId: string }[] = [];

  constructor(scope: Construct, id: string, props: HttpLambdaServiceProps) {
    super(scope, id);
    const throttle = props.throttle ?? defaultApiThrottle();
    const problems = [...throttleProblems(throttle), ...authorizationProblems(props.authorization)];
    if ((props.handler === undefined) === (props.integration === undefined)) problems.push('give exactly one of handler and integration');
    if (problems.length > 0) throw new Error(`HttpLambdaService ${id}: ${problems.join('; ')}`);

    this.logGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? DEFAULT_ACCESS_LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName ?? id,
      // The L2's automatic default stage takes no throttle or access log settings: this construct adds its own.
      createDefaultStage: false,
      ...(props.description !== undefined ? { description: props.description } : {}),
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.logGroup), format: httpApiAccessLogFormat() },
    });
    this.url = this.stage.url;

    const integration =
      props.integration ?? new HttpLambdaIntegration('Handler', props.handler!, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    this.integration = integration;
    const authorizer = routeAuthorizer(props.authorization);
    for (const path of ['/', '/{proxy+}']) {
      this.api.addRoutes({ path, methods: [apigwv2.HttpMethod.ANY], integration, ...(authorizer ? { authorizer } : {}) });
    }
  }

  /**
   * Lets `grantee` call this API (`execute-api:Invoke` on every stage, method and path of this API, nothing else):
   * what callers need when the authorization is 'iam'. A grantee in another stack reads the API id from an export
   * with a fixed name (`<stack>-<construct>-ApiId`), and its stack is deployed after this one.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const principal = grantee.grantPrincipal;
    const apiStack = Stack.of(this);
    const granteeStack = Construct.isConstruct(principal) ? Stack.of(principal) : apiStack;
    const exportName = granteeStack === apiStack ? undefined : this.exportApiId(granteeStack);
    const apiId = exportName === undefined ? this.api.apiId : Fn.importValue(exportName);
    const arn = apiStack.formatArn({ service: 'execute-api', resource: apiId, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [arn] });
    if (Construct.isConstruct(principal)) acknowledgeExecuteApiInvoke(principal, arn);
    this.invokers.push({ grantee, apiId });
    for (const route of this.privateRoutes) this.denyRoute(grantee, apiId, route);
    return grant;
  }

  /**
   * Adds `method path` to the same backend, authorized by IAM whatever the API's authorization: for one internal
   * caller granted `execute-api:Invoke` on exactly that route (a state machine running the service's saga steps).
   * Callers granted through `grantInvoke`, before or after, are denied it, so that "may call the service" does not
   * include it. `path` is a literal path (no parameters or greedy segments).
   */
  addPrivateRoute(id: string, path: string, method: apigwv2.HttpMethod): apigwv2.HttpRoute {
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(path)) throw new Error(`HttpLambdaService ${this.node.id}: a private route's path must be literal, got '${path}'`);
    if (method === apigwv2.HttpMethod.ANY) throw new Error(`HttpLambdaService ${this.node.id}: a private route needs one method, not ANY`);
    const route = new apigwv2.HttpRoute(this, id, {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.with(path, method),
      integration: this.integration,
      authorizer: new HttpIamAuthorizer(),
    });
    const key = `${method}${path}`;
    this.privateRoutes.push(key);
    for (const { grantee, apiId } of this.invokers) this.denyRoute(grantee, apiId, key);
    return route;
  }

  /** An explicit deny of one route on every stage: it wins over the `<api>/*` allow of `grantInvoke`. */
  private denyRoute(grantee: iam.IGrantable, apiId: string, route: string): void {
    const arn = Stack.of(this).formatArn({ service: 'execute-api', resource: apiId, resourceName: `*/${route}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['execute-api:Invoke'], resources: [arn] }));
  }

  /** Exports the API id once under a fixed name, so grants in other stacks can name it (and be acknowledged). */
  private exportApiId(granteeStack: Stack): string | undefined {
    const apiStack = Stack.of(this);
    if (Token.isUnresolved(apiStack.stackName)) return undefined;
    if (this.apiIdExportName === undefined) {
      this.apiIdExportName = `${apiStack.stackName}-${Names.uniqueId(this)}-ApiId`;
      apiStack.exportValue(this.api.apiId, { name: this.apiIdExportName });
    }
    granteeStack.addStackDependency(apiStack, `it imports the id of ${this.node.path} for an execute-api:Invoke grant`);
    return this.apiIdExportName;
  }

  /**
   * Server-side errors (5xx) of the API, summed per minute: alarm on any.
   * @default - sum over 1 minute
   */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum', ...props });
  }

  /**
   * The 99th percentile of the time from request to response, in milliseconds.
   * @default - p99 over 5 minutes
   */
  metricLatencyP99(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricLatency({ period: Duration.minutes(5), statistic: 'p99', ...props });
  }
}

function authorizationProblems(authorization: HttpAuthorization): string[] {
  if (authorization.kind !== 'jwt') return [];
  const problems: string[] = [];
  const { issuer, audience } = authorization;
  if (!Token.isUnresolved(issuer) && !/^https:\/\/[^\s/]+/.test(issuer)) problems.push(`the JWT issuer must be an https URL, got ${JSON.stringify(issuer)}`);
  if (audience.length === 0) problems.push('the JWT audience needs at least one value (a client id or API identifier)');
  if (audience.some((a) => !Token.isUnresolved(a) && a.trim() === '')) problems.push('the JWT audience has an empty value');
  return problems;
}

function routeAuthorizer(authorization: HttpAuthorization): apigwv2.IHttpRouteAuthorizer | undefined {
  switch (authorization.kind) {
    case 'jwt':
      return new HttpJwtAuthorizer('JwtAuthorizer', authorization.issuer, { jwtAudience: authorization.audience });
    case 'iam':
      return new HttpIamAuthorizer();
    case 'none':
      return undefined;
  }
}
