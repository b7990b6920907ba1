import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, epochSeconds } from '@allframe/platform';
import type { AwsClient } from '@allframe/platform';
import type { Connection, ConnectionRegistry } from '../ports';

/**
 * DynamoDB registry: items `{ pk, connectedAt, principal, expiresAt, documents }`, `expiresAt` (epoch seconds) the TTL
 * attribute, `documents` a string set (the documents the connection edits).
 */
export class DynamoDbConnectionRegistry implements ConnectionRegistry {
  constructor(
    private readonly client: AwsClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  static create(tableName: string, ttlSeconds: number): DynamoDbConnectionRegistry {
    return new DynamoDbConnectionRegistry(createDocumentClient(), tableName, ttlSeconds);
  }

  async add(connection: Connection): Promise<void> {
    const item = { pk: connection.id, connectedAt: connection.connectedAt, principal: connection.principal, expiresAt: epochSeconds(this.now()) + this.ttlSeconds };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async remove(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: id } }));
  }

  /** Adds `document` to the connection's set (only while the connection is registered: a condition on its key). */
  async join(id: string, document: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: id },
          UpdateExpression: 'ADD documents :d',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':d': new Set([document]) },
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  /** Every unexpired connection (all Scan pages). */
  async list(): Promise<Connection[]> {
    const out: Connection[] = [];
    const now = epochSeconds(this.now());
    let start: Record<string, unknown> | undefined;
    do {
      const page = (await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }))) as ScanCommandOutput;
      for (const item of page.Items ?? []) {
        const i = item as { pk: string; connectedAt: string; principal: string; expiresAt: number; documents?: Set<string> };
        if (i.expiresAt > now) out.push({ id: i.pk, connectedAt: i.connectedAt, principal: i.principal, ...(i.documents ? { documents: [...i.documents].sort() } : {}) });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
