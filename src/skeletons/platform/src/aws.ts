import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The part of an AWS SDK v3 client the adapters use; tests pass a fake that records commands. */
export interface AwsClient {
  /** `options.abortSignal` ends a call in flight (a long-polling receive, say), as the SDK clients' `send` does. */
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Creates the real DynamoDB document client (plain JS values in and out, undefined attributes dropped). */
export function createDocumentClient(): AwsClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The current time in whole epoch seconds, for DynamoDB TTL attributes. */
export function epochSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}
