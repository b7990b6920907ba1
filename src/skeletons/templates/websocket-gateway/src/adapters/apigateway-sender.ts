import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { AwsClient } from '@allframe/platform';
import type { Sender } from '../ports';

/** Sends through the API Gateway Management API; a GoneException (410) means the client has left. */
export class ApiGatewaySender implements Sender {
  constructor(private readonly client: AwsClient) {}

  /** The real client for `endpoint` (https://{api-id}.execute-api.{region}.amazonaws.com/{stage}). */
  static create(endpoint: string): ApiGatewaySender {
    if (endpoint === '') throw new Error('WEBSOCKET_ENDPOINT is required for SENDER=apigateway');
    return new ApiGatewaySender(new ApiGatewayManagementApiClient({ endpoint }));
  }

  async send(connectionId: string, payload: string): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(payload) }));
      return 'sent';
    } catch (err) {
      if ((err as Error).name === 'GoneException') return 'gone';
      throw err;
    }
  }
}
