/**
 * The layout of the generated event-sourced runtime's DynamoDB event store (src/skeletons/archetypes/event-sourced.ts,
 * `DynamoDbEventStore` and `createDependencies`), in one place so the infrastructure matches the code that uses it.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { insertFilter } from './stream-defaults';

/** Sort key of the events table: the event's version in its stream (1, 2, 3...), a number. */
export const EVENT_STORE_SORT_KEY: dynamodb.Attribute = { name: 'sk', type: dynamodb.AttributeType.NUMBER };

/** A stream's snapshot lives in the events table as `{ pk: 'snapshot#' + streamId, sk: 0, snapshot }`. */
export const SNAPSHOT_SORT_KEY_VALUE = '0';

/** The runtime's events table: `${TABLE_PREFIX}-events`. */
export function eventsTableName(tablePrefix: string): string {
  return `${tablePrefix}-events`;
}

/** The runtime's table of a projection (a repository): `${TABLE_PREFIX}-<projection in kebab case>`. */
export function projectionTableName(tablePrefix: string, projection: string): string {
  return `${tablePrefix}-${kebab(projection)}`;
}

/** PascalCase → kebab-case, as src/model/names.ts `kebab` does (lib-constructs may not import src/). */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[_\s]+/g, '-')
    .toLowerCase();
}

/** Stream records of newly appended events: INSERTs whose sort key is a version, not a snapshot's 0. */
export function appendedEventsFilter(): Record<string, unknown> {
  return insertFilter({ dynamodb: { Keys: { sk: { N: lambda.FilterRule.notEquals(SNAPSHOT_SORT_KEY_VALUE) } } } });
}
