/**
 * The architecture templates of `allframe ignite`: each a whole system, rendered for one cloud as a commented
 * architecture file. The global sections (the cloud's bus, database, secrets, identity, telemetry and account) are
 * the same in every template (`globalSections`); a template adds its own services.
 */
import type { TargetId } from '../model/constants';

export interface TemplateOptions {
  /** architecture.name: lowercase kebab-case, 3-40 characters. */
  readonly name: string;
  readonly cloud: TargetId;
}

export interface Template {
  readonly name: string;
  /** One line, for `allframe ignite --list`. */
  readonly summary: string;
  readonly clouds: readonly TargetId[];
  /** The architecture file, with its comments. */
  render(options: TemplateOptions): string;
}

/** The schema, as the workspace's own allframe (a dev dependency) ships it: editors complete and check the file. */
export const SCHEMA_MODELINE = '# yaml-language-server: $schema=node_modules/allframe/schema/architecture.schema.json';

/** What differs between the clouds in the global sections. */
const CLOUD: Readonly<Record<TargetId, { bus: string; database: string; secrets: string; auth: string; telemetry: string; account: string }>> = {
  aws: {
    bus: 'sns                 # Amazon SNS topics with an SQS queue per consumer',
    database: 'dynamodb     # DynamoDB tables, on demand, encrypted, point-in-time recovery',
    secrets: 'aws-secrets   # AWS Secrets Manager',
    auth: `  authentication:
    provider: cognito            # a Cognito user pool; public services check its JWTs
    jwt_issuer: \${AUTH_ISSUER:-https://auth.example.com}`,
    telemetry: `  metrics: cloudwatch
compliance:
  data_retention_days: 365       # CloudWatch log retention`,
    account: `  aws:
    account_id: \${AWS_ACCOUNT_ID:-123456789012}
    region: eu-west-1
    compute: lambda              # request/response services on Lambda; fargate for long-running ones`,
  },
  gcp: {
    bus: 'pubsub              # Pub/Sub topics with a subscription per consumer',
    database: 'firestore    # Firestore (native mode)',
    secrets: 'gcp-secrets   # Secret Manager',
    auth: `  authentication:
    provider: none               # JWT validation on gcp is not built yet (docs/target-support.md): public services are open`,
    telemetry: `  metrics: cloud-monitoring
compliance:
  data_retention_days: 365       # the _Default log bucket's retention`,
    account: `  gcp:
    project_id: \${GCP_PROJECT_ID:-my-project}
    region: europe-west1
    state_bucket: \${TF_STATE_BUCKET:-my-project-tfstate}   # Terraform state (GCS)`,
  },
  fly: {
    bus: 'nats                # NATS JetStream, as a Fly app of its own',
    database: 'postgres     # Fly Managed Postgres',
    secrets: 'env           # Fly secrets, set by infrastructure/fly/<env>/deploy.sh',
    auth: `  authentication:
    provider: none               # JWT validation on fly is not built yet (docs/target-support.md): public services are open`,
    telemetry: `  # metrics: Fly keeps its own Machine and proxy metrics; the services expose no Prometheus metrics yet`,
    account: `  fly:
    org: \${FLY_ORG:-personal}
    primary_region: ams`,
  },
};

/** architecture.multi_tenant and its tenant section, for a template whose every request and event is a tenant's. */
const TENANCY = {
  architecture: `
  multi_tenant: true             # every request and event belongs to a tenant (see tenant)`,
  section: `
tenant:
  isolation: row-level           # the tenant id in every key and item, checked on every read (PostgreSQL: rows)
  header: X-Tenant-ID            # each request names its tenant here; a request without one is a 400
`,
  /** tenant.claim, offered where tokens are verified (aws). */
  claim: `  # claim: custom:tenant_id     # or: the tenant from the verified token's claim on public services (the header may only repeat it)
`,
};

