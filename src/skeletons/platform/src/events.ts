import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand, SNSClient, type PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandOutput } from '@aws-sdk/client-sqs';
import { chunk, type AwsClient } from './aws';
import type { z } from 'zod';
import { problemFields } from './api';
import type { ProblemField } from './http';
import { currentTenant } from './tenant-context';

/** The envelope every event travels in, whatever the transport. */
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  source: string;
  /** ISO-8601 timestamp. */
  time: string;
  data: T;
  tenant?: string;
}

/** Optional fields of a new event. */
export interface NewEventOptions {
  id?: string;
  time?: string;
  /** @default - the tenant the current work runs for (tenant.ts), if any */
  tenant?: string;
}

/** Builds an envelope with a random UUID id, the current time and the current tenant (if any) unless given. */
export function newEvent<T>(type: string, source: string, data: T, options: NewEventOptions = {}): EventEnvelope<T> {
  const event: EventEnvelope<T> = {
    id: options.id ?? randomUUID(),
    type,
    source,
    time: options.time ?? new Date().toISOString(),
    data,
  };
  const tenant = options.tenant ?? currentTenant();
  if (tenant !== undefined) event.tenant = tenant;
  return event;
}

/** Thrown when event data does not match its definition. */
export class EventValidationError extends Error {
  /** The fields of the data that do not match, each a JSON Pointer into the data (`#/lines/0/sku`) with the problem. */
  readonly fields: readonly ProblemField[];

  constructor(message: string, fields: readonly ProblemField[] = []) {
    super(message);
    this.name = 'EventValidationError';
    this.fields = fields;
  }
}

/** A typed, schema-checked event type (see {@link defineEvent}). */
export interface EventDefinition<T> {
  readonly type: string;
  /** Builds a validated envelope; the source is `options.source`, else the definition's source. */
  create(data: T, options?: NewEventOptions & { source?: string }): EventEnvelope<T>;
  /** True when `event` has this type and valid data. */
  is(event: EventEnvelope): event is EventEnvelope<T>;
  /** Returns `event` typed, or throws {@link EventValidationError}. */
  parse(event: EventEnvelope): EventEnvelope<T>;
}

/**
 * The {@link EventValidationError} of `data` that does not match `schema`, the schema of event `type`, naming each
 * field at fault; undefined when it matches.
 */
export function eventDataError(type: string, schema: z.ZodType, data: unknown): EventValidationError | undefined {
  const result = schema.safeParse(data);
  if (result.success) return undefined;
  const fields = problemFields(result.error, 'json');
  return new EventValidationError(`invalid data for event ${type}: ${fields.map((f) => `${f.pointer ?? '#'} ${f.detail}`).join('; ')}`, fields);
}

/**
 * Defines an event type whose data is checked by `validate`: its zod schema (the events package's
 * `<Event>DataSchema`; an invalid event's error names the fields), or a type guard. `source` is the producing
 * service, used by `create` unless overridden.
 */
export function defineEvent<T>(
  type: string,
  validate: ((data: unknown) => data is T) | z.ZodType<T>,
  source?: string,
): EventDefinition<T> {
  const problem = (data: unknown): EventValidationError | undefined => {
    if (typeof validate !== 'function') return eventDataError(type, validate, data);
    return validate(data) ? undefined : new EventValidationError(`invalid data for event ${type}`);
  };
  const parse = (event: EventEnvelope): EventEnvelope<T> => {
    if (event.type !== type) throw new EventValidationError(`expected event type ${type}, got ${event.type}`);
    const error = problem(event.data);
    if (error) throw error;
    return event as EventEnvelope<T>;
  };
  return {
    type,
    create(data, options = {}) {
      const from = options.source ?? source;
      if (from === undefined) throw new EventValidationError(`no source given for event ${type}`);
      return parse(newEvent(type, from, data, options));
    },
    is: (event): event is EventEnvelope<T> => event.type === type && problem(event.data) === undefined,
    parse,
  };
}

/** Port: sends events to a bus, topic or queue. */
export interface EventPublisher {
  publish(events: readonly EventEnvelope[]): Promise<void>;
}

/** Thrown when a transport rejects some events of a batch. */
export class PublishError extends Error {
  /** Ids of the events that were not accepted. */
  readonly failedIds: readonly string[];

  constructor(transport: string, failedIds: readonly string[]) {
    super(`${transport} rejected ${failedIds.length} event(s): ${failedIds.join(', ')}`);
    this.name = 'PublishError';
    this.failedIds = failedIds;
  }
}

/** Keeps published events in `published`, for tests and local runs. */
export class MemoryPublisher implements EventPublisher {
  readonly published: EventEnvelope[] = [];

  /** Appends `events` to `published`. */
  publish(events: readonly EventEnvelope[]): Promise<void> {
    this.published.push(...events);
    return Promise.resolve();
  }
}

