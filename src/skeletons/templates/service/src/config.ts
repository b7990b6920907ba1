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
      // event-sourced
      EVENT_STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb | firestore' },
      SNAPSHOT_FREQUENCY: { kind: 'int', default: '100', description: 'Snapshot the aggregate every N events (0: never)' },
      // @end
    },
    env,
  );
}

export type Config = ReturnType<typeof loadConfig>;
