import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Topic } from '@google-cloud/pubsub';
import type { AwsClient } from '../src/aws';
import {
  defineEvent,
  EventBridgePublisher,
  EventValidationError,
  MemoryPublisher,
  newEvent,
  PublishError,
  PubSubPublisher,
  SnsPublisher,
  SqsPublisher,
  type EventEnvelope,
  type PubSubTopic,
} from '../src/events';
import { fakeAws, inputOf } from './fakes';

jest.mock('@google-cloud/pubsub', () => ({
  PubSub: class {
    topic(name: string): { name: string } {
      return { name };
    }
  },
}));

// Compile-time checks: the real SDK clients fit the ports.
export const realClientsFit: AwsClient[] = [new SNSClient({}), new SQSClient({}), new EventBridgeClient({})];
export const realTopicFits = (topic: Topic): PubSubTopic => topic;

const events = (n: number, extra: Partial<EventEnvelope> = {}): EventEnvelope[] =>
  Array.from({ length: n }, (_, i) => ({ ...newEvent('order.placed', 'orders', { n: i }, { id: `e${i}`, time: '2026-01-01T00:00:00.000Z' }), ...extra }));

describe('newEvent', () => {
  it('fills id and time, and keeps given ones and the tenant', () => {
    // GIVEN / WHEN
    const generated = newEvent('t', 's', { a: 1 });
    const given = newEvent('t', 's', 1, { id: 'x', time: '2026-01-01T00:00:00.000Z', tenant: 'acme' });
    // THEN
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(generated.time))).toBe(false);
    expect(generated).not.toHaveProperty('tenant');
    expect(given).toEqual({ id: 'x', type: 't', source: 's', time: '2026-01-01T00:00:00.000Z', data: 1, tenant: 'acme' });
  });
});

describe('defineEvent', () => {
  interface Placed {
    orderId: string;
  }
  const isPlaced = (d: unknown): d is Placed => typeof d === 'object' && d !== null && typeof (d as Placed).orderId === 'string';
  const OrderPlaced = defineEvent('order.placed', isPlaced, 'orders');

  it('creates validated envelopes with the definition source or an override', () => {
    // GIVEN / WHEN
    const a = OrderPlaced.create({ orderId: 'o1' });
    const b = OrderPlaced.create({ orderId: 'o2' }, { source: 'admin', tenant: 't1' });
    // THEN
    expect(a).toMatchObject({ type: 'order.placed', source: 'orders', data: { orderId: 'o1' } });
    expect(b).toMatchObject({ source: 'admin', tenant: 't1' });
  });

  it('throws EventValidationError for invalid data or no source', () => {
    // GIVEN a definition without source
    const NoSource = defineEvent('order.placed', isPlaced);
    // WHEN / THEN invalid data and a missing source are rejected
    expect(() => OrderPlaced.create({ orderId: 42 } as unknown as Placed)).toThrow(EventValidationError);
    expect(() => NoSource.create({ orderId: 'o1' })).toThrow('no source given for event order.placed');
  });

  it('recognises and parses received envelopes', () => {
    // GIVEN a valid, an invalid and a foreign envelope
    const valid = newEvent('order.placed', 'orders', { orderId: 'o1' });
    const invalid = newEvent('order.placed', 'orders', {});
    const foreign = newEvent('order.shipped', 'orders', { orderId: 'o1' });
    // WHEN / THEN
    expect([OrderPlaced.is(valid), OrderPlaced.is(invalid), OrderPlaced.is(foreign)]).toEqual([true, false, false]);
    expect(OrderPlaced.parse(valid).data.orderId).toBe('o1');
    expect(() => OrderPlaced.parse(foreign)).toThrow('expected event type order.placed, got order.shipped');
    expect(() => OrderPlaced.parse(invalid)).toThrow('invalid data for event order.placed');
  });
});

