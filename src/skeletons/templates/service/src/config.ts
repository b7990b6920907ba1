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
      // bff
      __AGGREGATE___URL: { kind: 'string', default: 'http://sample-service:8080', description: 'Base URL of an aggregated service' },
      OUTBOUND_AUTH: { kind: 'string', default: 'none', description: 'none | aws-iam | google-id-token' },
      AWS_REGION: { kind: 'string', default: '', description: 'Region the calls are signed for' },
      CACHE_TTL_SECONDS: { kind: 'int', default: '60', description: 'Response cache TTL in seconds (0: no caching)' },
      RATE_LIMIT_RPS: { kind: 'int', default: '100', description: 'Requests per second one instance accepts' },
      RATE_LIMIT_BURST: { kind: 'int', default: '20', description: 'Requests one instance accepts at once' },
      DOWNSTREAM_TIMEOUT_MS: { kind: 'int', default: '5000', description: 'Timeout of one outbound attempt' },
      RETRY_MAX_ATTEMPTS: { kind: 'int', default: '3', description: 'Attempts of an outbound call' },
      RETRY_INITIAL_INTERVAL_MS: { kind: 'int', default: '100', description: 'Delay before the first retry' },
      RETRY_MAX_INTERVAL_MS: { kind: 'int', default: '5000', description: 'Upper bound of the delay between retries' },
      BREAKER_FAILURE_THRESHOLD: { kind: 'int', default: '5', description: 'Consecutive failures that open a circuit' },
      BREAKER_HALF_OPEN_AFTER_MS: { kind: 'int', default: '30000', description: 'How long a circuit stays open' },
      BULKHEAD_MAX_CONCURRENT: { kind: 'int', default: '10', description: 'Concurrent outbound calls per downstream' },
      BULKHEAD_MAX_QUEUE: { kind: 'int', default: '20', description: 'Outbound calls waiting for a slot per downstream' },
      // legacy-adapter
      UPSTREAM_URL: { kind: 'string', default: 'http://legacy.invalid', description: 'URL of the legacy system' },
      UPSTREAM_SOAP_NAMESPACE: { kind: 'string', default: 'http://tempuri.org/', description: 'Namespace of the legacy SOAP operations' },
      POLLING_INTERVAL_SECONDS: { kind: 'int', default: '60', description: 'Seconds between two polls of the legacy system' },
      // @end
    },
    env,
  );
}

export type Config = ReturnType<typeof loadConfig>;