/** The sections before `services:`, for \`cloud\`; with `multiTenant`, architecture.multi_tenant and the tenant section. */
export function globalSections(o: TemplateOptions & { description: string; multiTenant?: boolean }): string {
  const c = CLOUD[o.cloud];
  const tenancy = o.multiTenant === true ? { architecture: TENANCY.architecture, section: TENANCY.section + (o.cloud === 'aws' ? TENANCY.claim : '') } : { architecture: '', section: '' };
  return `${SCHEMA_MODELINE}
# Made by \`allframe ignite\`. This file is yours: change it and run \`npx allframe synth\`; the reference of every key
# is docs/architecture-reference.md in the allframe package.

architecture:
  name: ${o.name}
  version: 0.1.0
  description: ${o.description}${tenancy.architecture}
${tenancy.section}
settings:
  event_bus: ${c.bus}
  default_database: ${c.database}
  runtime: nodejs24

resilience:                      # defaults for every service; a service may override any of these
  circuit_breaker: { failure_threshold: 5, success_threshold: 3, timeout_ms: 30000 }
  retry: { max_attempts: 3, initial_interval_ms: 100, max_interval_ms: 10000, multiplier: 2.0 }

security:
  secrets_manager: ${c.secrets}
${c.auth}

observability:
  tracing: opentelemetry
  sampling: { strategy: probabilistic, rate: 0.1 }
  logging: json
${c.telemetry}

cloud:
  primary: ${o.cloud}
${c.account}

environments:                    # deployable stages: \`allframe synth --env prod\`
  dev: {}
  prod: {}
`;
}

/**
 * ecommerce: a shop. Users, a product inventory kept as events, orders as a saga over payment and inventory with
 * their compensations, a payment gateway to a card provider, notifications from the events (with a dead-letter
 * queue), and the storefront's backend-for-frontend that aggregates them behind a cache.
 */
const ecommerce: Template = {
  name: 'ecommerce',
  summary: 'a shop: users, inventory (event-sourced), orders (a saga over payment and inventory), payment gateway, notifications, storefront BFF',
  clouds: ['aws', 'gcp', 'fly'],
  render: (o) => `${globalSections({ ...o, description: 'Online shop' })}
services:
  - name: user-service
    type: stateless              # request/response CRUD over its own table
    responsibility: Customer accounts and addresses
    domain: { entities: [Customer, Address] }
    idempotency: { enabled: true, key_header: Idempotency-Key, ttl_hours: 24 }
    messaging: { pattern: outbox }   # the change and its events commit together; a relay publishes them
    publishes: [CustomerCreated]     # <Entity>Created: the generated create use case publishes it

  - name: inventory-service
    type: event-sourced          # every stock movement is an event; the current stock is a projection
    responsibility: Stock per product, reserved and released by orders
    cqrs: { projections: [StockLevel], snapshot_frequency: 100 }
    messaging: { pattern: outbox }
    publishes: [StockReserved, StockReleased]

  - name: payment-gateway
    type: gateway                # the card provider, behind a circuit breaker, retries and idempotency keys
    responsibility: Card payments and refunds
    integrations: { providers: [stripe], base_url: https://api.stripe.com }
    circuit_breaker: { failure_threshold: 5, timeout_ms: 30000 }
    retry: { max_attempts: 3, idempotent_only: true }
    idempotency: { enabled: true, ttl_hours: 72 }
    secrets: [{ name: STRIPE_API_KEY, managed: external }]   # the name only: the value lives in the secrets manager
    publishes: [PaymentSucceeded, PaymentFailed]

  - name: order-service
    type: saga-orchestrator      # the order's steps in turn; a failed step undoes those before it, in reverse
    responsibility: Order placement, from reservation to confirmation
    depends_on: [inventory-service, payment-gateway]
    saga:
      name: PlaceOrderSaga
      steps: [ReserveStock, ChargePayment, ConfirmOrder]
      compensation: [ReleaseStock, RefundPayment, CancelOrder]
      timeout_seconds: 300
    publishes: [OrderPlaced, OrderCancelled]

  - name: notification-service
    type: consumer               # mails and messages from the events; a message that keeps failing goes to its DLQ
    responsibility: Order and payment notifications to customers
    consumes:
      - { event: OrderPlaced, from: order-service }
      - { event: PaymentFailed, from: payment-gateway }
      - { event: CustomerCreated, from: user-service }
    consumer: { dlq: true, max_retries: 5, retry_backoff: exponential, concurrency: 10, batch_size: 10 }
    idempotency: { enabled: true, ttl_hours: 168 }   # the event ids it handled, in its own table: a redelivered event is sent once

  - name: storefront-bff
    type: bff                    # one call per page for the web shop, answers cached
    public: true                 # reachable from the internet; the other services only from the services that call them
    responsibility: The web storefront's API
    bff: { aggregates: [user-service, inventory-service, order-service], caching: { ttl_seconds: 30 } }
    rate_limit: { rps: 200, burst: 50 }
`,
};

