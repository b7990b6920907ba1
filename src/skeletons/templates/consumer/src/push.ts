import { z } from '@hono/zod-openapi';
import { EventEnvelopeSchema } from '@allframe/platform';
import type { QueueMessage } from '@allframe/platform';

/** A Pub/Sub push delivery: the message, its data base64-encoded (the event envelope); other fields are dropped. */
export const PubSubPushSchema = z
  .object({
    message: z.object({
      data: z.string().openapi({ description: 'The event envelope, base64-encoded' }),
      messageId: z.string().min(1),
      attributes: z.record(z.string(), z.unknown()).optional(),
    }),
    subscription: z.string().optional(),
  })
  .openapi('PubSubPush');

/** What POST /events takes: an event envelope posted as is, or a Pub/Sub push delivery of one. */
export const PushBodySchema = z.union([EventEnvelopeSchema, PubSubPushSchema]);
export type PushBody = z.infer<typeof PushBodySchema>;

function stringAttributes(v: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(v ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The queue message of an HTTP push: a Pub/Sub push body's decoded message, or the envelope posted as is. */
export function pushedMessage(body: PushBody): QueueMessage {
  if ('message' in body) {
    const { message } = body;
    return { id: message.messageId, body: Buffer.from(message.data, 'base64').toString('utf8'), attributes: stringAttributes(message.attributes) };
  }
  return { id: body.id, body: JSON.stringify(body) };
}
