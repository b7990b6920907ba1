import { z } from 'zod';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { parseEnvelope, processBatch, redrive, sqsHandler, type QueueMessage } from '../src/consumer';
import { newEvent, type EventEnvelope } from '../src/events';
import { MemoryIdempotencyStore } from '../src/idempotency';
import { fakeAws, fakeLogger, inputOf } from './fakes';

const envelope = (id: string): EventEnvelope => newEvent('order.placed', 'orders', { id }, { id, time: '2026-01-01T00:00:00.000Z' });
const message = (id: string, body: string): QueueMessage => ({ id, body });

describe('parseEnvelope', () => {
  it('reads a raw envelope, an SNS notification and an EventBridge event', () => {
    // GIVEN the same envelope in three wrappings
    const e = envelope('e1');
    const raw = JSON.stringify(e);
    const sns = JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: raw });
    const eventBridge = JSON.stringify({ version: '0', id: 'eb', 'detail-type': 'order.placed', source: 'orders', detail: e });
    // WHEN / THEN each yields the envelope
    expect([parseEnvelope(raw), parseEnvelope(sns), parseEnvelope(eventBridge)]).toEqual([e, e, e]);
  });

  it('rejects anything else', () => {
    // GIVEN / WHEN / THEN
    expect(() => parseEnvelope('{"id":"x"}')).toThrow('message is not an event envelope');
    expect(() => parseEnvelope('[1]')).toThrow('message is not an event envelope');
    expect(() => parseEnvelope('null')).toThrow('message is not an event envelope');
    expect(() => parseEnvelope('not json')).toThrow(SyntaxError);
  });
});

describe('processBatch', () => {
  it('reports each failed message, by id, and handles the rest', async () => {
    // GIVEN a batch with a good message, a poison message and a message whose handler throws
    const logger = fakeLogger();
    const handled: string[] = [];
    const handler = jest.fn((e: EventEnvelope) => {
      if (e.id === 'e3') return Promise.reject(new Error('handler failed'));
      handled.push(e.id);
      return Promise.resolve();
    });
    const batch = [message('m1', JSON.stringify(envelope('e1'))), message('m2', 'garbage'), message('m3', JSON.stringify(envelope('e3'))), message('m4', JSON.stringify(envelope('e4')))];
    // WHEN processed
    const result = await processBatch(batch, handler, { logger });
    // THEN only m2 and m3 are reported, and the others were handled
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] });
    expect(handled).toEqual(['e1', 'e4']);
    expect(logger.error).toHaveBeenCalledWith({ err: new Error('handler failed'), messageId: 'm3' }, 'message failed');
  });

  it('tells onFailure why each failed message failed (what a JetStream dead letter carries)', async () => {
    // GIVEN a poison message and a message whose handler throws
    const failures: [string, unknown][] = [];
    const handler = () => Promise.reject(new Error('handler failed'));
    const batch = [message('m1', 'garbage'), message('m2', JSON.stringify(envelope('e2')))];
    // WHEN processed with a listener
    await processBatch(batch, handler, { logger: fakeLogger(), onFailure: (m, err) => failures.push([m.id, err]) });
    // THEN it hears both, with their errors
    expect(failures.map(([id]) => id)).toEqual(['m1', 'm2']);
    expect(failures[0]?.[1]).toBeInstanceOf(SyntaxError);
    expect(failures[1]?.[1]).toEqual(new Error('handler failed'));
  });

  it('refuses an event whose data do not match its contract, as a poison message, logging the field', async () => {
    // GIVEN the contract of order.placed and a batch with a valid event, an invalid one and one of another type
    const logger = fakeLogger();
    const handler = jest.fn(() => Promise.resolve());
    const schemas = { 'order.placed': z.looseObject({ id: z.string() }) };
    const bad = { ...envelope('e2'), data: { id: 2 } };
    const other = newEvent('other', 'x', 1, { id: 'e3' });
    const batch = [message('m1', JSON.stringify(envelope('e1'))), message('m2', JSON.stringify(bad)), message('m3', JSON.stringify(other))];
    // WHEN processed with the contracts
    const result = await processBatch(batch, handler, { logger, schemas });
    // THEN the invalid event fails (redelivered, then dead-lettered) without reaching the handler; the log names the field
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ messageId: 'm2', fields: [expect.objectContaining({ pointer: '#/id' })] }), 'message refused: its event does not match its contract');
    expect(() => parseEnvelope(JSON.stringify(bad), schemas)).toThrow('invalid data for event order.placed: #/id');
  });

  it('skips duplicates of an already processed event when a store is given', async () => {
    // GIVEN the same event delivered twice, via SQS and via SNS
    const store = new MemoryIdempotencyStore();
    const logger = fakeLogger();
    const handler = jest.fn(() => Promise.resolve());
    const e = envelope('e1');
    const batch = [message('m1', JSON.stringify(e)), message('m2', JSON.stringify({ Type: 'Notification', Message: JSON.stringify(e) }))];
    // WHEN processed
    const result = await processBatch(batch, handler, { logger, store, ttlSeconds: 60 });
    // THEN the handler ran once and the duplicate counts as success
    expect(handler).toHaveBeenCalledTimes(1);
    expect(result.batchItemFailures).toEqual([]);
    expect(logger.debug).toHaveBeenLastCalledWith(expect.objectContaining({ messageId: 'm2', outcome: 'duplicate' }), 'message handled');
    expect(await store.get('event:e1')).toBeDefined();
  });

  it('on a FIFO queue, fails every message after the first failure', async () => {
    // GIVEN a FIFO batch where the second message fails
    const handler = jest.fn((e: EventEnvelope) => (e.id === 'e2' ? Promise.reject(new Error('x')) : Promise.resolve()));
    const batch = ['e1', 'e2', 'e3'].map((id, i) => message(`m${i + 1}`, JSON.stringify(envelope(id))));
    // WHEN processed (with the default retention for the store)
    const result = await processBatch(batch, handler, { logger: fakeLogger(), fifo: true, store: new MemoryIdempotencyStore() });
    // THEN m2 and m3 are reported and e3 was never handled
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }]);
    expect(handler).toHaveBeenCalledTimes(2);
  });
});

