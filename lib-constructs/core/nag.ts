/**
 * Every cdk-nag acknowledgement allframe makes, in one file: each function names the finding it settles and the
 * reason a reviewer needs. Constructs and the targets call these; nothing else calls `Validations.acknowledge`
 * (a test checks it), so this file is the whole list a security review has to read.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The rule ids this file may acknowledge (the issue caps them at 8). */
export const ACKNOWLEDGED_RULES = [
  'AwsSolutions-SQS3',
  'AwsSolutions-IAM5',
  'AwsSolutions-L1',
  'AwsSolutions-APIG4',
  'AwsSolutions-ECS2',
  'AwsSolutions-EC23',
  'AwsSolutions-SMG4',
] as const;

export type AcknowledgedRule = (typeof ACKNOWLEDGED_RULES)[number];

function ack(scope: IConstruct, rule: AcknowledgedRule, finding: string | undefined, reason: string): void {
  Validations.of(scope).acknowledge({ id: finding === undefined ? rule : `${rule}[${finding}]`, reason });
}

/**
 * Every IAM action allframe grants on `Resource: "*"`, with the reason it cannot name a resource. cdk-nag's IAM5
 * finding for such a statement is `Resource::*`, whatever its actions; so each acknowledgement of it below also names
 * its exact actions (recorded on the construct, `acknowledgedWildcardActions`), and a template-wide test
 * (test/targets/aws/nag.test.ts) holds every `Resource: "*"` statement of every fixture and example to the actions
 * acknowledged on its role, all of them from this list. A new "*" grant fails that test until it is listed here
 * with its reason and acknowledged on its role.
 */
export const WILDCARD_RESOURCE_ACTIONS = {
  'xray:PutTraceSegments': 'X-Ray trace upload: supports no resource-level permissions (AWS documents "*" as its only resource)',
  'xray:PutTelemetryRecords': 'X-Ray telemetry upload: supports no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray sampling rules (Step Functions tracing): supports no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray sampling targets (Step Functions tracing): supports no resource-level permissions',
  'ec2:CreateNetworkInterface': 'Lambda in a VPC: the interfaces are created at run time with ids unknown in advance (as in AWSLambdaVPCAccessExecutionRole)',
  'ec2:DescribeNetworkInterfaces': 'Lambda in a VPC: Describe* actions support no resource-level permissions',
  'ec2:DeleteNetworkInterface': 'Lambda in a VPC: deletes the interfaces it created at run time (as in AWSLambdaVPCAccessExecutionRole)',
  'ec2:AssignPrivateIpAddresses': 'Lambda in a VPC: on interfaces created at run time (as in AWSLambdaVPCAccessExecutionRole)',
  'ec2:UnassignPrivateIpAddresses': 'Lambda in a VPC: on interfaces created at run time (as in AWSLambdaVPCAccessExecutionRole)',
  'ecr:GetAuthorizationToken': 'ECR registry login: supports no resource-level permissions; the image pulls name the repository',
  'secretsmanager:GetRandomPassword': 'generating a value for a rotation: supports no resource-level permissions',
  'logs:CreateLogDelivery': 'vended log delivery (Step Functions logging): supports no resource-level permissions',
  'logs:GetLogDelivery': 'vended log delivery: supports no resource-level permissions',
  'logs:UpdateLogDelivery': 'vended log delivery: supports no resource-level permissions',
  'logs:DeleteLogDelivery': 'vended log delivery: supports no resource-level permissions',
  'logs:ListLogDeliveries': 'vended log delivery: supports no resource-level permissions',
  'logs:PutResourcePolicy': 'vended log delivery writes the log group resource policy: supports no resource-level permissions',
  'logs:DescribeResourcePolicies': 'supports no resource-level permissions',
  'logs:DescribeLogGroups': 'supports no resource-level permissions',
  'logs:CreateLogGroup': 'API Gateway account logging role only: API Gateway creates the log group of every API and stage at run time',
  'logs:CreateLogStream': 'API Gateway account logging role only: log groups named by API Gateway at run time',
  'logs:DescribeLogStreams': 'API Gateway account logging role only: log groups named by API Gateway at run time',
  'logs:FilterLogEvents': 'API Gateway account logging role only: log groups named by API Gateway at run time',
  'logs:GetLogEvents': 'API Gateway account logging role only: log groups named by API Gateway at run time',
  'logs:PutLogEvents': 'API Gateway account logging role only: log groups named by API Gateway at run time',
} as const satisfies Record<string, string>;

