/** The configuration variables every service has (rendered into its src/config.ts by service-files.ts). */
import type { ServiceContext } from './context';
import { inboundConfig } from './inbound';
import { secretsConfig } from './secrets';
import { storageConfig } from './storage';

export interface ConfigVar {
  readonly kind: 'string' | 'int' | 'bool' | 'list';
  readonly default?: string;
  readonly required?: boolean;
  readonly description: string;
}

/** Settings every service reads. */
export function baseConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  const s = ctx.service;
  const usesStore = s.database !== 'none';
  return {
    SERVICE_NAME: { kind: 'string', default: s.name, description: 'Name in logs, traces and event sources' },
    PORT: { kind: 'int', default: '8080', description: 'HTTP port of the container entry' },
    LOG_LEVEL: { kind: 'string', default: 'info', description: 'pino log level' },
    EVENT_BUS: { kind: 'string', default: 'memory', description: 'memory | sns | eventbridge | sqs | pubsub | nats' },
    EVENT_TARGET: { kind: 'string', default: '', description: 'Topic ARN, bus name, queue URL, Pub/Sub topic or NATS subject prefix the service publishes to' },
    ...(usesStore ? storeConfig(ctx) : {}),
    // Its bucket and the buckets it reads (services[].storage), when it has or reads one.
    ...storageConfig(ctx),
    PII_FIELDS: { kind: 'list', default: (ctx.model.file.compliance?.pii_fields ?? []).join(','), description: 'Fields redacted from logs' },
    // Where the secrets are read at start-up (src/secrets.ts; every service has it, most with no names): the
    // secrets themselves are never configuration.
    ...secretsConfig(),
    // Which callers the HTTP app accepts (read by the platform; the Fly.io target sets them, the clouds' IAM does it elsewhere).
    ...inboundConfig(),
  };
}

/**
 * Where a service keeps its tables: STORE, TABLE_PREFIX, DATABASE_URL, PG_IAM_AUTH, PG_IAM_PROVIDER, PG_SERVER_CA,
 * FIRESTORE_DATABASE, GOOGLE_CLOUD_PROJECT.
 */
export function storeConfig(ctx: ServiceContext): Record<string, ConfigVar> {
  return {
    STORE: { kind: 'string', default: 'memory', description: 'memory | dynamodb | postgres | firestore' },
    TABLE_PREFIX: { kind: 'string', default: `${ctx.model.file.architecture.name}-${ctx.service.name}`, description: "Prefix of the service's table names (Firestore collection ids with STORE=firestore)" },
    ...databaseConfig(),
  };
}

/** How the platform reaches the database (it reads these from the environment itself): PostgreSQL and Firestore. */
export function databaseConfig(): Record<string, ConfigVar> {
  return {
    DATABASE_URL: { kind: 'string', default: '', description: 'PostgreSQL connection string (STORE=postgres)' },
    PG_IAM_AUTH: { kind: 'bool', default: 'false', description: 'Authenticate to PostgreSQL with an IAM token for the DATABASE_URL user, over TLS (read by the platform with PG_IAM_PROVIDER and AWS_REGION)' },
    PG_IAM_PROVIDER: { kind: 'string', default: 'aws', description: 'aws | gcp: with PG_IAM_AUTH, an RDS IAM auth token, or a Google access token of the service account for Cloud SQL (the DATABASE_URL user is the account email without .gserviceaccount.com)' },
    PG_SERVER_CA: { kind: 'string', default: '', description: "Cloud SQL server CA certificate (PEM) the server is verified against with PG_IAM_PROVIDER=gcp (empty: encrypted, not verified)" },
    FIRESTORE_DATABASE: { kind: 'string', default: '(default)', description: 'Firestore database id (STORE=firestore)' },
    GOOGLE_CLOUD_PROJECT: { kind: 'string', default: '', description: 'Google Cloud project of the Firestore database (empty: the client discovers it, on Cloud Run from the metadata server)' },
  };
}