describe('sqsHandler', () => {
  it('maps SQS records to messages and returns the batch response', async () => {
    // GIVEN an SQS event with one good and one bad record
    const handler = jest.fn((_e: EventEnvelope, _m: QueueMessage) => Promise.resolve());
    const record = (messageId: string, body: string): SQSEvent['Records'][number] => ({
      messageId,
      receiptHandle: 'rh',
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 's',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {
        type: { stringValue: 'order.placed', dataType: 'String' },
        blob: { binaryValue: 'AA==', dataType: 'Binary' },
      },
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:1:q',
      awsRegion: 'eu-west-1',
    });
    const event: SQSEvent = { Records: [record('m1', JSON.stringify(envelope('e1'))), record('m2', '{}')] };
    // WHEN the Lambda handler runs
    const response = await sqsHandler(handler, { logger: fakeLogger() })(event);
    // THEN the bad record is reported and the good one handled with its string attributes
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(handler).toHaveBeenCalledWith(envelope('e1'), { id: 'm1', body: JSON.stringify(envelope('e1')), attributes: { type: 'order.placed' } });
  });
});

describe('redrive', () => {
  function dlq(count: number): ReturnType<typeof fakeAws> {
    let remaining = count;
    let n = 0;
    return fakeAws((cmd) => {
      if (!(cmd instanceof ReceiveMessageCommand)) return {};
      const take = Math.min(remaining, inputOf(cmd).MaxNumberOfMessages as number);
      remaining -= take;
      if (take === 0) return {};
      return {
        Messages: Array.from({ length: take }, () => {
          n++;
          return { MessageId: `id${n}`, ReceiptHandle: `rh${n}`, Body: `body${n}`, MessageAttributes: { type: { DataType: 'String', StringValue: 't' } }, Attributes: n === 1 ? { MessageGroupId: 'g1' } : undefined };
        }),
      };
    });
  }

  it('moves messages back (send, then delete) until the DLQ is empty', async () => {
    // GIVEN a DLQ holding 3 messages
    const client = dlq(3);
    // WHEN redriven with a high max
    const moved = await redrive({ client, dlqUrl: 'https://sqs/dlq', queueUrl: 'https://sqs/q', max: 50 });
    // THEN 3 moved, each sent with body and attributes then deleted, and the empty receive ended the loop
    expect(moved).toBe(3);
    const kinds = client.sent.map((c) => c.constructor.name);
    expect(kinds).toEqual([
      'ReceiveMessageCommand',
      'SendMessageCommand',
      'DeleteMessageCommand',
      'SendMessageCommand',
      'DeleteMessageCommand',
      'SendMessageCommand',
      'DeleteMessageCommand',
      'ReceiveMessageCommand',
    ]);
    expect(inputOf(client.sent[0])).toMatchObject({ QueueUrl: 'https://sqs/dlq', MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] });
    expect(client.sent[1]).toBeInstanceOf(SendMessageCommand);
    expect(inputOf(client.sent[1])).toEqual({ QueueUrl: 'https://sqs/q', MessageBody: 'body1', MessageAttributes: { type: { DataType: 'String', StringValue: 't' } } });
    expect(client.sent[2]).toBeInstanceOf(DeleteMessageCommand);
    expect(inputOf(client.sent[2])).toEqual({ QueueUrl: 'https://sqs/dlq', ReceiptHandle: 'rh1' });
  });

  it('stops at max and keeps FIFO group ids', async () => {
    // GIVEN a DLQ with 25 messages in front of a FIFO queue
    const client = dlq(25);
    // WHEN at most 12 are moved
    const moved = await redrive({ client, dlqUrl: 'https://sqs/dlq.fifo', queueUrl: 'https://sqs/q.fifo', max: 12 });
    // THEN 12 moved in receives of 10 and 2, with group and deduplication ids
    expect(moved).toBe(12);
    const receives = client.sent.filter((c) => c instanceof ReceiveMessageCommand).map((c) => inputOf(c).MaxNumberOfMessages);
    expect(receives).toEqual([10, 2]);
    const sends = client.sent.filter((c) => c instanceof SendMessageCommand).map((c) => inputOf(c));
    expect(sends[0]).toMatchObject({ MessageGroupId: 'g1', MessageDeduplicationId: 'id1' });
    expect(sends[1]).toMatchObject({ MessageGroupId: 'redrive', MessageDeduplicationId: 'id2' });
  });

  it('uses the real client by default', async () => {
    // GIVEN max 0 nothing is received, so no network call is made
    await expect(redrive({ dlqUrl: 'https://sqs/dlq', queueUrl: 'https://sqs/q', max: 0 })).resolves.toBe(0);
  });
});
