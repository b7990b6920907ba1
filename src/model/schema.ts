/**
 * The architecture format, written once with TypeBox: the JSON Schema (draft 2020-12) and the TypeScript
 * model types both come from the definitions below, so they cannot drift.
 *
 * House rules, checked by test/model/schema.test.ts:
 * - every object has `additionalProperties: false`;
 * - every property has a `description`, and either a `default` or a `$comment` starting with "default:"
 *   that says what its absence means (aws-cdk's `@default -` convention).
 */
import { Static, TSchema, Type } from '@sinclair/typebox';
import { ARCHETYPE_NAMES, ArchetypeName } from './archetypes';

// ---------- building blocks ----------

interface Doc {
  readonly description: string;
  readonly default?: unknown;
  /** "default: ..." when there is no literal default. */
  readonly $comment?: string;
  readonly examples?: unknown[];
}

function Enum<const T extends readonly string[]>(values: T, doc: Doc) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...doc });
}

function Obj<P extends Record<string, TSchema>>(properties: P, doc: Doc) {
  return Type.Object(properties, { additionalProperties: false, ...doc });
}

/** A map with named keys (environments, overrides, variables). */
function NamedMap<T extends TSchema>(keyPattern: string, value: T, doc: Doc) {
  return Type.Unsafe<Record<string, Static<T>>>({
    type: 'object',
    propertyNames: { pattern: keyPattern },
    additionalProperties: value,
    ...doc,
  });
}

const Opt = Type.Optional;
/** A literal default where the block has one, else a note that it is inherited. */
const dflt = (withDefault: boolean, value: unknown, inherited: string): Pick<Doc, 'default' | '$comment'> =>
  withDefault ? { default: value } : { $comment: `default: ${inherited}` };


const ServiceName = (description: string) => Type.String({ description, pattern: PATTERNS.kebab, minLength: 2, maxLength: 40 });
const EventName = (description: string) => Type.String({ description, pattern: PATTERNS.pascal, maxLength: 100 });
const ServiceNames = (description: string) => Type.Array(ServiceName('A service name'), { description, uniqueItems: true, default: [] });
const SecretName = () => Type.String({ description: 'A secret name in UPPER_SNAKE_CASE', pattern: PATTERNS.envVar, maxLength: 128 });
const EventNames = (description: string) => Type.Array(EventName('An event name in PascalCase'), { description, uniqueItems: true, default: [] });

// ---------- enums ----------

import { SQS_MAX_VISIBILITY_SECONDS, STORAGE_MAX_RETENTION_DAYS } from '../../lib-constructs/core/cloud-limits';
import { BLOCK_DEFAULTS, FILE_DEFAULTS, SIZING_DEFAULTS } from './defaults';
import { ARCHITECTURE_NAME_LENGTH, AUTH_PROVIDERS, COMPUTES, DATABASES, DEFAULT_NODE_RUNTIME, EVENT_BUSES, METRICS, NODE_RUNTIMES, NodeRuntime, PATTERNS, PROTOCOLS, SCHEMA_REGISTRIES, SECRET_MANAGEMENT, SECRETS_MANAGERS, TARGETS } from './constants';

export * from './constants';

// ---------- resilience (global defaults, per-service overrides) ----------

const circuitBreaker = (g: boolean) =>
  Obj(
    {
      failure_threshold: Opt(Type.Integer({ description: 'Consecutive failures that open the circuit', minimum: 1, maximum: 1000, ...dflt(g, 5, 'resilience.circuit_breaker.failure_threshold') })),
      success_threshold: Opt(Type.Integer({ description: 'Successes in half-open state that close it again', minimum: 1, maximum: 1000, ...dflt(g, 3, 'resilience.circuit_breaker.success_threshold') })),
      timeout_ms: Opt(Type.Integer({ description: 'How long the circuit stays open before a trial call, in milliseconds', minimum: 100, maximum: 3_600_000, ...dflt(g, 30000, 'resilience.circuit_breaker.timeout_ms') })),
    },
    { description: 'Circuit breaker around outbound calls', ...dflt(g, {}, 'resilience.circuit_breaker') },
  );

const retry = (g: boolean) =>
  Obj(
    {
      max_attempts: Opt(Type.Integer({ description: 'Attempts including the first call', minimum: 1, maximum: 100, ...dflt(g, 3, 'resilience.retry.max_attempts') })),
      initial_interval_ms: Opt(Type.Integer({ description: 'Delay before the first retry, in milliseconds', minimum: 1, maximum: 3_600_000, ...dflt(g, 100, 'resilience.retry.initial_interval_ms') })),
      max_interval_ms: Opt(Type.Integer({ description: 'Upper bound of the delay between retries, in milliseconds', minimum: 1, maximum: 3_600_000, ...dflt(g, 10000, 'resilience.retry.max_interval_ms') })),
      multiplier: Opt(Type.Number({ description: 'Backoff multiplier between retries', minimum: 1, maximum: 10, ...dflt(g, 2, 'resilience.retry.multiplier') })),
      idempotent_only: Opt(Type.Boolean({ description: 'Retry only idempotent requests (GET, PUT, DELETE and requests with an Idempotency-Key)', ...dflt(g, false, 'resilience.retry.idempotent_only') })),
    },
    { description: 'Retry policy with exponential backoff and jitter', ...dflt(g, {}, 'resilience.retry') },
  );

