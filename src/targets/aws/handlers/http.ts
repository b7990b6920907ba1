/**
 * The request/response part every HTTP archetype shares: the service's code behind an HTTP API (Lambda) or an
 * Application Load Balancer (Fargate); JWT authorization for public services when the file names an issuer, IAM
 * authorization for the rest (only the services that list it in depends_on/aggregates are granted invoke); the
 * outbox relay when messaging.pattern is outbox.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { HttpAlbIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { FargateHttpService } from '../../../../lib-constructs/aws/fargate-http-service';
import { HttpAuthorization, HttpLambdaService } from '../../../../lib-constructs/aws/http-lambda-service';
import { TransactionalOutbox } from '../../../../lib-constructs/aws/transactional-outbox';
import { defaultApiThrottle } from '../../../../lib-constructs/core/api-defaults';
import { tenancyOf } from '../../../resolve/model';
import type { ServiceStack } from '../service-stack';

/** What the file says about who may call the service. */
export function authorizationOf(stack: ServiceStack): HttpAuthorization {
  const s = stack.service;
  if (s.spec.public !== true) return { kind: 'iam' };
  const auth = stack.model.file.security?.authentication;
  if (auth?.provider !== undefined && auth.provider !== 'none' && auth.jwt_issuer !== undefined && auth.jwt_issuer !== '') {
    return { kind: 'jwt', issuer: auth.jwt_issuer, audience: [auth.audience ?? stack.model.file.architecture.name] };
  }
  return { kind: 'none' };
}

export interface HttpOptions {
  /** Further Lambda entries the service uses besides `lambda` (and `relay`). */
  readonly entries?: readonly string[];
}

export interface HttpService {
  /** Who acts for the service: its function's role or its task role. */
  readonly grantees: readonly iam.IGrantable[];
  /** The HTTP API in front of the service (e.g. for a private route only the service's own state machine calls). */
  readonly api: HttpLambdaService;
}

/**
 * The service's HTTP API in front of `backend`: the file's authorization and rate limit; callers learn its URL
 * and are granted invoke on it; its 5xx and latency alarms come with the service's alarms.
 */
function exposeApi(stack: ServiceStack, id: string, backend: { handler: lambda.IFunction } | { integration: HttpAlbIntegration }): HttpLambdaService {
  const limit = stack.service.resilience.rate_limit;
  // A multi-tenant BFF's rate_limit is per tenant (its token bucket per tenant, in the app): the stage's throttle,
  // which counts every tenant's requests together, keeps the API's default ceiling, or one busy tenant would spend
  // the others' requests at the edge.
  const perTenant = stack.service.kind === 'bff' && tenancyOf(stack.model) !== undefined;
  const api = new HttpLambdaService(stack, id, {
    ...backend,
    authorization: authorizationOf(stack),
    apiName: stack.namePrefix,
    throttle: perTenant ? defaultApiThrottle() : { rateLimit: limit.rps, burstLimit: limit.burst },
  });
  stack.url = api.url;
  stack.httpApi = api.api;
  stack.invokeGrant = (grantee) => {
    api.grantInvoke(grantee);
  };
  return api;
}

/** Expose the service over HTTP and wire its outbox, per its compute. */
export function httpService(stack: ServiceStack, options: HttpOptions = {}): HttpService {
  const s = stack.service;
  const outbox = s.spec.messaging?.pattern === 'outbox' && stack.publishes.length > 0;
  const grantees: iam.IGrantable[] = [];
  if (s.compute === 'fargate') {
    const grpcArn = s.protocols.includes('grpc') ? stack.model.file.cloud?.aws?.certificate_arn : undefined;
    const service = new FargateHttpService(stack, 'Http', {
      network: stack.shared.network(),
      image: stack.code.container(s.name),
      cpu: s.sizing.cpu,
      memoryLimitMiB: s.sizing.memory_mb,
      minCapacity: s.sizing.min_instances,
      maxCapacity: s.sizing.max_instances,
      environment: stack.environmentNow(),
      // Always internal: the HTTP API in front is the only way in, public or not.
      internetFacing: false,
      // gRPC (validation requires the certificate): HTTPS:443 on the same internal load balancer, HTTP/2 to the tasks
      ...(grpcArn === undefined ? {} : { grpcCertificate: acm.Certificate.fromCertificateArn(stack, 'GrpcCertificate', grpcArn) }),
    });
    stack.configure(service.container);
    // Lambda sets AWS_REGION itself; a container is told (the SDK clients and the request signer read it).
    service.container.addEnvironment('AWS_REGION', Stack.of(stack).region);
    grantees.push(service.taskRole);
    stack.grantees.push(service.taskRole);
    // The internal load balancer is reached through an HTTP API (VPC link), so a container service has the same
    // gateway as a function: IAM or JWT authorization, throttling, access logs, and invoke grants for its callers.
    const api = exposeApi(stack, 'Gateway', { integration: new HttpAlbIntegration('Alb', service.listener) });
    if (outbox && s.database !== 'postgres') {
      // The container relays the outbox every second; its table still needs to exist.
      stack.table('outbox', { ttl: true }).grantReadWriteData(service.taskRole);
    }
    stack.grantPublish(service.taskRole);
    return { grantees, api };
  }
  stack.useEntries('lambda', ...(outbox ? ['relay'] : []), ...(options.entries ?? []));
  const fn = stack.fn('Api', 'lambda');
  grantees.push(fn);
  const api = exposeApi(stack, 'Http', { handler: fn });
  if (outbox) {
    const relay = stack.fn('Relay', 'relay', { timeout: Duration.seconds(60), description: `${s.name}: publishes what the outbox holds` });
    const box = new TransactionalOutbox(stack, 'Outbox', {
      relay,
      trigger: s.database === 'postgres' ? 'schedule' : 'stream',
      tableName: `${stack.tablePrefix}-outbox`,
    });
    if (box.table) {
      box.table.grantReadWriteData(fn);
    }
    stack.grantPublish(relay);
    stack.grantees.push(relay);
  } else {
    stack.grantPublish(fn);
  }
  stack.grantees.push(fn);
  return { grantees, api };
}
