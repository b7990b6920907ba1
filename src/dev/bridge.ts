/**
 * What a Lambda event source mapping does in the cloud, for the local run: moto runs none, so allframe dev drains a
 * queue that one reads into the service's push route. Each message's body is posted as it is (the event envelope,
 * as raw SNS delivery leaves it); a 2xx answer deletes it, anything else leaves it to come back after its visibility
 * timeout and, after the queue's maxReceiveCount, to move to its dead-letter queue, as with the mapping.
 */
import type { AwsClients, AwsSdk } from './aws-provision';
import type { LogLine } from './processes';

export interface Bridge {
  readonly service: string;
  readonly queueUrl: string;
  /** The service's base URL. */
  readonly url: string;
  /** Its push route. */
  readonly path: string;
}

/** Starts one poll loop per bridge; `stop` ends them (a waiting receive at once). */
export function startBridges(sdk: AwsSdk, clients: AwsClients, bridges: readonly Bridge[], log: (line: LogLine) => void): { stop(): Promise<void> } {
  const stopping = new AbortController();
  const loops = bridges.map(async (b) => {
    while (!stopping.signal.aborted) {
      try {
        const out = await clients.sqs.send(new sdk.sqs.ReceiveMessageCommand({ QueueUrl: b.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }), { abortSignal: stopping.signal });
        for (const m of out.Messages ?? []) {
          const response = await fetch(`${b.url}${b.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: m.Body ?? '' }).catch(() => undefined);
          await response?.arrayBuffer();
          if (response?.ok === true) await clients.sqs.send(new sdk.sqs.DeleteMessageCommand({ QueueUrl: b.queueUrl, ReceiptHandle: m.ReceiptHandle }));
          else log({ source: 'allframe', stream: 'stderr', text: `${b.service}${b.path} answered ${response?.status ?? 'nothing'} to a message of its queue: it comes back after the visibility timeout` });
        }
      } catch (e) {
        if (stopping.signal.aborted) break;
        log({ source: 'allframe', stream: 'stderr', text: `draining ${b.service}'s queue failed: ${e instanceof Error ? e.message : String(e)}` });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}