const bulkhead = (g: boolean) =>
  Obj(
    {
      max_concurrent: Opt(Type.Integer({ description: 'Concurrent executions allowed', minimum: 1, maximum: 100000, ...dflt(g, 100, 'resilience.bulkhead.max_concurrent') })),
      max_queue: Opt(Type.Integer({ description: 'Calls waiting for a slot before being rejected', minimum: 0, maximum: 100000, ...dflt(g, 50, 'resilience.bulkhead.max_queue') })),
    },
    { description: 'Bulkhead limiting concurrent outbound calls', ...dflt(g, {}, 'resilience.bulkhead') },
  );

const rateLimit = (g: boolean) =>
  Obj(
    {
      rps: Opt(Type.Integer({ description: 'Sustained requests per second', minimum: 1, maximum: 1_000_000, ...dflt(g, 1000, 'resilience.rate_limit.rps') })),
      burst: Opt(Type.Integer({ description: 'Requests allowed above the sustained rate in a burst', minimum: 1, maximum: 1_000_000, ...dflt(g, 100, 'resilience.rate_limit.burst') })),
    },
    { description: 'Inbound rate limit (API throttling)', ...dflt(g, {}, 'resilience.rate_limit') },
  );

// ---------- cloud (full block, and the partial form environments use) ----------

const cloud = (g: boolean) =>
  Obj(
    {
      primary: Opt(Enum(TARGETS, { description: 'Default target of `allframe synth` and `allframe validate`', ...dflt(g, 'aws', 'the base file\'s cloud.primary') })),
      aws: Opt(
        Obj(
          {
            account_id: Opt(Type.String({ description: 'AWS account id (12 digits) the stacks deploy to', pattern: PATTERNS.awsAccount, $comment: 'default: environment-agnostic stacks (account resolved at deploy time)' })),
            region: Opt(Type.String({ description: 'AWS region, e.g. eu-west-1', pattern: PATTERNS.awsRegion, ...dflt(g, 'us-east-1', 'the base file\'s cloud.aws.region') })),
            compute: Opt(Enum(['lambda', 'fargate'] as const, { description: 'Default compute for request/response services', ...dflt(g, 'lambda', 'the base file\'s cloud.aws.compute') })),
            certificate_arn: Opt(
              Type.String({
                description: 'ACM certificate (its ARN) of the HTTPS listener that carries gRPC to the Fargate services whose protocols include grpc: an Application Load Balancer carries gRPC over HTTPS only',
                pattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$',
                $comment: 'default: none; required on target aws when a Fargate service serves grpc',
              }),
            ),
            nat: Opt(Enum(['none', 'instance', 'gateway', 'gateway-per-az'] as const, { description: 'Outbound internet for private subnets when a VPC is needed: none (VPC endpoints only), one NAT instance, one NAT gateway, or one per availability zone', ...dflt(g, FILE_DEFAULTS.aws.nat, 'the base file\'s cloud.aws.nat') })),
          },
          { description: 'Amazon Web Services settings', $comment: 'default: absent; required when the target is aws' },
        ),
      ),
      gcp: Opt(
        Obj(
          {
            project_id: Opt(Type.String({ description: 'Google Cloud project id', pattern: PATTERNS.gcpProject, $comment: 'default: none; required when the target is gcp' })),
            region: Opt(Type.String({ description: 'Google Cloud region, e.g. europe-west1', pattern: PATTERNS.gcpRegion, ...dflt(g, FILE_DEFAULTS.gcp.region, 'the base file\'s cloud.gcp.region') })),
            state_bucket: Opt(Type.String({ description: 'GCS bucket holding the Terraform state', pattern: PATTERNS.gcsBucket, $comment: 'default: none; required when the target is gcp' })),
          },
          { description: 'Google Cloud settings', $comment: 'default: absent; required when the target is gcp' },
        ),
      ),
      fly: Opt(
        Obj(
          {
            org: Opt(Type.String({ description: 'Fly.io organisation slug the apps are created in', pattern: PATTERNS.kebab, ...dflt(g, FILE_DEFAULTS.fly.org, 'the base file\'s cloud.fly.org') })),
            primary_region: Opt(Type.String({ description: 'Fly.io primary region code, e.g. ams: where the Machines, the event bus and its volume are created', pattern: PATTERNS.flyRegion, ...dflt(g, FILE_DEFAULTS.fly.primary_region, 'the base file\'s cloud.fly.primary_region') })),
            app_prefix: Opt(
              Type.String({
                description: 'Prefix of every Fly app name (app names are global on Fly.io): <prefix>-<service>, <prefix>-bus',
                pattern: PATTERNS.kebab,
                maxLength: 40,
                $comment: 'default: the architecture name, followed by -<environment> when an environment is selected',
              }),
            ),
            cpu_kind: Opt(Enum(['shared', 'performance'] as const, { description: 'Kind of CPU of the Machines: shared or performance (dedicated) cores', ...dflt(g, FILE_DEFAULTS.fly.cpu_kind, 'the base file\'s cloud.fly.cpu_kind') })),
            bus_volume_gb: Opt(Type.Integer({ description: 'Size of the volume holding the NATS JetStream event bus\'s streams, in GB', minimum: 1, maximum: 500, ...dflt(g, FILE_DEFAULTS.fly.bus_volume_gb, 'the base file\'s cloud.fly.bus_volume_gb') })),
          },
          { description: 'Fly.io settings', $comment: 'default: absent; required when the target is fly' },
        ),
      ),
    },
    { description: g ? 'Where the architecture runs' : 'Cloud settings this environment overrides', ...dflt(g, {}, 'the base file\'s cloud block') },
  );