describe('MemoryPublisher', () => {
  it('keeps published events', async () => {
    // GIVEN / WHEN
    const publisher = new MemoryPublisher();
    await publisher.publish(events(2));
    // THEN
    expect(publisher.published.map((e) => e.id)).toEqual(['e0', 'e1']);
  });
});

describe('SnsPublisher', () => {
  it('sends PublishBatch in chunks of 10 with the type attribute', async () => {
    // GIVEN a fake SNS client
    const client = fakeAws(() => ({ Successful: [] }));
    // WHEN 12 events are published
    await new SnsPublisher(client, 'arn:aws:sns:eu-west-1:1:orders').publish(events(12));
    // THEN two batches of 10 and 2 carry the JSON envelopes
    expect(client.sent).toHaveLength(2);
    expect(client.sent[0]).toBeInstanceOf(PublishBatchCommand);
    const first = inputOf(client.sent[0]);
    const entries = first.PublishBatchRequestEntries as Record<string, unknown>[];
    expect(first.TopicArn).toBe('arn:aws:sns:eu-west-1:1:orders');
    expect(entries).toHaveLength(10);
    expect(entries[0]).toEqual({
      Id: '0',
      Message: JSON.stringify(events(1)[0]),
      MessageAttributes: { type: { DataType: 'String', StringValue: 'order.placed' } },
    });
    expect(inputOf(client.sent[1]).PublishBatchRequestEntries).toHaveLength(2);
  });

  it('adds FIFO group and deduplication ids and reports rejected events', async () => {
    // GIVEN a FIFO topic rejecting the second entry
    const client = fakeAws(() => ({ Failed: [{ Id: '1', Code: 'X', SenderFault: true }] }));
    const publisher = new SnsPublisher(client, 'arn:aws:sns:eu-west-1:1:orders.fifo');
    // WHEN two events (one with a tenant) are published
    const promise = publisher.publish([events(1)[0] as EventEnvelope, { ...events(2)[1], tenant: 'acme' } as EventEnvelope]);
    // THEN the failure names the event, and entries carry FIFO fields
    await expect(promise).rejects.toEqual(new PublishError('SNS', ['e1']));
    const entries = inputOf(client.sent[0]).PublishBatchRequestEntries as Record<string, unknown>[];
    expect(entries[0]).toMatchObject({ MessageGroupId: 'order.placed', MessageDeduplicationId: 'e0' });
    expect(entries[1]).toMatchObject({ MessageGroupId: 'acme', MessageDeduplicationId: 'e1' });
  });

  it('can be created with the real client', () => {
    expect(SnsPublisher.create('arn')).toBeInstanceOf(SnsPublisher);
  });
});

describe('EventBridgePublisher', () => {
  it('sends PutEvents in chunks of 10 with DetailType = type and Source = source', async () => {
    // GIVEN a fake EventBridge client
    const client = fakeAws(() => ({ FailedEntryCount: 0, Entries: [] }));
    // WHEN 11 events are published
    await new EventBridgePublisher(client, 'shop-bus').publish(events(11));
    // THEN two calls carry 10 and 1 entries with the whole envelope as Detail
    expect(client.sent[0]).toBeInstanceOf(PutEventsCommand);
    const entries = inputOf(client.sent[0]).Entries as Record<string, unknown>[];
    expect(entries).toHaveLength(10);
    expect(entries[0]).toEqual({
      EventBusName: 'shop-bus',
      Source: 'orders',
      DetailType: 'order.placed',
      Detail: JSON.stringify(events(1)[0]),
      Time: new Date('2026-01-01T00:00:00.000Z'),
    });
    expect(inputOf(client.sent[1]).Entries).toHaveLength(1);
  });

  it('throws when FailedEntryCount > 0, naming the failed events', async () => {
    // GIVEN a bus rejecting the second entry
    const client = fakeAws(() => ({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'Throttled' }] }));
    // WHEN / THEN
    await expect(new EventBridgePublisher(client, 'bus').publish(events(2))).rejects.toEqual(new PublishError('EventBridge', ['e1']));
  });

  it('blames unanswered entries, or the whole batch when no entries are returned', async () => {
    const partial = fakeAws(() => ({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }] }));
    await expect(new EventBridgePublisher(partial, 'bus').publish(events(2))).rejects.toEqual(new PublishError('EventBridge', ['e1']));
    const client = fakeAws(() => ({ FailedEntryCount: 2 }));
    await expect(new EventBridgePublisher(client, 'bus').publish(events(2))).rejects.toEqual(new PublishError('EventBridge', ['e0', 'e1']));
  });

  it('can be created with the real client', () => {
    expect(EventBridgePublisher.create('bus')).toBeInstanceOf(EventBridgePublisher);
  });
});

