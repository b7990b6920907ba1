import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createLogger } from '@allframe/platform';
import type { BatchResult, QueueMessage } from '@allframe/platform';
import { pollOnce, startPolling } from '../src/adapters/sqs-poller';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A fake SQS client: answers receives from `batches` (an Error is thrown), records deletes. */
function fakeSqs(batches: (object[] | Error)[], onEmpty: () => void = () => undefined) {
  const deleted: unknown[] = [];
  const client = {
    send: async (command: object): Promise<unknown> => {
      await new Promise((resolve) => setImmediate(resolve));
      if (command instanceof DeleteMessageCommand) {
        deleted.push(command.input.ReceiptHandle);
        return {};
      }
      if (!(command instanceof ReceiveMessageCommand)) throw new Error('unexpected command');
      const next = batches.shift();
      if (next instanceof Error) throw next;
      if (!next) onEmpty();
      return next ? { Messages: next } : {};
    },
  };
  return { client, deleted };
}

const failing = (ids: string[]) => (messages: readonly QueueMessage[]): Promise<BatchResult> =>
  Promise.resolve({ batchItemFailures: messages.filter((m) => ids.includes(m.id)).map((m) => ({ itemIdentifier: m.id })) });

describe('SQS poll loop', () => {
  test('deletes the processed messages and leaves the failed ones', async () => {
    const { client, deleted } = fakeSqs([[{ MessageId: 'a', Body: '{}', ReceiptHandle: 'ra' }, { MessageId: 'b', Body: '{}', ReceiptHandle: 'rb' }, {}]]);
    const count = await pollOnce({ client, queueUrl: 'q', batchSize: 50, process: failing(['b']), logger });
    expect(count).toBe(3);
    expect(deleted).toEqual(['ra', undefined]);
    expect(await pollOnce({ client, queueUrl: 'q', batchSize: 1, waitSeconds: 0, process: failing([]), logger })).toBe(0);
  });

  test('polls until stopped, surviving a failed receive', async () => {
    // GIVEN a queue whose first receive fails, then holds one message
    let drained: () => void = () => undefined;
    const empty = new Promise<void>((resolve) => (drained = resolve));
    const { client, deleted } = fakeSqs([new Error('throttled'), [{ MessageId: 'a', Body: '{}', ReceiptHandle: 'ra' }]], () => drained());
    // WHEN the loop runs until the queue is empty, then is stopped
    const poller = startPolling({ client, queueUrl: 'q', batchSize: 10, process: failing([]), logger, errorDelayMs: 1 });
    await empty;
    await poller.stop();
    // THEN the message was processed and deleted after the failed receive
    expect(deleted).toEqual(['ra']);
  });

  test('stop ends a receive that is waiting at once, without logging a failure', async () => {
    // GIVEN a queue whose receive waits until it is aborted (a long poll on an empty queue)
    let received: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (received = resolve));
    const errors: unknown[] = [];
    const client = {
      send: (_command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown> =>
        new Promise((_resolve, reject) => {
          received();
          options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    };
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (obj: object) => errors.push(obj) };
    const poller = startPolling({ client, queueUrl: 'q', batchSize: 10, process: failing([]), logger: quiet });
    await waiting;
    // WHEN the loop is stopped while the receive waits THEN it ends without waiting for the long poll, quietly
    await poller.stop();
    expect(errors).toEqual([]);
  });
});
