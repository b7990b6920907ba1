import { EVENT_SCHEMAS } from '@allframe/events';
import { processBatch, startConfiguredJetStreamConsumer, type JetStreamConsumer } from '@allframe/platform';
import type { Config } from '../config';
import type { Dependencies } from '../deps';
import { invalidationHandler } from '../handler';

/**
 * Invalidation from NATS JetStream (NATS_URL set: the Fly.io target), the same on every target: the service's durable
 * consumer of __subscribedTo__, each event deleting the keys `keysFor` derives from it (as the SQS entry and
 * POST /events do), acknowledged once they are deleted. One durable for the instances: the cache is shared, so one
 * instance's deletes are everyone's. An event that is no envelope, does not match its contract or whose keys cannot
 * be deleted is delivered again, then dead-lettered after NATS_MAX_DELIVER deliveries. None without NATS_URL.
 */
export async function startJetStreamInvalidation(config: Config, deps: Pick<Dependencies, 'cache' | 'logger'>, env: Record<string, string | undefined> = process.env): Promise<JetStreamConsumer | undefined> {
  if (config.NATS_URL === '') return undefined;
  const handler = invalidationHandler(deps);
  return startConfiguredJetStreamConsumer(config, env, {
    process: (messages, onFailure) => processBatch(messages, handler, { logger: deps.logger, schemas: EVENT_SCHEMAS, onFailure }),
    logger: deps.logger,
  });
}