describe('SqsPublisher', () => {
  it('sends SendMessageBatch in chunks of 10', async () => {
    // GIVEN a fake SQS client
    const client = fakeAws(() => ({ Successful: [] }));
    // WHEN 21 events are published
    await new SqsPublisher(client, 'https://sqs/q').publish(events(21));
    // THEN three batches of 10, 10 and 1 are sent with the envelope as body
    expect(client.sent.map((c) => (inputOf(c).Entries as unknown[]).length)).toEqual([10, 10, 1]);
    expect(client.sent[0]).toBeInstanceOf(SendMessageBatchCommand);
    expect(inputOf(client.sent[0]).QueueUrl).toBe('https://sqs/q');
    expect((inputOf(client.sent[0]).Entries as unknown[])[0]).toEqual({
      Id: '0',
      MessageBody: JSON.stringify(events(1)[0]),
      MessageAttributes: { type: { DataType: 'String', StringValue: 'order.placed' } },
    });
  });

  it('adds FIFO fields and reports rejected entries', async () => {
    // GIVEN a FIFO queue rejecting an entry with an unknown id
    const client = fakeAws(() => ({ Failed: [{ Id: '0' }, { Id: '7' }] }));
    // WHEN / THEN
    await expect(new SqsPublisher(client, 'https://sqs/q.fifo').publish(events(1))).rejects.toEqual(
      new PublishError('SQS', ['e0', '7']),
    );
    expect((inputOf(client.sent[0]).Entries as unknown[])[0]).toMatchObject({ MessageGroupId: 'order.placed', MessageDeduplicationId: 'e0' });
  });

  it('can be created with the real client', () => {
    expect(SqsPublisher.create('https://sqs/q')).toBeInstanceOf(SqsPublisher);
  });
});

describe('PubSubPublisher', () => {
  it('publishes each envelope as JSON data with the type attribute', async () => {
    // GIVEN a fake topic
    const publishMessage = jest.fn((_: { data: Buffer; attributes?: Record<string, string> }) => Promise.resolve('id'));
    // WHEN two events are published
    await new PubSubPublisher({ publishMessage }).publish(events(2));
    // THEN two messages carry the envelopes and type
    expect(publishMessage).toHaveBeenCalledTimes(2);
    const message = publishMessage.mock.calls[0]?.[0];
    expect(JSON.parse(String(message?.data))).toEqual(events(1)[0]);
    expect(message?.attributes).toEqual({ type: 'order.placed' });
  });

  it('rejects when a publish fails', async () => {
    const publishMessage = jest.fn(() => Promise.reject(new Error('unavailable')));
    await expect(new PubSubPublisher({ publishMessage }).publish(events(1))).rejects.toThrow('unavailable');
  });

  it('creates the real client lazily for a topic name', async () => {
    // GIVEN the Pub/Sub module (mocked here) / WHEN
    const publisher = await PubSubPublisher.create('orders');
    // THEN it publishes to that topic
    expect(publisher).toBeInstanceOf(PubSubPublisher);
    expect((publisher as unknown as { topic: { name: string } }).topic.name).toBe('orders');
  });
});
