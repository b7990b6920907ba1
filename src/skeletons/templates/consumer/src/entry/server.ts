import { SQSClient } from '@aws-sdk/client-sqs';
import { serve, startConfiguredJetStreamConsumer, type JetStreamConsumer } from '@allframe/platform';
import { startPolling, type Poller } from '../adapters/sqs-poller';
import { buildApp } from '../app';
import { loadConfig } from '../config';
import { createDependencies } from '../deps';
import { createProcessor } from '../dispatcher';
import { loadServiceSecrets } from '../secrets';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = createDependencies(config, await loadServiceSecrets(config));
  const processor = createProcessor(deps, config.IDEMPOTENCY_TTL_SECONDS);
  const pollers: Poller[] = [];
  if (config.QUEUE_URL !== '') {
    const client = new SQSClient({});
    for (let i = 0; i < config.CONCURRENCY; i++) {
      pollers.push(startPolling({ client, queueUrl: config.QUEUE_URL, batchSize: config.BATCH_SIZE, process: processor, logger: deps.logger }));
    }
  }
  // On NATS JetStream (Fly.io): the user and password come from NATS_USER and NATS_PASSWORD, as for the publisher.
  let jetStream: JetStreamConsumer | undefined;
  if (config.NATS_URL !== '') {
    jetStream = await startConfiguredJetStreamConsumer(config, process.env, {
      batchSize: config.BATCH_SIZE,
      concurrency: config.CONCURRENCY,
      process: processor,
      logger: deps.logger,
    });
  }
  serve(buildApp(deps, processor), {
    port: config.PORT,
    logger: deps.logger,
    onShutdown: async () => {
      await Promise.all([...pollers.map((p) => p.stop()), jetStream?.stop()]);
      await deps.close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
