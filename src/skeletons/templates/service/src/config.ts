import { readConfig } from '@allframe/platform';

/** The service's configuration, from environment variables (entries pass process.env), checked once at start-up. */
export function loadConfig(env: Record<string, string | undefined>) {
  return readConfig(
    {
      // @slot vars
      // Sample variables, so the templates type-check: every variable any template reads. A service gets its own.
      SERVICE_NAME: { kind: 'string', default: 'sample-service', description: 'Name in logs, traces and event sources' },
      PORT: { kind: 'int', default: '8080', description: 'HTTP port of the container entry' },
      LOG_LEVEL: { kind: 'string', default: 'info', description: 'pino log level' },
      EVENT_BUS: { kind: 'string', default: 'memory', description: 'memory | sns | eventbridge | sqs | pubsub' },
      EVENT_TARGET: { kind: 'string', default: '', description: 'Where the service publishes' },
      STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb | postgres | firestore' },
      TABLE_PREFIX: { kind: 'string', default: 'sample', description: "Prefix of the service's table names" },
      DATABASE_URL: { kind: 'string', default: '', description: 'PostgreSQL connection string (STORE=postgres)' },
      PII_FIELDS: { kind: 'list', default: '', description: 'Fields redacted from logs' },
      SECRETS_SOURCE: { kind: 'string', default: 'env', description: 'env | aws-secrets' },
      SECRETS_PREFIX: { kind: 'string', default: '', description: 'Prefix of the secret ids' },
      // consumer
      QUEUE_URL: { kind: 'string', default: '', description: 'SQS queue the container entry polls' },
      DLQ_URL: { kind: 'string', default: '', description: 'Dead-letter queue the redrive command drains' },
      BATCH_SIZE: { kind: 'int', default: '10', description: 'Messages per batch' },
      CONCURRENCY: { kind: 'int', default: '10', description: 'Poll loops the container entry runs at once' },
      IDEMPOTENCY_TTL_SECONDS: { kind: 'int', default: '604800', description: 'How long processed event ids are remembered' },
      // stream-processor
      ALLOWED_LATENESS_MS: { kind: 'int', default: '0', description: 'How far behind the latest event time an event may arrive' },
      IDLE_FLUSH_MS: { kind: 'int', default: '0', description: 'Container entry: how often idle windows are closed (0: never)' },
      // @end
    },
    env,
  );
}

export type Config = ReturnType<typeof loadConfig>;
