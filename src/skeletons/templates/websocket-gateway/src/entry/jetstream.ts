import { EVENT_SCHEMAS } from '@allframe/events';
import { natsSettingsFrom, processBatch, startJetStreamBroadcast, type JetStreamBroadcast } from '@allframe/platform';
import type { Config } from '../config';
import type { Dependencies } from '../deps';
import { eventHandler } from '../handler';

/**
 * The subscribed events from NATS JetStream (NATS_URL set: the Fly.io target), the same on every target: each instance
 * holds its own connections, so each follows __eventsList__ with consumers of its own (not a durable shared by the
 * instances, which would give each event to one of them) and broadcasts every event to its connections, as the SQS
 * entry does. Nothing is acknowledged or dead-lettered: an event that fails is logged (sending it again would repeat
 * it to the connections that got it). None without NATS_URL.
 */
export async function startJetStreamEvents(config: Config, deps: Pick<Dependencies, 'gateway' | 'logger'>, env: Record<string, string | undefined> = process.env): Promise<JetStreamBroadcast | undefined> {
  if (config.NATS_URL === '') return undefined;
  const handler = eventHandler(deps.gateway);
  return startJetStreamBroadcast({
    connection: natsSettingsFrom(env),
    stream: config.NATS_STREAM,
    consumer: config.NATS_CONSUMER,
    filterSubjects: config.NATS_FILTER_SUBJECTS,
    process: (messages) => processBatch(messages, handler, { logger: deps.logger, schemas: EVENT_SCHEMAS }),
    logger: deps.logger,
  });
}
