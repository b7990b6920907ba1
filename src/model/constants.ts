/**
 * Names and patterns of the format that code needs at run time. Kept apart from schema.ts so that the CLI can
 * use them without loading the schema builder (TypeBox costs ~100 ms of start-up).
 */

/** Name patterns; their human descriptions are in validate/schema-check.ts. */
export const PATTERNS = {
  kebab: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$',
  pascal: '^[A-Z][A-Za-z0-9]*$',
  envVar: '^[A-Z_][A-Z0-9_]*$',
  semver: '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$',
  awsAccount: '^[0-9]{12}$',
  awsRegion: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]$',
  gcpProject: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$',
  gcpRegion: '^[a-z]+-[a-z]+[0-9]$',
  flyRegion: '^[a-z]{3}$',
  gcsBucket: '^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$',
  httpHeader: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
} as const;

/** architecture.name's length (with PATTERNS.kebab): the schema's bounds, and `allframe ignite`'s check of a name. */
export const ARCHITECTURE_NAME_LENGTH = { min: 3, max: 40 } as const;

export const EVENT_BUSES = ['sns', 'eventbridge', 'sqs', 'pubsub', 'kafka', 'nats'] as const;
export const DATABASES = ['postgres', 'dynamodb', 'firestore', 'none'] as const;
export const COMPUTES = ['lambda', 'fargate', 'cloud-run', 'fly-machine'] as const;
export const TARGETS = ['aws', 'gcp', 'fly'] as const;
export const SECRETS_MANAGERS = ['aws-secrets', 'gcp-secrets', 'vault', 'env'] as const;
export const METRICS = ['cloudwatch', 'prometheus', 'cloud-monitoring'] as const;
export const SCHEMA_REGISTRIES = ['glue', 'confluent', 'apicurio', 'none'] as const;
/** Node.js runtimes of the generated services, with their major version (Lambda nodejs<major>.x, node:<major> images). */
export const NODE_RUNTIMES = { nodejs22: 22, nodejs24: 24 } as const;
export type NodeRuntime = keyof typeof NODE_RUNTIMES;
/** New projects start on the active Node.js LTS. */
export const DEFAULT_NODE_RUNTIME: NodeRuntime = 'nodejs24';
export const PROTOCOLS = ['rest', 'graphql', 'grpc', 'websocket'] as const;
export const AUTH_PROVIDERS = ['cognito', 'auth0', 'keycloak', 'custom', 'none'] as const;
/** Who issues and rotates a secret's value: allframe (generated and rotated) or a party outside it. */
export const SECRET_MANAGEMENT = ['allframe', 'external'] as const;

export type EventBus = (typeof EVENT_BUSES)[number];
export type Database = (typeof DATABASES)[number];
export type Compute = (typeof COMPUTES)[number];
export type TargetId = (typeof TARGETS)[number];
export type SecretsManager = (typeof SECRETS_MANAGERS)[number];
export type Metrics = (typeof METRICS)[number];
export type SchemaRegistry = (typeof SCHEMA_REGISTRIES)[number];
export type Protocol = (typeof PROTOCOLS)[number];
export type SecretManagement = (typeof SECRET_MANAGEMENT)[number];
