import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type ReceiveMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AwsClient } from './aws';
import { EventValidationError, eventDataError, type EventEnvelope } from './events';
import type { EventSchemas } from './contracts';
import { processOnce, type IdempotencyStore } from './idempotency';
import type { Logger } from './logger';
import { runWithTenant } from './tenant';

/** A message taken from a queue. */
export interface QueueMessage {
  id: string;
  body: string;
  attributes?: Record<string, string>;
}

/** Handles one event; throwing marks its message as failed (it is redelivered, then dead-lettered). */
export type EventHandler = (event: EventEnvelope, message: QueueMessage) => Promise<void>;

/** Told why a message failed (its handler's error, or why it is no valid event), e.g. to carry it into a dead letter. */
export type FailureListener = (message: QueueMessage, error: unknown) => void;

/**
 * Processes messages as {@link processBatch} does (a service's `createProcessor`): what the SQS poll loop and the
 * JetStream consumer feed; the latter passes `onFailure` to learn why a message failed.
 */
export type BatchProcessor = (messages: readonly QueueMessage[], onFailure?: FailureListener) => Promise<BatchResult>;

/** Options for {@link processBatch}. */
export interface ProcessOptions {
  logger: Logger;
  /** When given, an event id already processed is skipped (redeliveries, duplicate publishes). */
  store?: IdempotencyStore;
  /** How long processed event ids are remembered; 7 days by default. */
  ttlSeconds?: number;
  /** FIFO queue: after the first failure every later message is failed too, to keep the order. */
  fifo?: boolean;
  /**
   * The event contracts (the events package's `EVENT_SCHEMAS`): an event whose data do not match its type's schema
   * fails like a message that is no event at all (redelivered, then dead-lettered), logged with the fields at fault.
   */
  schemas?: EventSchemas;
  /** Called for each failed message with its error, after it is logged. */
  onFailure?: FailureListener;
}

/** Partial batch response, as SQS event source mappings with `ReportBatchItemFailures` expect. */
export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEnvelope(v: unknown): v is EventEnvelope {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    typeof v.type === 'string' &&
    typeof v.source === 'string' &&
    typeof v.time === 'string' &&
    'data' in v
  );
}

/**
 * Parses a message body as an event envelope: directly, inside an SNS notification's `Message`, or inside an
 * EventBridge event's `detail`. Throws when it is none of these; with `schemas`, throws an EventValidationError
 * naming the fields when the data do not match the contract of the event's type (a type without one is let through:
 * the handlers decide what they take).
 */
export function parseEnvelope(body: string, schemas?: EventSchemas): EventEnvelope {
  let value: unknown = JSON.parse(body);
  if (isRecord(value) && value.Type === 'Notification' && typeof value.Message === 'string') {
    value = JSON.parse(value.Message);
  } else if (isRecord(value) && 'detail-type' in value) {
    value = value.detail;
  }
  if (!isEnvelope(value)) throw new Error('message is not an event envelope');
  const schema = schemas !== undefined && Object.prototype.hasOwnProperty.call(schemas, value.type) ? schemas[value.type] : undefined;
  const invalid = schema === undefined ? undefined : eventDataError(value.type, schema, value.data);
  if (invalid) throw invalid;
  return value;
}

/** Runs `handler` for each message in order and reports the failed ones individually. */
export async function processBatch(
  messages: readonly QueueMessage[],
  handler: EventHandler,
  options: ProcessOptions,
): Promise<BatchResult> {
  const failures: { itemIdentifier: string }[] = [];
  const { logger, store } = options;
  for (const message of messages) {
    if (options.fifo && failures.length > 0) {
      failures.push({ itemIdentifier: message.id });
      continue;
    }
    try {
      const event = parseEnvelope(message.body, options.schemas);
      const attempt = async (): Promise<void> => {
        const run = (): Promise<void> => handler(event, message);
        let outcome: 'processed' | 'duplicate' = 'processed';
        if (store) outcome = await processOnce(store, `event:${event.id}`, options.ttlSeconds ?? 604_800, run);
        else await run();
        logger.debug({ messageId: message.id, eventId: event.id, type: event.type, outcome }, 'message handled');
      };
      // a tenant's event is handled for that tenant: its logs, the events it emits and its data are the tenant's
      await (event.tenant !== undefined ? runWithTenant(event.tenant, attempt) : attempt());
    } catch (err) {
      if (err instanceof EventValidationError) logger.error({ err, messageId: message.id, fields: err.fields }, 'message refused: its event does not match its contract');
      else logger.error({ err, messageId: message.id }, 'message failed');
      failures.push({ itemIdentifier: message.id });
      options.onFailure?.(message, err);
    }
  }
  return { batchItemFailures: failures };
}

/** A Lambda handler for SQS events reporting per-message failures (enable `ReportBatchItemFailures`). */
export function sqsHandler(handler: EventHandler, options: ProcessOptions): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return (event) => {
    const messages = event.Records.map((r): QueueMessage => {
      const attributes: Record<string, string> = {};
      for (const [name, a] of Object.entries(r.messageAttributes)) if (a.stringValue !== undefined) attributes[name] = a.stringValue;
      return { id: r.messageId, body: r.body, attributes };
    });
    return processBatch(messages, handler, options);
  };
}

/** Options for {@link redrive}. */
export interface RedriveOptions {
  /** SQS client; the real one by default. */
  client?: AwsClient;
  dlqUrl: string;
  queueUrl: string;
  /** Stop after moving this many messages. */
  max: number;
}

/** Moves up to `max` messages from a dead-letter queue back to its queue (send, then delete); returns how many. */
export async function redrive(options: RedriveOptions): Promise<number> {
  const client = options.client ?? new SQSClient({});
  const fifo = options.queueUrl.endsWith('.fifo');
  let moved = 0;
  while (moved < options.max) {
    const out = (await client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.dlqUrl,
        MaxNumberOfMessages: Math.min(10, options.max - moved),
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    )) as ReceiveMessageCommandOutput;
    const messages: Message[] = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: m.Body,
          MessageAttributes: m.MessageAttributes,
          ...(fifo ? { MessageGroupId: m.Attributes?.MessageGroupId ?? 'redrive', MessageDeduplicationId: m.MessageId } : {}),
        }),
      );
      await client.send(new DeleteMessageCommand({ QueueUrl: options.dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      moved++;
    }
  }
  return moved;
}
