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
      // websocket-gateway
      CONNECTIONS_STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb' },
      CONNECTIONS_TABLE: { kind: 'string', default: 'sample-connections', description: 'DynamoDB table of connections' },
      CONNECTION_TTL_SECONDS: { kind: 'int', default: '7200', description: 'How long a connection record lives' },
      SENDER: { kind: 'string', default: 'memory', description: 'memory | apigateway' },
      WEBSOCKET_ENDPOINT: { kind: 'string', default: '', description: 'API Gateway Management API endpoint' },
      HEARTBEAT_INTERVAL_MS: { kind: 'int', default: '30000', description: 'Interval of the heartbeat, in milliseconds' },
      BROADCAST_TOKEN: { kind: 'string', description: 'Secret bearer token of POST /broadcast (off when unset)' },
      JWT_ISSUER: { kind: 'string', default: '', description: 'Required iss claim of client tokens (empty: any)' },
      WEBSOCKET_API_KEY: { kind: 'string', required: true, description: 'The API key clients present on connect' },
      API_KEY_HEADER: { kind: 'string', default: 'x-api-key', description: 'Header carrying the API key' },
      // scheduled
      JOB_TIMEOUT_MS: { kind: 'int', default: '900000', description: 'A run is aborted after this long' },
      // @end
    },
    env,
  );
}

export type Config = ReturnType<typeof loadConfig>;
