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
] as const;

export type AcknowledgedRule = (typeof ACKNOWLEDGED_RULES)[number];

function ack(scope: IConstruct, rule: AcknowledgedRule, finding: string | undefined, reason: string): void {
  Validations.of(scope).acknowledge({ id: finding === undefined ? rule : `${rule}[${finding}]`, reason });
}

/** The logical id of `scope`'s CloudFormation resource (its default child), as cdk-nag names it in findings. */
export function logicalIdOf(scope: IConstruct): string | undefined {
  const child = scope.node.defaultChild;
  return CfnResource.isCfnResource(child) ? Stack.of(scope).getLogicalId(child) : undefined;
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

/** IAM5 on a role for X-Ray: PutTraceSegments/PutTelemetryRecords take no resource, so IAM requires "*". */
export function acknowledgeTracing(role: IConstruct): void {
  ack(role, 'AwsSolutions-IAM5', 'Resource::*', 'X-Ray trace upload (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions; AWS documents "*" as the only resource. Every other statement of this role names its resources.');
}

/**
 * L1 on a function whose runtime is the one `settings.runtime` names rather than the newest Lambda knows: the
 * runtime is the architecture's choice, shared with its containers and CI, and is still supported.
 */
export function acknowledgePinnedRuntime(fn: IConstruct, runtime: string): void {
  ack(fn, 'AwsSolutions-L1', undefined, `The runtime (${runtime}) is the one settings.runtime pins for every service, its containers and its CI; it is a supported Lambda runtime, and moving to a newer one is a change to the architecture file.`);
}