export type WildcardResourceAction = keyof typeof WILDCARD_RESOURCE_ACTIONS;

/** Metadata type under which an acknowledgement of `Resource::*` records its exact actions. */
export const WILDCARD_ACTIONS_METADATA = 'allframe:wildcard-resource-actions';

/** IAM5 `Resource::*` on `role`, for exactly `actions`: recorded on the role and named in the reason. */
function ackWildcardResource(role: IConstruct, actions: readonly WildcardResourceAction[], why: string): void {
  role.node.addMetadata(WILDCARD_ACTIONS_METADATA, [...actions]);
  ack(role, 'AwsSolutions-IAM5', 'Resource::*', `${actions.join(', ')} on "*": ${why}`);
}

/** The actions acknowledged on `Resource: "*"` for `scope` (on it or any construct above it). */
export function acknowledgedWildcardActions(scope: IConstruct): ReadonlySet<string> {
  const actions = new Set<string>();
  for (const node of scope.node.scopes) {
    for (const entry of node.node.metadata) if (entry.type === WILDCARD_ACTIONS_METADATA && Array.isArray(entry.data)) for (const a of entry.data as unknown[]) actions.add(String(a));
  }
  return actions;
}

const XRAY_UPLOAD = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;
const LAMBDA_VPC = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'] as const;

/** The logical id of `scope`'s CloudFormation resource (its default child), as cdk-nag names it in findings. */
export function logicalIdOf(scope: IConstruct): string | undefined {
  const child = scope.node.defaultChild;
  return CfnResource.isCfnResource(child) ? Stack.of(scope).getLogicalId(child) : undefined;
}

/**
 * How cdk-nag writes a resource in a finding (`arn:aws:execute-api:eu-west-1:123:<Api1234>/*`): resolved in the
 * grantee's stack and flattened by cdk-nag's own function, so an acknowledgement always names the exact finding
 * whether the stack's environment is concrete or not, and whether the ARN crosses stacks.
 */
export function nagResource(scope: IConstruct, value: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { flattenCfnReference } = require('cdk-nag/lib/utils/flatten-cfn-reference') as { flattenCfnReference: (v: unknown) => string };
  return flattenCfnReference(Stack.of(scope).resolve(value));
}

/**
 * IAM5 on `grantee` for `<bucket ARN>/*`: object keys are chosen by the service at run time, so IAM names them with
 * "*"; the grant names one bucket and the object actions listed in the statement, nothing else.
 */
export function acknowledgeBucketObjects(grantee: IConstruct, objectsArn: string): void {
  ack(grantee, 'AwsSolutions-IAM5', `Resource::${nagResource(grantee, objectsArn)}`, 'The service may act on the objects of this one bucket (keys are chosen at run time, so the ARN ends in "/*"), with the object actions of the statement only.');
}

/** SQS3 on a queue that is itself a dead-letter queue. */
export function acknowledgeDeadLetterQueue(queue: IConstruct, of: string): void {
  ack(queue, 'AwsSolutions-SQS3', undefined, `This queue is the dead-letter queue of ${of}; a DLQ has no DLQ of its own.`);
}

/**
 * IAM5 on `grantee` for `<function>.Arn:*`: invoking a function includes its versions and aliases, which IAM can
 * only name with the ":*" suffix; the grant names the one function.
 */
export function acknowledgeFunctionVersions(grantee: IConstruct, fn: IConstruct, who: string): void {
  const id = logicalIdOf(fn);
  if (id === undefined) return;
  ack(grantee, 'AwsSolutions-IAM5', `Resource::<${id}.Arn>:*`, `${who} may invoke this one function and its versions and aliases (the function ARN with ":*"), nothing else.`);
}

/**
 * IAM5 on a function's role for the actions that take no resource: X-Ray trace upload always, and the network
 * interface actions of a function in a VPC. AWS documents "*" as the only resource for them.
 */
