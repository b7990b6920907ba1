import { HttpError } from '@allframe/platform';
import type { QueueMessage } from '@allframe/platform';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringAttributes(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * The queue message in an HTTP push: a Pub/Sub push body `{ message: { data (base64), attributes, messageId } }`, or
 * an event envelope posted as is. Anything else is a 400.
 */
export function pushedMessage(body: unknown): QueueMessage {
  if (!isRecord(body)) throw new HttpError(400, 'expected a JSON object');
  const message = body.message;
  if (isRecord(message)) {
    if (typeof message.data !== 'string' || typeof message.messageId !== 'string') throw new HttpError(400, 'message.data and message.messageId are required');
    return { id: message.messageId, body: Buffer.from(message.data, 'base64').toString('utf8'), attributes: stringAttributes(message.attributes) };
  }
  if (typeof body.id !== 'string') throw new HttpError(400, 'expected a Pub/Sub push body or an event envelope');
  return { id: body.id, body: JSON.stringify(body) };
}