const BATCH = 10;

/** FIFO fields: events of one tenant (else of one type) stay ordered; the event id deduplicates. */
function fifoFields(event: EventEnvelope): { MessageGroupId: string; MessageDeduplicationId: string } {
  return { MessageGroupId: event.tenant ?? event.type, MessageDeduplicationId: event.id };
}

function typeAttribute(event: EventEnvelope): { type: { DataType: 'String'; StringValue: string } } {
  return { type: { DataType: 'String', StringValue: event.type } };
}

function failedIds(batch: readonly EventEnvelope[], failed: readonly { Id?: string | undefined }[]): string[] {
  return failed.map((f) => batch[Number(f.Id)]?.id ?? String(f.Id));
}

/** Publishes to an SNS topic with PublishBatch (10 a call); the `type` message attribute allows filter policies. */
export class SnsPublisher implements EventPublisher {
  constructor(
    private readonly client: AwsClient,
    private readonly topicArn: string,
  ) {}

  /** Creates the publisher with the real SNS client. */
  static create(topicArn: string): SnsPublisher {
    return new SnsPublisher(new SNSClient({}), topicArn);
  }

  /** Sends `events` in batches of 10; throws {@link PublishError} listing rejected events. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const fifo = this.topicArn.endsWith('.fifo');
    for (const batch of chunk(events, BATCH)) {
      const out = (await this.client.send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: batch.map((e, i) => ({
            Id: String(i),
            Message: JSON.stringify(e),
            MessageAttributes: typeAttribute(e),
            ...(fifo ? fifoFields(e) : {}),
          })),
        }),
      )) as PublishBatchCommandOutput;
      if (out.Failed?.length) throw new PublishError('SNS', failedIds(batch, out.Failed));
    }
  }
}

/**
 * Publishes to an EventBridge bus with PutEvents (10 a call): `DetailType` is the event type, `Source` its source,
 * and `Detail` the whole envelope (so the event id survives for consumer deduplication).
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: AwsClient,
    private readonly busName: string,
  ) {}

  /** Creates the publisher with the real EventBridge client. */
  static create(busName: string): EventBridgePublisher {
    return new EventBridgePublisher(new EventBridgeClient({}), busName);
  }

  /** Sends `events` in batches of 10; when `FailedEntryCount` > 0 throws {@link PublishError} naming the events without an EventId. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const batch of chunk(events, BATCH)) {
      const out = (await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: e.source,
            DetailType: e.type,
            Detail: JSON.stringify(e),
            Time: new Date(e.time),
          })),
        }),
      )) as PutEventsCommandOutput;
      if (out.FailedEntryCount) {
        const entries = out.Entries ?? [];
        const ids = batch.filter((_, i) => entries[i]?.EventId === undefined).map((e) => e.id);
        throw new PublishError('EventBridge', ids);
      }
    }
  }
}

/** Sends to an SQS queue with SendMessageBatch (10 a call); FIFO queues get group and deduplication ids. */
export class SqsPublisher implements EventPublisher {
  constructor(
    private readonly client: AwsClient,
    private readonly queueUrl: string,
  ) {}

  /** Creates the publisher with the real SQS client. */
  static create(queueUrl: string): SqsPublisher {
    return new SqsPublisher(new SQSClient({}), queueUrl);
  }

  /** Sends `events` in batches of 10; throws {@link PublishError} listing rejected events. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const fifo = this.queueUrl.endsWith('.fifo');
    for (const batch of chunk(events, BATCH)) {
      const out = (await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((e, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(e),
            MessageAttributes: typeAttribute(e),
            ...(fifo ? fifoFields(e) : {}),
          })),
        }),
      )) as SendMessageBatchCommandOutput;
      if (out.Failed?.length) throw new PublishError('SQS', failedIds(batch, out.Failed));
    }
  }
}

/** The part of a Pub/Sub `Topic` the publisher uses. */
export interface PubSubTopic {
  publishMessage(message: { data: Buffer; attributes?: Record<string, string> }): Promise<string>;
}

/** Publishes to a Google Cloud Pub/Sub topic; the `type` attribute allows subscription filters. */
export class PubSubPublisher implements EventPublisher {
  constructor(private readonly topic: PubSubTopic) {}

  /** Creates the publisher for topic `name` with the real client, loaded only when called. */
  static async create(name: string): Promise<PubSubPublisher> {
    const { PubSub } = await import('@google-cloud/pubsub');
    return new PubSubPublisher(new PubSub().topic(name));
  }

  /** Publishes every event (the client batches); rejects if any publish fails. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    await Promise.all(
      events.map((e) =>
        this.topic.publishMessage({ data: Buffer.from(JSON.stringify(e)), attributes: { type: e.type } }),
      ),
    );
  }
}