// ---------- services ----------

/** Sizing keys: a service sets them, and an environment may override them per service. */
const sizing = (g: boolean) => ({
  compute: Opt(Enum(COMPUTES, { description: 'Where the service runs. lambda and fargate are AWS choices; on GCP they run on Cloud Run and on Fly.io on Fly Machines', $comment: 'default: cloud.<target>.compute (aws: lambda); cloud-run on gcp; fly-machine on fly' })),
  memory_mb: Opt(Type.Integer({ description: 'Memory per instance in MiB', minimum: 128, maximum: 32768, ...dflt(g, SIZING_DEFAULTS.memory_mb, 'the service\'s memory_mb') })),
  cpu: Opt(Type.Integer({ description: 'CPU units per instance; 1024 units are one vCPU', minimum: 128, maximum: 16384, ...dflt(g, SIZING_DEFAULTS.cpu, 'the service\'s cpu') })),
  timeout_seconds: Opt(Type.Integer({ description: 'Longest a request or message may take, in seconds', minimum: 1, maximum: 3600, ...dflt(g, SIZING_DEFAULTS.timeout_seconds, 'the service\'s timeout_seconds') })),
  min_instances: Opt(Type.Integer({ description: 'Instances kept warm (0 allows scale to zero where the compute can)', minimum: 0, maximum: 1000, ...dflt(g, SIZING_DEFAULTS.min_instances, 'the service\'s min_instances') })),
  max_instances: Opt(Type.Integer({ description: 'Upper bound for autoscaling', minimum: 1, maximum: 1000, ...dflt(g, SIZING_DEFAULTS.max_instances, 'the service\'s max_instances') })),
  concurrency: Opt(Type.Integer({ description: 'Concurrent requests one instance handles', minimum: 1, maximum: 1000, $comment: 'default: the compute\'s own (1 on Lambda, 80 on Cloud Run and Fargate, 25 on Fly Machines)' })),
});

const Consumes = Type.Array(
  Obj(
    {
      event: EventName('The event consumed'),
      from: Opt(Type.String({ description: 'The service that publishes it; the event must be in its `publishes`', pattern: PATTERNS.kebab, minLength: 2, maxLength: 40, $comment: 'default: any service that publishes the event' })),
      filter: Opt(NamedMap('^[A-Za-z_][A-Za-z0-9_]*$', Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'Value the attribute must have' }), { description: 'Message attribute filter (all must match)', default: {} })),
    },
    { description: 'One consumed event' },
  ),
  { description: 'Events this service consumes, each from a named producer', default: [] },
);

