import { EVENT_SCHEMAS } from '@allframe/events';
import { processBatch, startConfiguredJetStreamConsumer, type JetStreamConsumer } from '@allframe/platform';
import type { Config } from '../config';
import type { Dependencies } from '../deps';
import type { StreamProcessor } from '../processor';

/**
 * The input from NATS JetStream (NATS_URL set: the Fly.io target), the same on every target: the service's durable
 * consumer of __inputList__, each event fed to the processor in turn (one pull loop per durable: the windows are this
 * process's, its watermark moves in the order events come) and acknowledged once the processor has taken it, as
 * POST /events answers 202: windowed, and the windows it closed published. An event that is no envelope, does not
 * match its contract or whose windows' outputs cannot be published is delivered again, then dead-lettered after
 * NATS_MAX_DELIVER deliveries. None without NATS_URL.
 */
export async function startJetStreamInput(config: Config, deps: Pick<Dependencies, 'logger'>, processor: Pick<StreamProcessor, 'handle'>, env: Record<string, string | undefined> = process.env): Promise<JetStreamConsumer | undefined> {
  if (config.NATS_URL === '') return undefined;
  return startConfiguredJetStreamConsumer(config, env, {
    concurrency: 1,
    process: (messages, onFailure) =>
      processBatch(
        messages,
        async (event) => {
          await processor.handle([event]);
        },
        { logger: deps.logger, schemas: EVENT_SCHEMAS, onFailure },
      ),
    logger: deps.logger,
  });
}
