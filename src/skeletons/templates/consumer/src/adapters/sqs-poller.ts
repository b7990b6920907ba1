import { DeleteMessageCommand, ReceiveMessageCommand, type ReceiveMessageCommandOutput } from '@aws-sdk/client-sqs';
import type { AwsClient, BatchResult, Logger, QueueMessage } from '@allframe/platform';

/** Options of an SQS poll loop. */
export interface PollerOptions {
  readonly client: AwsClient;
  readonly queueUrl: string;
  /** Messages per receive, at most 10. */
  readonly batchSize: number;
  readonly process: (messages: readonly QueueMessage[]) => Promise<BatchResult>;
  readonly logger: Logger;
  /** Long-poll wait; 20 s by default. */
  readonly waitSeconds?: number;
  /** Pause after a failed receive; 1 s by default. */
  readonly errorDelayMs?: number;
  /** Ends a receive that is waiting (the poll loop's stop); a batch already received is processed to the end. */
  readonly signal?: AbortSignal;
}

/** Receives one batch, processes it, and deletes the messages that succeeded (the failed ones reappear). */
export async function pollOnce(options: PollerOptions): Promise<number> {
  const out = (await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, options.batchSize)),
      WaitTimeSeconds: options.waitSeconds ?? 20,
      MessageAttributeNames: ['All'],
    }),
    options.signal ? { abortSignal: options.signal } : undefined,
  )) as ReceiveMessageCommandOutput;
  const received = (out.Messages ?? []).map((m) => ({ id: m.MessageId ?? '', body: m.Body ?? '', receipt: m.ReceiptHandle }));
  if (received.length === 0) return 0;
  const result = await options.process(received.map(({ id, body }) => ({ id, body })));
  const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of received) {
    if (!failed.has(m.id)) await options.client.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.receipt }));
  }
  return received.length;
}

/** A running poll loop. */
export interface Poller {
  /** Stops: a waiting receive ends at once, a batch being processed is finished (and deleted) first. */
  stop(): Promise<void>;
}

/** Polls until stopped; a failed receive is logged and retried after a pause. */
export function startPolling(options: PollerOptions): Poller {
  let running = true;
  const stopping = new AbortController();
  const loop = (async () => {
    while (running) {
      try {
        await pollOnce({ ...options, signal: stopping.signal });
      } catch (err) {
        if (!running) break;
        options.logger.error({ err }, 'queue poll failed');
        await new Promise((resolve) => setTimeout(resolve, options.errorDelayMs ?? 1000));
      }
    }
  })();
  return {
    stop: () => {
      running = false;
      stopping.abort();
      return loop;
    },
  };
}