const serviceProperties = {
  name: ServiceName('Service name, lowercase kebab-case; names its package and cloud resources'),
  type: Enum(ARCHETYPE_NAMES as readonly ArchetypeName[], { description: 'The archetype: what kind of service this is. anti-corruption-layer is an alias of legacy-adapter' }),
  responsibility: Opt(Type.String({ description: 'One line on what the service is for; goes into docs and generated READMEs', maxLength: 500, default: '' })),
  public: Opt(Type.Boolean({ description: 'Reachable from the internet (behind security.authentication). When false, only the services that list it in depends_on or bff.aggregates may call it', default: false })),
  protocols: Opt(Type.Array(Enum(PROTOCOLS, { description: 'A protocol' }), { description: 'Protocols the service serves', uniqueItems: true, minItems: 1, $comment: 'default: [rest] for archetypes that serve requests, [] otherwise' })),
  ...sizing(true),
  domain: Opt(
    Obj(
      {
        entities: Opt(Type.Array(EventName('An entity name in PascalCase'), { description: 'Domain entities (CRUD for stateless services)', uniqueItems: true, default: [] })),
        events: Opt(EventNames('Domain events the service models')),
      },
      { description: 'Domain model of the service', default: {} },
    ),
  ),
  database: Opt(
    Obj(
      { type: Opt(Enum(DATABASES, { description: 'Database engine of the service', $comment: 'default: settings.default_database' })) },
      { description: 'The service\'s own database (one per service, never shared)', $comment: 'default: settings.default_database for services that keep state (stateless, saga-orchestrator, idempotency, outbox), else none' },
    ),
  ),
  idempotency: Opt(
    Obj(
      {
        enabled: Opt(Type.Boolean({ description: 'Deduplicate requests carrying an idempotency key', default: true })),
        key_header: Opt(Type.String({ description: 'Request header holding the idempotency key', pattern: PATTERNS.httpHeader, default: BLOCK_DEFAULTS.idempotency.key_header })),
        ttl_hours: Opt(Type.Integer({ description: 'How long results are remembered, in hours', minimum: 1, maximum: 8760, default: BLOCK_DEFAULTS.idempotency.ttl_hours })),
      },
      { description: 'Idempotent request handling backed by a TTL table', $comment: 'default: off' },
    ),
  ),
  messaging: Opt(
    Obj(
      { pattern: Opt(Enum(['outbox', 'direct'] as const, { description: 'outbox: events are written with the state change and relayed; direct: published after commit', default: 'direct' })) },
      { description: 'How published events leave the service', default: {} },
    ),
  ),
  publishes: Opt(EventNames('Events this service publishes')),
  consumes: Opt(Consumes),
  depends_on: Opt(ServiceNames('Services this one calls synchronously; they must not form a cycle')),
  overrides: Opt(
    Obj(
      {
        aws: Opt(
          Type.Array(
            Obj(
              {
                resource: Type.String({ description: 'The resource to patch: its construct path inside the service stack (as in the template\'s aws:cdk:path metadata, without the stack and the trailing /Resource, e.g. Api/Function) or its logical id', minLength: 1, maxLength: 512 }),
                op: Opt(Enum(['add', 'replace', 'remove'] as const, { description: 'JSON Patch operation: add and replace set the value, remove deletes it', default: 'add' })),
                path: Type.String({ description: 'JSON Pointer into the resource, e.g. /Properties/ReservedConcurrentExecutions', pattern: '^(/[^/]+)+$', maxLength: 512 }),
                value: Opt(Type.Unknown({ description: 'The value to set (add, replace)', $comment: 'default: none; required for add and replace' })),
              },
              { description: 'One patch on a synthesized CloudFormation resource' },
            ),
            { description: 'Patches on the AWS resources of this service, applied after synthesis (the escape hatch for what the format does not model)', default: [] },
          ),
        ),
      },
      { description: 'Escape hatches: patches on the synthesized resources of this service, per target', default: {} },
    ),
  ),
  secrets: Opt(
    Type.Array(
      Type.Union(
        [
          SecretName(),
          Obj(
            {
              name: SecretName(),
              managed: Opt(
                Enum(SECRET_MANAGEMENT, {
                  description:
                    'Who issues and rotates the value. allframe: generated by the secrets manager and rotated every security.api_key_rotation_days days (aws: Secrets Manager rotation; gcp: see docs/gcp.md). external: issued by a third party (a payment provider, an API vendor), set and rotated by its owner; allframe creates the secret without its value and never rotates it (the cdk-nag finding SMG4 is acknowledged for these alone)',
                  $comment: 'default: allframe (a default inside a choice of forms is applied by the resolver, not the schema)',
                }),
              ),
            },
            { description: 'A secret with its settings' },
          ),
        ],
        { description: 'A secret: its name in UPPER_SNAKE_CASE (same as { name, managed: allframe }), or { name, managed }' },
      ),
      { description: 'Secrets the service reads; values live in the secrets manager, never in files', uniqueItems: true, default: [] },
    ),
  ),
  environment: Opt(NamedMap(PATTERNS.envVar, Type.String({ description: 'Value (not for secrets: use `secrets`)', maxLength: 4096 }), { description: 'Plain environment variables for the service', default: {} })),
  storage: Opt(
    Obj(
      {
        versioning: Opt(
          Type.Boolean({
            description: 'Keep the earlier versions of overwritten and deleted objects (for 30 days after they stop being current). Tigris, the object storage on fly, keeps no object versions',
            $comment: 'default: true on aws and gcp; false on fly',
          }),
        ),
        retention_days: Opt(Type.Integer({ description: 'Delete an object this many days after it was last written (0: keep objects until the service deletes them)', minimum: 0, maximum: STORAGE_MAX_RETENTION_DAYS, default: 0 })),
        readers: Opt(ServiceNames('Other services that may read (list and get, never write or delete) the objects; each finds the bucket in BUCKET_<SERVICE>, e.g. BUCKET_ARCHIVE_SERVICE')),
      },
      {
        description:
          'Object storage: a bucket of the service\'s own (S3 on aws: encrypted, TLS only, public access blocked, server access logs; Cloud Storage on gcp: uniform access, public access prevented; Tigris on fly), which it reads and writes through the platform\'s ObjectStore (BUCKET_NAME)',
        $comment: 'default: absent (no bucket)',
      },
    ),
  ),
  circuit_breaker: Opt(circuitBreaker(false)),
  retry: Opt(retry(false)),
  bulkhead: Opt(bulkhead(false)),
  rate_limit: Opt(rateLimit(false)),

  // type-specific blocks (which archetype takes which: model/archetypes.ts)
  cqrs: Opt(
    Obj(
      {
        event_store: Opt(Enum(['dynamodb', 'postgres', 'firestore'] as const, { description: 'Where the event stream is stored', $comment: 'default: settings.default_database when it can hold events, else the target\'s (dynamodb on aws, firestore on gcp, postgres on fly)' })),
        projections: Opt(Type.Array(EventName('A projection (read model) name'), { description: 'Read models built from the events', uniqueItems: true, default: [] })),
        snapshot_frequency: Opt(Type.Integer({ description: 'Take a snapshot every N events (0: never)', minimum: 0, maximum: 100000, default: BLOCK_DEFAULTS.cqrs.snapshot_frequency })),
      },
      { description: 'event-sourced: event store, projections and snapshots', $comment: 'default: absent; required for event-sourced' },
    ),
  ),
  saga: Opt(
    Obj(
      {
        name: EventName('Saga name in PascalCase'),
        steps: Type.Array(EventName('A step name'), { description: 'Steps in execution order', minItems: 1, maxItems: 100, uniqueItems: true }),
        compensation: Opt(Type.Array(EventName('A compensation name'), { description: 'compensation[i] undoes steps[i]; run in reverse order on failure', maxItems: 100, uniqueItems: true, default: [] })),
        timeout_seconds: Opt(Type.Integer({ description: 'Deadline for the whole saga, in seconds', minimum: 1, maximum: 31_536_000, default: BLOCK_DEFAULTS.saga.timeout_seconds })),
      },
      { description: 'saga-orchestrator: the saga\'s steps and compensations', $comment: 'default: absent; required for saga-orchestrator' },
    ),
  ),
  integrations: Opt(
    Obj(
      {
        providers: Type.Array(Type.String({ description: 'A provider id', pattern: PATTERNS.kebab, maxLength: 40 }), { description: 'External providers this gateway integrates', minItems: 1, uniqueItems: true }),
        base_url: Opt(Type.String({ description: 'Base URL of the provider API', format: 'uri', pattern: '^https?://', $comment: 'default: none; the skeleton reads it from configuration' })),
        timeout_ms: Opt(Type.Integer({ description: 'Timeout of one outbound call, in milliseconds', minimum: 1, maximum: 900000, default: 10000 })),
      },
      { description: 'gateway: the external integrations', $comment: 'default: absent; required for gateway' },
    ),
  ),
  consumer: Opt(
    Obj(
      {
        dlq: Opt(Type.Boolean({ description: 'Move messages that keep failing to a dead-letter queue', default: true })),
        max_retries: Opt(Type.Integer({ description: 'Deliveries of a message before it moves to the DLQ (SQS maxReceiveCount, Pub/Sub max_delivery_attempts)', minimum: 1, maximum: 1000, default: BLOCK_DEFAULTS.consumer.max_retries })),
        retry_backoff: Opt(Enum(['exponential', 'linear', 'fixed'] as const, { description: 'Delay growth between redeliveries', default: 'exponential' })),
        concurrency: Opt(Type.Integer({ description: 'Messages processed at once', minimum: 1, maximum: 1000, default: BLOCK_DEFAULTS.consumer.concurrency })),
        batch_size: Opt(Type.Integer({ description: 'Messages delivered per batch', minimum: 1, maximum: 10000, default: BLOCK_DEFAULTS.consumer.batch_size })),
        visibility_timeout_seconds: Opt(Type.Integer({ description: 'How long a received message stays hidden from other consumers', minimum: 0, maximum: SQS_MAX_VISIBILITY_SECONDS, $comment: 'default: 6 × timeout_seconds (what AWS recommends for Lambda consumers)' })),
      },
      { description: 'consumer: delivery, retries and dead-lettering', $comment: 'default: absent; required for consumer' },
    ),
  ),
  bff: Opt(
    Obj(
      {
        aggregates: Type.Array(ServiceName('A service name'), { description: 'Services this BFF aggregates (it may call them)', minItems: 1, uniqueItems: true }),
        caching: Opt(Obj({ ttl_seconds: Opt(Type.Integer({ description: 'Response cache TTL in seconds (0: no caching)', minimum: 0, maximum: 86400, default: BLOCK_DEFAULTS.bffCaching.ttl_seconds })) }, { description: 'Response caching', default: {} })),
      },
      { description: 'bff: aggregated services and caching', $comment: 'default: absent; required for bff' },
    ),
  ),
  websocket: Opt(
    Obj(
      {
        heartbeat_interval_ms: Opt(Type.Integer({ description: 'Ping interval, in milliseconds', minimum: 1000, maximum: 600000, default: BLOCK_DEFAULTS.websocket.heartbeat_interval_ms })),
        max_connections_per_instance: Opt(Type.Integer({ description: 'Connections one instance accepts', minimum: 1, maximum: 1_000_000, default: BLOCK_DEFAULTS.websocket.max_connections_per_instance })),
        idle_timeout_seconds: Opt(Type.Integer({ description: 'Close connections idle for this long, in seconds', minimum: 10, maximum: 7200, default: 600 })),
        crdt: Opt(
          Obj(
            {
              type: Enum(['yjs'] as const, { description: 'The CRDT: Yjs documents, synchronised with the y-protocols sync and awareness messages' }),
              snapshot_every: Opt(Type.Integer({ description: "Compact a document's update log into its snapshot once it holds this many updates", minimum: 1, maximum: 1000, default: 50 })),
            },
            { description: "Collaborative documents edited over the gateway's connections: an update log and snapshots in the service's database, loaded per message", $comment: 'default: absent (no documents)' },
          ),
        ),
      },
      { description: 'websocket-gateway: connection handling', $comment: 'default: absent; required for websocket-gateway' },
    ),
  ),
  subscriptions: Opt(
    Obj(
      {
        events: Opt(EventNames('Events pushed to connected clients')),
        authorization: Opt(Enum(['jwt', 'api-key', 'none'] as const, { description: 'How clients authorise on connect', default: BLOCK_DEFAULTS.subscriptions.authorization })),
      },
      { description: 'websocket-gateway: events pushed to clients', $comment: 'default: no subscriptions' },
    ),
  ),
  schedule: Opt(
    Obj(
      {
        cron: Type.String({ description: 'Five-field cron expression (minute hour day-of-month month day-of-week) or a macro such as @daily', minLength: 1, maxLength: 200, examples: ['0 2 * * *'] }),
        timezone: Opt(Type.String({ description: 'IANA time zone the cron expression is read in', maxLength: 64, default: BLOCK_DEFAULTS.schedule.timezone })),
        timeout_minutes: Opt(Type.Integer({ description: 'Longest one run may take, in minutes', minimum: 1, maximum: 1440, default: BLOCK_DEFAULTS.schedule.timeout_minutes })),
        overlap_policy: Opt(Enum(['skip', 'allow', 'queue'] as const, { description: 'What happens when a run is due while the previous one still runs', default: BLOCK_DEFAULTS.schedule.overlap_policy })),
        retry_attempts: Opt(Type.Integer({ description: 'Retries of a failed run', minimum: 0, maximum: 185, default: BLOCK_DEFAULTS.schedule.retry_attempts })),
      },
      { description: 'scheduled: when and how the job runs', $comment: 'default: absent; required for scheduled' },
    ),
  ),
  acl: Opt(
    Obj(
      {
        upstream: Type.String({ description: 'URL of the legacy system', format: 'uri', maxLength: 2048 }),
        protocol: Opt(Enum(['soap', 'rest', 'graphql', 'sftp', 'jdbc'] as const, { description: 'Protocol the legacy system speaks', default: BLOCK_DEFAULTS.acl.protocol })),
        sync_strategy: Opt(Enum(['polling', 'webhook', 'cdc', 'on-demand'] as const, { description: 'How changes are taken from the legacy system', default: BLOCK_DEFAULTS.acl.sync_strategy })),
        polling_interval_seconds: Opt(Type.Integer({ description: 'Polling interval with sync_strategy polling, in seconds', minimum: 1, maximum: 86400, default: BLOCK_DEFAULTS.acl.polling_interval_seconds })),
      },
      { description: 'legacy-adapter: the legacy upstream and how to sync with it', $comment: 'default: absent; required for legacy-adapter' },
    ),
  ),
  stream: Opt(
    Obj(
      {
        input_events: Type.Array(EventName('An event name in PascalCase'), { description: 'Events read from the stream', minItems: 1, uniqueItems: true }),
        output_events: Opt(EventNames('Events emitted per window')),
        windowing: Opt(
          Obj(
            {
              type: Opt(Enum(['tumbling', 'sliding', 'session'] as const, { description: 'Window kind', default: BLOCK_DEFAULTS.windowing.type })),
              duration_seconds: Opt(Type.Integer({ description: 'Window length (session: inactivity gap), in seconds', minimum: 1, maximum: 86400, default: BLOCK_DEFAULTS.windowing.duration_seconds })),
              slide_seconds: Opt(Type.Integer({ description: 'Slide of a sliding window, in seconds', minimum: 1, maximum: 86400, $comment: 'default: duration_seconds / 2 for sliding windows' })),
            },
            { description: 'Windowed aggregation', default: {} },
          ),
        ),
      },
      { description: 'stream-processor: input, output and windows', $comment: 'default: absent; required for stream-processor' },
    ),
  ),
  cache: Opt(
    Obj(
      {
        backend: Opt(Enum(['redis', 'valkey', 'memcached'] as const, { description: 'Cache engine', default: BLOCK_DEFAULTS.cache.backend })),
        strategy: Opt(Enum(['cache-aside', 'read-through', 'write-through', 'write-behind'] as const, { description: 'Caching pattern the skeleton implements', default: BLOCK_DEFAULTS.cache.strategy })),
        ttl_seconds: Opt(Type.Integer({ description: 'Entry lifetime, in seconds', minimum: 1, maximum: 31_536_000, default: BLOCK_DEFAULTS.cache.ttl_seconds })),
        invalidation: Opt(EventNames('Events that invalidate cached entries')),
      },
      { description: 'cache: the managed cache', $comment: 'default: absent; required for cache' },
    ),
  ),
};

