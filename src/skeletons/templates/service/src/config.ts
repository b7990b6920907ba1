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
      EVENT_BUS: { kind: 'string', default: 'memory', description: 'memory | sns | eventbridge | sqs | pubsub | nats' },
      EVENT_TARGET: { kind: 'string', default: '', description: 'Where the service publishes' },
      STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb | postgres | firestore' },
      TABLE_PREFIX: { kind: 'string', default: 'sample', description: "Prefix of the service's table names" },
      DATABASE_URL: { kind: 'string', default: '', description: 'PostgreSQL connection string (STORE=postgres)' },
      PII_FIELDS: { kind: 'list', default: '', description: 'Fields redacted from logs' },
      SECRETS_SOURCE: { kind: 'string', default: 'env', description: 'env | aws-secrets' },
      SECRETS_PREFIX: { kind: 'string', default: '', description: 'Prefix of the secret ids' },
      // saga-orchestrator
      SAGA_TIMEOUT_SECONDS: { kind: 'int', default: '300', description: 'Deadline of one saga, in seconds' },
      SAGA_LEASE_SECONDS: { kind: 'int', default: '60', description: 'How long the process running a saga holds it without renewing its lease' },
      SAGA_STATE_MACHINE_ARN: { kind: 'string', default: '', description: 'Step Functions state machine running the saga' },
      SAGA_WORKFLOW: { kind: 'string', default: '', description: 'Cloud Workflows workflow running the saga' },
      SAGA_STEPS_ENDPOINT: { kind: 'bool', default: 'false', description: 'Serve POST /steps' },
      OUTBOUND_AUTH: { kind: 'string', default: 'none', description: 'none | aws-iam | google-id-token | ed25519' },
      API_DOCS: { kind: 'bool', default: 'false', description: 'Serve the interactive API docs at /docs' },
      GRAPHQL_MAX_DEPTH: { kind: 'int', default: '8', description: 'Deepest GraphQL selection served' },
      GRAPHQL_MAX_COST: { kind: 'int', default: '5000', description: 'Costliest GraphQL operation served' },
      GRAPHQL_MAX_ALIASES: { kind: 'int', default: '15', description: 'Most aliases in one GraphQL operation' },
      AWS_REGION: { kind: 'string', default: '', description: 'Region the calls are signed for' },
      SAMPLE_SERVICE_URL: { kind: 'string', default: 'http://sample-service:8080', description: 'Base URL of a depended-on service' },
      // cache
      CACHE_BACKEND: { kind: 'string', default: 'memory', description: 'memory | redis (redis also serves valkey)' },
      CACHE_URL: { kind: 'string', default: '', description: 'redis:// or rediss:// URL of the cache (CACHE_BACKEND=redis)' },
      CACHE_KEY_PREFIX: { kind: 'string', default: 'sample:', description: 'Prefix of every key this package writes' },
      CACHE_TTL_SECONDS: { kind: 'int', default: '3600', description: 'Lifetime of a cached entry, in seconds' },
      // gateway
      PROVIDER_BASE_URL: { kind: 'string', default: 'https://provider.example.com', description: 'Base URL of the provider API' },
      // bff
      __AGGREGATE___URL: { kind: 'string', default: 'http://sample-service:8080', description: 'Base URL of an aggregated service' },
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
      // consumer
      QUEUE_URL: { kind: 'string', default: '', description: 'SQS queue the container entry polls' },
      DLQ_URL: { kind: 'string', default: '', description: 'Dead-letter queue the redrive command drains' },
      BATCH_SIZE: { kind: 'int', default: '10', description: 'Messages per batch' },
      CONCURRENCY: { kind: 'int', default: '10', description: 'Poll loops the container entry runs at once' },
      IDEMPOTENCY_TTL_SECONDS: { kind: 'int', default: '604800', description: 'How long processed event ids are remembered' },
      NATS_URL: { kind: 'string', default: '', description: 'NATS server(s) the container entry consumes from' },
      NATS_STREAM: { kind: 'string', default: 'SAMPLE_EVENTS', description: 'The JetStream stream of the events' },
      NATS_CONSUMER: { kind: 'string', default: 'sample-service', description: 'The durable consumer' },
      NATS_FILTER_SUBJECTS: { kind: 'list', default: 'sample.events.sample-service.SomethingHappened', description: 'The subjects of the consumed events' },
      NATS_MAX_DELIVER: { kind: 'int', default: '5', description: 'Failed deliveries before a message is dead-lettered' },
      NATS_ACK_WAIT_SECONDS: { kind: 'int', default: '30', description: 'How long a delivery may go unacknowledged' },
      NATS_DLQ_SUBJECT: { kind: 'string', default: 'sample.dlq.sample-service', description: 'Where dead letters are published' },
      NATS_RETRY_BACKOFF: { kind: 'string', default: 'exponential', description: 'exponential | linear | fixed' },
      // stream-processor
      ALLOWED_LATENESS_MS: { kind: 'int', default: '0', description: 'How far behind the latest event time an event may arrive' },
      IDLE_FLUSH_MS: { kind: 'int', default: '0', description: 'Container entry: how often idle windows are closed (0: never)' },
      // websocket-gateway
      CONNECTIONS_STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb' },
      CONNECTIONS_TABLE: { kind: 'string', default: 'sample-connections', description: 'DynamoDB table of connections' },
      CONNECTION_TTL_SECONDS: { kind: 'int', default: '7200', description: 'How long a connection record lives' },
      SENDER: { kind: 'string', default: 'memory', description: 'memory | apigateway' },
      WEBSOCKET_ENDPOINT: { kind: 'string', default: '', description: 'API Gateway Management API endpoint' },
      HEARTBEAT_INTERVAL_MS: { kind: 'int', default: '30000', description: 'Interval of the heartbeat, in milliseconds' },
      MAX_CONNECTIONS: { kind: 'int', default: '1000', description: 'WebSocket connections the container entry holds' },
      BROADCAST_TOKEN: { kind: 'string', description: 'Secret bearer token of POST /broadcast (off when unset)' },
      JWT_ISSUER: { kind: 'string', default: '', description: 'Required iss claim of client tokens (empty: any)' },
      WEBSOCKET_API_KEY: { kind: 'string', required: true, description: 'The API key clients present on connect' },
      API_KEY_HEADER: { kind: 'string', default: 'x-api-key', description: 'Header carrying the API key' },
      CRDT_SNAPSHOT_EVERY: { kind: 'int', default: '50', description: "Updates a document's log holds before it is compacted into its snapshot" },
      // scheduled
      JOB_TIMEOUT_MS: { kind: 'int', default: '900000', description: 'A run is aborted after this long' },
      SCHEDULE_CRON: { kind: 'string', default: '', description: 'The cron the process fires the job on itself (empty: POST /run only)' },
      SCHEDULE_TIMEZONE: { kind: 'string', default: 'UTC', description: 'IANA time zone of SCHEDULE_CRON' },
      SCHEDULE_RETRY_ATTEMPTS: { kind: 'int', default: '2', description: 'Retries of a failed run fired by SCHEDULE_CRON' },
      // event-sourced
      EVENT_STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb | postgres | firestore' },
      SNAPSHOT_FREQUENCY: { kind: 'int', default: '100', description: 'Snapshot the aggregate every N events (0: never)' },
      // storage
      OBJECT_STORE: { kind: 'string', default: 'memory', description: 's3 | gcs | fs | memory' },
      BUCKET_NAME: { kind: 'string', default: '', description: "The service's own bucket" },
      __bucketVar__: { kind: 'string', default: '', description: 'The bucket of a service read (BUCKET_<OWNER>)' },
      OBJECT_STORE_DIR: { kind: 'string', default: '', description: 'With OBJECT_STORE=fs: the directory of the buckets' },
      AWS_ENDPOINT_URL_S3: { kind: 'string', default: '', description: 'With OBJECT_STORE=s3: an S3 API other than AWS' },
      // @end
    },
    env,
  );
}

export type Config = ReturnType<typeof loadConfig>;