/**
 * data-pipeline: sensor readings taken in over HTTP (each checked against its event's schema), summarised per sensor
 * and minute by a stream processor, archived as objects in a bucket, and served back by a query API that may read
 * (never write) the archive. Not on fly: a Tigris bucket's keys go to one app, so the query service could not read
 * the archive there (services[].storage.readers is refused on fly).
 */
const dataPipeline: Template = {
  name: 'data-pipeline',
  summary: 'readings in over HTTP (schema-checked), one-minute windows (stream processor), an archive in object storage, a query API over it',
  clouds: ['aws', 'gcp'],
  render: (o) => `${globalSections({ ...o, description: 'Sensor data pipeline' })}
services:
  - name: ingestion-service
    type: producer               # POST /events/ReadingReceived: the body is checked against the event's schema, then published
    public: true                 # the sensors post here; the other services are internal
    responsibility: Takes in sensor readings over HTTP
    publishes: [ReadingReceived]
    rate_limit: { rps: 500, burst: 200 }

  - name: transform-service
    type: stream-processor       # one summary per sensor and minute, from the readings of that minute
    responsibility: Summarises the readings of each sensor per one-minute window
    stream:
      input_events: [ReadingReceived]
      output_events: [WindowSummarized]
      windowing: { type: tumbling, duration_seconds: 60 }

  - name: storage-service
    type: consumer               # writes every summary to its bucket as a JSON object; failures retry, then go to the DLQ
    responsibility: Archives every window summary as an object
    consumes:
      - { event: WindowSummarized, from: transform-service }
    consumer: { dlq: true, max_retries: 5, retry_backoff: exponential, batch_size: 10 }
    storage:                     # a bucket of its own: encrypted, private, TLS only
      versioning: true           # an overwritten or deleted object's earlier version is kept 30 days
      retention_days: 365        # objects are deleted a year after they were written
      readers: [query-service]   # may list and read the archive, never change it

  - name: query-service
    type: stateless              # the API over the archive (reads the storage service's bucket)
    public: true
    responsibility: Serves the archived summaries
    domain: { entities: [SavedQuery] }
    rate_limit: { rps: 100, burst: 50 }
`,
};

/**
 * collaboration: documents edited together in real time. Accounts and sign-in (the token the document service checks
 * on connect), the documents' titles and sharing as a REST API, the documents' contents as Yjs CRDTs over a WebSocket
 * gateway (the y-protocols sync, and presence as awareness, on one connection: a Yjs client speaks both on the same
 * socket), and an activity feed from the events.
 */
const collaboration: Template = {
  name: 'collaboration',
  summary: 'documents edited together: accounts, documents and sharing (REST), contents as Yjs CRDTs with presence over WebSockets, an activity feed',
  clouds: ['aws', 'gcp', 'fly'],
  render: (o) => `${globalSections({ ...o, description: 'Collaborative documents' })}
services:
  - name: auth-service
    type: stateless              # accounts and their sessions; sign-in issues the token the document service checks
    public: true
    responsibility: Accounts and sign-in
    domain: { entities: [Account, Session] }
    publishes: [AccountCreated]  # <Entity>Created: the generated create use case publishes it
    rate_limit: { rps: 50, burst: 20 }   # sign-in invites guessing: keep it slow

  - name: workspace-service
    type: stateless              # the documents' titles and owners, and who each is shared with
    public: true
    responsibility: Documents and their sharing
    domain: { entities: [Document, Share] }
    messaging: { pattern: outbox }   # the change and its events commit together; a relay publishes them
    publishes: [DocumentCreated, ShareCreated]

  - name: document-service
    type: websocket-gateway      # the documents' contents, edited together over WebSockets
    public: true
    responsibility: Real-time editing of the documents' contents (sync) and who is in each document (presence)
    websocket:
      heartbeat_interval_ms: 30000
      # Yjs documents: the y-protocols sync and awareness (presence) messages; every update appended to a log in the
      # service's own database and compacted into a snapshot every 50; each message loads its document, so any
      # instance (a Lambda on aws) can take any message. Offline edits merge on reconnect.
      crdt: { type: yjs, snapshot_every: 50 }
    subscriptions: { authorization: jwt }   # clients present the auth service's token on connect

  - name: activity-service
    type: consumer               # the activity feed; a message that keeps failing goes to its DLQ
    responsibility: Who created and shared what, for the activity feed
    consumes:
      - { event: AccountCreated, from: auth-service }
      - { event: DocumentCreated, from: workspace-service }
      - { event: ShareCreated, from: workspace-service }
    consumer: { dlq: true, max_retries: 5, retry_backoff: exponential, batch_size: 10 }
    idempotency: { enabled: true, ttl_hours: 168 }   # a redelivered event is handled once
`,
};