export const ServiceSchema = Obj(serviceProperties, { description: 'One service of the architecture' });

const EnvironmentSchema = Obj(
  {
    cloud: Opt(cloud(false)),
    overrides: Opt(NamedMap(PATTERNS.kebab, Obj(sizing(false), { description: 'Sizing of one service in this environment' }), { description: 'Per-service sizing in this environment, by service name', default: {} })),
  },
  { description: 'One deployable stage' },
);

// ---------- the whole file ----------

export const ArchitectureSchema = Obj(
  {
    $schema: Opt(Type.String({ description: 'JSON Schema of this file, for editors', $comment: 'default: none' })),
    architecture: Obj(
      {
        name: Type.String({ description: 'Architecture name, lowercase kebab-case, 3-40 characters; prefixes every cloud resource name', pattern: PATTERNS.kebab, minLength: ARCHITECTURE_NAME_LENGTH.min, maxLength: ARCHITECTURE_NAME_LENGTH.max }),
        version: Opt(Type.String({ description: 'Version of the architecture (semver); also the version of every service\'s OpenAPI document', pattern: PATTERNS.semver, default: FILE_DEFAULTS.version })),
        description: Opt(Type.String({ description: 'What the system does', maxLength: 2000, default: '' })),
        multi_tenant: Opt(Type.Boolean({ description: 'Serve several tenants; see `tenant`', default: false })),
      },
      { description: 'Identity of the architecture' },
    ),
    settings: Opt(
      Obj(
        {
          event_bus: Opt(Enum(EVENT_BUSES, { description: 'Event bus for published events', $comment: 'default: per target: aws sns, gcp pubsub, fly nats' })),
          default_database: Opt(Enum(DATABASES, { description: 'Database for services that need one and name none', $comment: 'default: per target: aws dynamodb, gcp firestore, fly postgres' })),
          api_docs: Opt(Type.Boolean({ description: 'Serve the interactive API docs page (/docs) of every HTTP API service wherever it runs. When false, a service serves it only when started with API_DOCS=true, as locally; its OpenAPI document is always at /openapi.json', default: FILE_DEFAULTS.apiDocs })),
          runtime: Opt(Enum(Object.keys(NODE_RUNTIMES) as NodeRuntime[], { description: 'Node.js runtime of the generated services: the Lambda runtime, the container base image and the bundles\' target. Defaults to the active LTS', default: DEFAULT_NODE_RUNTIME })),
          events: Opt(
            Obj(
              {
                schema_registry: Opt(Enum(SCHEMA_REGISTRIES, { description: 'Where event schemas are registered', default: 'none' })),
                format: Opt(Enum(['avro', 'protobuf', 'json-schema'] as const, { description: 'Event schema format', default: FILE_DEFAULTS.events.format })),
                compatibility: Opt(Enum(['backward', 'forward', 'full', 'none'] as const, { description: 'Schema evolution rule enforced by the registry', default: FILE_DEFAULTS.events.compatibility })),
              },
              { description: 'Event schemas', default: {} },
            ),
          ),
        },
        { description: 'Platform-wide choices', default: {} },
      ),
    ),
    resilience: Opt(
      Obj(
        { circuit_breaker: Opt(circuitBreaker(true)), retry: Opt(retry(true)), bulkhead: Opt(bulkhead(true)), rate_limit: Opt(rateLimit(true)) },
        { description: 'Resilience defaults for every service; a service may override any of them', default: {} },
      ),
    ),
    security: Opt(
      Obj(
        {
          secrets_manager: Opt(Enum(SECRETS_MANAGERS, { description: 'Where secret values live', $comment: 'default: per target: aws aws-secrets, gcp gcp-secrets, fly env (Fly secrets)' })),
          mtls: Opt(Type.Boolean({ description: 'Mutual TLS between services', default: false })),
          api_key_rotation_days: Opt(Type.Integer({ description: 'Rotation period of API keys and rotatable secrets, in days', minimum: 1, maximum: 365, default: 90 })),
          authentication: Opt(
            Obj(
              {
                provider: Opt(Enum(AUTH_PROVIDERS, { description: 'Identity provider for public endpoints', default: 'none' })),
                jwt_issuer: Opt(Type.String({ description: 'Issuer URL of the JWTs; required unless provider is none', format: 'uri', pattern: '^https://', $comment: 'default: none' })),
                audience: Opt(Type.String({ description: 'Expected JWT audience', maxLength: 256, $comment: 'default: the architecture name' })),
              },
              { description: 'End-user authentication', default: {} },
            ),
          ),
        },
        { description: 'Security settings', default: {} },
      ),
    ),
    compliance: Opt(
      Obj(
        {
          audit_logging: Opt(Type.Boolean({ description: 'Write an audit trail of state changes', default: false })),
          pii_fields: Opt(Type.Array(Type.String({ description: 'A field name', pattern: '^[a-z][a-z0-9_]*$', maxLength: 64 }), { description: 'Field names redacted from logs and traces', uniqueItems: true, default: [] })),
          data_retention_days: Opt(Type.Integer({ description: 'How long logs are kept, in days: the services\' CloudWatch log groups on aws (rounded up to a retention CloudWatch offers; VPC flow logs keep 90 days), the project\'s _Default Cloud Logging bucket on gcp. Service data stays until the service deletes it', minimum: 1, maximum: 3650, default: 365 })),
        },
        { description: 'Compliance settings', default: {} },
      ),
    ),
    observability: Opt(
      Obj(
        {
          tracing: Opt(Enum(['opentelemetry', 'xray', 'none'] as const, { description: 'Distributed tracing', default: 'opentelemetry' })),
          sampling: Opt(
            Obj(
              {
                strategy: Opt(Enum(['probabilistic', 'always', 'never', 'rate-limiting'] as const, { description: 'Trace sampling strategy', default: 'probabilistic' })),
                rate: Opt(Type.Number({ description: 'Sampled fraction (probabilistic) or traces per second (rate-limiting)', minimum: 0, maximum: 1000, default: FILE_DEFAULTS.sampling.rate })),
              },
              { description: 'Trace sampling', default: {} },
            ),
          ),
          metrics: Opt(Enum(METRICS, { description: 'Metrics backend', $comment: 'default: per target: aws cloudwatch, gcp cloud-monitoring, fly prometheus' })),
          logging: Opt(Enum(['json', 'structured', 'plain'] as const, { description: 'Log format of the services', default: 'json' })),
          alarms_email: Opt(
            Type.Union([Type.String({ format: 'email', description: 'An e-mail address' }), Type.Literal('', { description: 'No e-mail' })], {
              description: 'E-mail address that receives alarm notifications; empty for none',
              default: '',
            }),
          ),
        },
        { description: 'Tracing, metrics, logs and alarms', default: {} },
      ),
    ),
    testing: Opt(
      Obj(
        {
          contract_testing: Opt(Type.Boolean({ description: 'Generate Pact tests from depends_on edges (not built yet: true is refused, see docs/target-support.md)', default: false })),
          load_testing: Opt(
            Obj(
              {
                tool: Opt(Enum(['k6'] as const, { description: 'Load-testing tool', default: 'k6' })),
                baseline_rps: Opt(Type.Integer({ description: 'Requests per second of the baseline load test', minimum: 1, maximum: 1_000_000, default: 100 })),
                p99_ms: Opt(Type.Integer({ description: 'p99 latency threshold, in milliseconds', minimum: 1, maximum: 600000, default: 500 })),
              },
              { description: 'Load tests', default: {} },
            ),
          ),
          chaos_engineering: Opt(Type.Boolean({ description: 'Generate fault-injection experiments', default: false })),
        },
        { description: 'Generated tests', default: {} },
      ),
    ),
    feature_flags: Opt(
      Obj({ provider: Opt(Enum(['unleash', 'launchdarkly', 'flagsmith', 'env'] as const, { description: 'Feature flag provider', default: 'env' })) }, { description: 'Feature flags', default: {} }),
    ),
    tenant: Opt(
      Obj(
        {
          isolation: Opt(Enum(['schema', 'database', 'row-level'] as const, { description: 'How tenant data is separated', default: 'row-level' })),
          header: Opt(Type.String({ description: 'Request header naming the tenant', pattern: PATTERNS.httpHeader, default: 'X-Tenant-ID' })),
          claim: Opt(
            Type.String({
              description:
                'The claim of the verified JWT (security.authentication) naming the tenant of a request to a public service, e.g. tenant_id or custom:tenant_id: it wins over the header, which may only repeat it, and a token without it is refused. Internal services take the header their callers pass on',
              pattern: '^[A-Za-z_][A-Za-z0-9_:.-]{0,127}$',
              $comment: 'default: the header only',
            }),
          ),
        },
        { description: 'Tenancy; used only when architecture.multi_tenant is true', default: {} },
      ),
    ),
    cloud: Opt(cloud(true)),
    environments: Opt(NamedMap('^[a-z][a-z0-9-]{0,19}$', EnvironmentSchema, { description: 'Deployable stages by name; each may override cloud settings and per-service sizing (select with --env)', default: {} })),
    deployment: Opt(
      Obj(
        {
          strategy: Opt(Enum(['canary', 'blue-green', 'rolling', 'all-at-once'] as const, { description: 'How new versions roll out', default: 'rolling' })),
          canary_percentage: Opt(Type.Integer({ description: 'Traffic share of the canary, in percent', minimum: 1, maximum: 50, default: 10 })),
          canary_duration_minutes: Opt(Type.Integer({ description: 'How long the canary runs before full rollout, in minutes', minimum: 1, maximum: 1440, default: 10 })),
          rollback_on_failure: Opt(Type.Boolean({ description: 'Roll back automatically when alarms fire during rollout', default: true })),
        },
        { description: 'Rollout of new versions', default: {} },
      ),
    ),
    services: Type.Array(ServiceSchema, { description: 'The services of the architecture', minItems: 1, maxItems: 2000 }),
  },
  { description: 'An allframe architecture file' },
);

/** The architecture file as written (optional keys may be absent). */
export type ArchitectureFile = Static<typeof ArchitectureSchema>;
export type ServiceSpec = Static<typeof ServiceSchema>;
export type EnvironmentSpec = Static<typeof EnvironmentSchema>;

/**
 * The schema's `$id`: a URN, not a URL, because allframe owns no domain to serve it from (a URL on a domain we do
 * not own would let its owner answer for us). Editors find the schema by path (schema/architecture.schema.json,
 * also in the npm package), not by this id. The trailing number is the format's major version.
 */
export const SCHEMA_ID = 'urn:allframe:schema:architecture:1';

/** The JSON Schema document (draft 2020-12), as published in schema/architecture.schema.json. */
export function architectureJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ArchitectureSchema)) as Record<string, unknown>;
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: SCHEMA_ID, title: 'allframe architecture', ...plain };
}

