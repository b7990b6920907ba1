import type { EventHandler } from '@allframe/platform';
import type { Gateway } from './application/gateway';
import { AuthError } from './auth';

/** The part of an API Gateway WebSocket event the gateway reads. */
export interface WebSocketEvent {
  readonly requestContext: { readonly routeKey?: string; readonly connectionId?: string };
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

/** Routes $connect (401 when refused), $disconnect and $default (client messages) to the gateway. */
export async function handleWebSocketEvent(gateway: Gateway, event: WebSocketEvent): Promise<WebSocketResult> {
  const { routeKey, connectionId } = event.requestContext;
  if (connectionId === undefined) return { statusCode: 400, body: 'missing connection id' };
  switch (routeKey) {
    case '$connect': {
      const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      try {
        await gateway.connect({ connectionId, headers, query: event.queryStringParameters ?? {} });
      } catch (err) {
        if (err instanceof AuthError) return { statusCode: 401, body: err.message };
        throw err;
      }
      return { statusCode: 200 };
    }
    case '$disconnect':
      await gateway.disconnect(connectionId);
      return { statusCode: 200 };
    default:
      await gateway.onMessage(connectionId, event.body ?? '');
      return { statusCode: 200 };
  }
}

/** Subscribed events from the queue, broadcast to every connection. */
export function eventHandler(gateway: Gateway): EventHandler {
  return async (event) => {
    await gateway.publish(event);
  };
}