/**
 * saas: a software-as-a-service back end, every request and event a tenant's (architecture.multi_tenant, row-level).
 * Tenants are onboarded and offboarded through the tenant service; users, billing through a gateway to the billing
 * provider (the provider's idempotency keys are the tenant's), the administrators' BFF (its cache and rate limit per
 * tenant), and a consumer acting on the tenants' lifecycle events.
 */
const saas: Template = {
  name: 'saas',
  summary: 'a multi-tenant back end: tenant onboarding and offboarding, users, billing gateway, admin BFF, lifecycle events (row-level isolation)',
  clouds: ['aws', 'gcp', 'fly'],
  render: (o) => `${globalSections({ ...o, description: 'Multi-tenant SaaS back end', multiTenant: true })}
services:
  - name: tenant-service
    type: stateless              # onboarding (POST /tenants) and offboarding (DELETE /tenants/{id}) of a tenant's account
    public: true
    responsibility: Tenant accounts, their plans and their lifecycle
    domain: { entities: [TenantAccount] }
    idempotency: { enabled: true, key_header: Idempotency-Key, ttl_hours: 24 }   # keys are per tenant
    messaging: { pattern: outbox }   # the change and its events commit together; a relay publishes them
    publishes: [TenantAccountCreated, TenantAccountDeleted]   # onboarded, offboarded: the events carry the tenant

  - name: user-service
    type: stateless              # the tenant's users; no route reads or changes another tenant's
    public: true
    responsibility: Users of each tenant, and their roles
    domain: { entities: [User] }
    messaging: { pattern: outbox }
    publishes: [UserCreated]

  - name: billing-gateway
    type: gateway                # the billing provider, behind a circuit breaker, retries and idempotency keys
    responsibility: Subscriptions and charges at the billing provider
    integrations: { providers: [stripe], base_url: https://api.stripe.com }
    circuit_breaker: { failure_threshold: 5, timeout_ms: 30000 }
    retry: { max_attempts: 3, idempotent_only: true }
    idempotency: { enabled: true, ttl_hours: 72 }   # sent on to the provider as <tenant>:<key>: tenants never share one
    secrets: [{ name: STRIPE_API_KEY, managed: external }]   # the name only: the value lives in the secrets manager
    publishes: [ChargeSucceeded, ChargeFailed]

  - name: admin-bff
    type: bff                    # the admin console's API: one call per page, for the tenant of the request
    public: true
    responsibility: The admin console's API over accounts and users
    bff: { aggregates: [tenant-service, user-service], caching: { ttl_seconds: 15 } }   # cached per tenant
    rate_limit: { rps: 50, burst: 20 }   # per tenant and instance: one busy tenant does not slow the others

  - name: lifecycle-service
    type: consumer               # acts on each tenant's events for that tenant; failures retry, then go to its DLQ
    responsibility: Welcomes onboarded tenants and new users, starts the erasure of an offboarded tenant's data
    consumes:
      - { event: TenantAccountCreated, from: tenant-service }
      - { event: TenantAccountDeleted, from: tenant-service }
      - { event: UserCreated, from: user-service }
      - { event: ChargeFailed, from: billing-gateway }
    consumer: { dlq: true, max_retries: 5, retry_backoff: exponential, batch_size: 10 }
    idempotency: { enabled: true, ttl_hours: 168 }   # a redelivered event is handled once
`,
};

/** Every template, by name, in the order `--list` shows them. */
export const TEMPLATES: readonly Template[] = [ecommerce, dataPipeline, collaboration, saas];

export function findTemplate(name: string): Template | undefined {
  return TEMPLATES.find((t) => t.name === name);
}