export function acknowledgeTracing(role: IConstruct, inVpc = false): void {
  const what = inVpc ? 'X-Ray trace upload and the VPC network-interface actions Lambda needs' : 'X-Ray trace upload';
  ackWildcardResource(role, inVpc ? [...XRAY_UPLOAD, ...LAMBDA_VPC] : XRAY_UPLOAD, `${what} support no resource-level permissions; AWS documents "*" as the only resource. Every other statement of this role names its resources.`);
}

/**
 * L1 on a function whose runtime is the one `settings.runtime` names rather than the newest Lambda knows: the
 * runtime is the architecture's choice, shared with its containers and CI, and is still supported.
 */
export function acknowledgePinnedRuntime(fn: IConstruct, runtime: string): void {
  ack(fn, 'AwsSolutions-L1', undefined, `The runtime (${runtime}) is the one settings.runtime pins for every service, its containers and its CI; it is a supported Lambda runtime, and moving to a newer one is a change to the architecture file.`);
}

/**
 * IAM5 on a state machine's role with logging and tracing: CloudWatch Logs' vended log delivery
 * (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy,
 * DescribeResourcePolicies, DescribeLogGroups) and X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules,
 * GetSamplingTargets) support no resource-level permissions, so IAM requires "*". `other`: what the role's one other
 * statement allows (the handler it invokes, or the route it calls).
 */
export function acknowledgeStateMachineDelivery(role: IConstruct, other = 'names the one handler it invokes'): void {
  const actions = [
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
    ...XRAY_UPLOAD,
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
  ] as const;
  ackWildcardResource(role, actions, `Step Functions log delivery to CloudWatch Logs (logs:*LogDelivery*, logs:PutResourcePolicy, logs:DescribeResourcePolicies, logs:DescribeLogGroups) and X-Ray trace upload (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level permissions; AWS documents "*" as the only resource. The role's other statement ${other}.`);
}

/**
 * IAM5 on `grantee` for `execute-api:Invoke` on `<api>/*`: the grant names one API; the "/*" covers its stages,
 * methods and paths, all of which belong to that API. `importedAs`: the export name a grantee in another stack
 * reads the API id from.
 */
export function acknowledgeExecuteApiInvoke(grantee: IConstruct, arn: string): void {
  ack(grantee, 'AwsSolutions-IAM5', `Resource::${nagResource(grantee, arn)}`, 'The caller may invoke every route of this one API (an internal service behind IAM authorization); the wildcard is the API\'s own stages, methods and paths, no other API.');
}

/**
 * IAM5 on `grantee` for `execute-api:ManageConnections` on the `@connections/*` of one API stage: a WebSocket backend
 * posts to, reads and closes connections whose ids are only known at run time; the grant names one API and one stage.
 */
export function acknowledgeManageConnections(grantee: IConstruct, arn: string, stageName: string): void {
  ack(grantee, 'AwsSolutions-IAM5', `Resource::${nagResource(grantee, arn)}`, `The WebSocket handler may post to, read and close the connections of this one API's ${stageName} stage; connection ids exist only at run time, so IAM can name them only with "*".`);
}

/**
 * APIG4 on a WebSocket route other than `$connect`: API Gateway authorizes a WebSocket connection once, on
 * `$connect` (it refuses an authorizer on any other route); later messages and the disconnect travel on that
 * authorized connection.
 */
export function acknowledgeWebSocketMessageRoute(route: IConstruct, routeKey: string): void {
  ack(route, 'AwsSolutions-APIG4', undefined, `The ${routeKey} route carries messages of a connection already authorized on $connect; API Gateway supports authorization on the $connect route only.`);
}

/**
 * ECS2 on a task definition whose container has plain environment variables: they carry configuration only
 * (names, URLs, flags); secrets reach the container through ECS `secrets` (Secrets Manager / SSM), never `environment`.
 */
export function acknowledgeContainerConfiguration(taskDefinition: IConstruct): void {
  ack(taskDefinition, 'AwsSolutions-ECS2', undefined, 'The environment variables are configuration only (resource names, URLs, flags); every secret is passed through ECS secrets (Secrets Manager or SSM Parameter Store), which ECS injects at start from values only the execution role can read.');
}

