/**
 * The layout of the generated runtime's DynamoDB outbox (src/skeletons/platform/src/outbox.ts, `DynamoDbOutbox`):
 * items `{ pk: event id, status: 'pending' | 'sent', createdAt, event, expiresAt? }` in `${TABLE_PREFIX}-outbox`.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { insertFilter } from './stream-defaults';

/** The TTL attribute: sent items get `expiresAt` (epoch seconds) and DynamoDB deletes them afterwards. */
export const OUTBOX_TTL_ATTRIBUTE = 'expiresAt';

/** The status of an item the relay has not published yet. */
export const OUTBOX_PENDING_STATUS = 'pending';

/** How often a schedule-triggered relay runs (five-field cron): every minute. */
export const OUTBOX_RELAY_CRON = '* * * * *';

/** The runtime's outbox table: `${TABLE_PREFIX}-outbox`. */
export function outboxTableName(tablePrefix: string): string {
  return `${tablePrefix}-outbox`;
}

/** Stream records of newly added pending items (the relay marking an item sent is a MODIFY, filtered out). */
export function pendingItemsFilter(): Record<string, unknown> {
  return insertFilter({ dynamodb: { NewImage: { status: { S: lambda.FilterRule.isEqual(OUTBOX_PENDING_STATUS) } } } });
}