/**
 * IAM5 on an ECS task execution role for `ecr:GetAuthorizationToken`: the action takes no resource, so IAM requires
 * "*"; the image-pull actions themselves name the one repository.
 */
export function acknowledgeEcrAuthorization(executionRole: IConstruct): void {
  ackWildcardResource(executionRole, ['ecr:GetAuthorizationToken'], 'ecr:GetAuthorizationToken supports no resource-level permissions (AWS documents "*" as its only resource); the layer and image actions of this execution role name the one repository, and its log and secret statements name their resources.');
}

/** EC23 on the security group of an internet-facing load balancer: serving the internet means accepting 0.0.0.0/0. */
export function acknowledgePublicLoadBalancer(securityGroup: IConstruct): void {
  ack(securityGroup, 'AwsSolutions-EC23', undefined, 'This is the security group of an internet-facing load balancer, which must accept its listener ports from any address; it opens only the listener ports (80/443), and the tasks behind it accept traffic only from this group.');
}

/**
 * SMG4 on a secret whose value a third party issues (a payment provider's API key, a vendor's token): no rotation
 * function can mint a new value, only the issuer can, so rotation is the owner's manual procedure. The targets call
 * this only for secrets the architecture file marks `managed: external`; every other secret is rotated.
 */
export function acknowledgeThirdPartySecret(secret: IConstruct, name: string): void {
  ack(secret, 'AwsSolutions-SMG4', undefined, `The value of ${name} is issued by a third party (e.g. a payment provider or API vendor) and only its issuer can rotate it; no Lambda can generate a valid new value, so rotation is the owner's manual procedure (new value issued by the provider, then put-secret-value).`);
}

/**
 * IAM5 on a secret rotation function's role for `secretsmanager:GetRandomPassword`, which CDK grants with every
 * rotation schedule: the action takes no resource, so IAM requires "*".
 */
export function acknowledgeRotationRandomPassword(role: IConstruct): void {
  ackWildcardResource(role, ['secretsmanager:GetRandomPassword'], 'secretsmanager:GetRandomPassword (granted with the rotation schedule) and X-Ray trace upload support no resource-level permissions; AWS documents "*" as their only resource. The role\'s secret statements name the one secret it rotates.');
}

/**
 * Not a cdk-nag rule: aws-cdk-lib's built-in validation warns (W3010) on subnets with hard-coded availability
 * zones. ServiceNetwork names its zones on purpose: a stack with a concrete account and region then synthesizes
 * offline, with no context lookup, and the same every time.
 */
export function acknowledgeExplicitZones(vpc: IConstruct): void {
  Validations.of(vpc).acknowledge({
    id: 'CloudFormation-Validate::W3010',
    reason: 'The zones are named on purpose (ServiceNetwork availabilityZones): stacks with a concrete environment synthesize offline and deterministically, without an availability-zone lookup.',
  });
}

/**
 * APIG4 on a public WebSocket API's `$connect` route that API Gateway does not authorize itself: browsers cannot
 * sign with SigV4, so the generated `$connect` handler verifies the client's token (subscriptions.authorization:
 * jwt or api-key) and refuses the connection otherwise.
 */
export function acknowledgeConnectVerifiedByHandler(route: IConstruct, how: 'JWT' | 'API key' | 'none'): void {
  const reason =
    how === 'none'
      ? 'The architecture file declares this public WebSocket API open to anonymous clients (subscriptions.authorization: none); it only pushes the events listed there.'
      : `Clients of this public WebSocket API are browsers, which cannot sign requests; the $connect handler verifies the ${how} the client presents and refuses the connection without a valid one.`;
  ack(route, 'AwsSolutions-APIG4', undefined, reason);
}

/**
 * IAM5 on the account's API Gateway logging role: API Gateway creates and writes the log groups of every API and
 * stage of the account (names known only at run time), which is what the AWS-managed
 * AmazonAPIGatewayPushToCloudWatchLogs policy grants on "*"; this role has the same actions inline.
 */
export function acknowledgeApiGatewayLoggingRole(role: IConstruct): void {
  const actions = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:PutLogEvents'] as const;
  ackWildcardResource(role, actions, 'API Gateway writes the access and execution logs of every API and stage of the account to log groups named at run time; these are the actions of the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, inline and nothing more.');
}
