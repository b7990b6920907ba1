import { resolvedDocument } from '../../src/resolve';
import { resolveSizing } from '../../src/resolve/sizing';
import { MINIMAL, check, where } from '../helpers';

describe('interpolation', () => {
  test('${VAR}, ${VAR:-default}, ${VAR-default} and $$ are replaced', () => {
    // GIVEN
    const text = `architecture: { name: shop, description: "\${A} \${B:-b} \${C-c} \${D:-d} $$x" }\nservices: [{ name: user-service, type: stateless }]\n`;
    // WHEN
    const r = check(text, { env: { A: 'a', C: '', D: '' } });
    // THEN
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.file.architecture.description).toBe('a b  d $x');
  });

  test('an unquoted ${...} becomes a number or boolean only where the schema wants one', () => {
    const text = `architecture: { name: shop, multi_tenant: "\${MT}" }\ncloud:\n  aws:\n    account_id: \${ACCOUNT}\nservices:\n  - name: user-service\n    type: stateless\n    compute: fargate\n    min_instances: \${MIN:-2}\n    responsibility: \${MIN:-2}\n`;
    // (multi_tenant true is refused on every target until built, AF5010: false shows the conversion as well)
    const r = check(text, { env: { MT: 'false', ACCOUNT: '012345678901' } });
    expect(r.diagnostics).toEqual([]);
    const svc = r.model!.services[0]!.spec;
    expect(svc.min_instances).toBe(2);
    expect(svc.responsibility).toBe('2');
    expect(r.model!.file.architecture.multi_tenant).toBe(false);
    expect(r.model!.file.cloud!.aws!.account_id).toBe('012345678901');
  });

  test('a missing variable is AF2001 at the ${ inside the value, a required one AF2002 with its message', () => {
    // GIVEN
    const text = `architecture:\n  name: shop\n  description: "prefix \${NOPE} suffix"\n  version: \${VER:?set VER to the release}\nservices: [{ name: user-service, type: stateless }]\n`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual(['AF2001@3:24', 'AF2002@4:12']);
    expect(r.diagnostics[1]!.message).toContain('set VER to the release');
    expect(r.diagnostics[0]!.hint).toContain('${NOPE:-default}');
  });

  test('malformed interpolation is AF2003', () => {
    const r = check(`architecture: { name: shop, description: "\${1BAD}" }\nservices: [{ name: user-service, type: stateless }]\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['AF2003']);
    const r2 = check(`architecture: { name: shop, description: "\${OPEN" }\nservices: [{ name: user-service, type: stateless }]\n`);
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['AF2003']);
  });
});

describe('environments', () => {
  const text = `architecture: { name: shop }
cloud: { aws: { region: eu-west-1, compute: fargate } }
environments:
  dev: {}
  prod:
    cloud: { aws: { region: eu-central-1 } }
    overrides:
      user-service: { min_instances: 2, memory_mb: 1024 }
services:
  - name: user-service
    type: stateless
`;

  test('--env merges the environment over the base; without it the base stands', () => {
    const base = check(text);
    const prod = check(text, { environment: 'prod' });
    expect(base.model!.file.cloud!.aws!.region).toBe('eu-west-1');
    expect(prod.model!.file.cloud!.aws!.region).toBe('eu-central-1');
    expect(prod.model!.file.cloud!.aws!.compute).toBe('fargate');
    expect(prod.model!.services[0]!.spec).toMatchObject({ min_instances: 2, memory_mb: 1024 });
    expect(base.model!.services[0]!.spec).toMatchObject({ min_instances: 0, memory_mb: 512 });
    // the sizing follows the environment (a Fargate service behind its load balancer keeps one task)
    expect([prod.model!.services[0]!.sizing, base.model!.services[0]!.sizing]).toMatchObject([{ min_instances: 2, memory_mb: 1024 }, { min_instances: 1, memory_mb: 512 }]);
  });

  test('an unknown environment is AF2004 with a suggestion', () => {
    const r = check(text, { environment: 'prd' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['AF2004']);
    expect(r.diagnostics[0]!.hint).toBe('did you mean "prod"?');
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('an environment named like an Object property (%s) is still unknown', (name) => {
    expect(check(text, { environment: name }).diagnostics.map((d) => d.code)).toEqual(['AF2004']);
  });

  test('errors in merged values point into the environment block', () => {
    const bad = text.replace('min_instances: 2', 'min_instances: 20');
    const r = check(bad, { environment: 'prod' });
    expect(where(r.diagnostics)).toEqual(['AF4011@8:38']);
  });
});

describe('resolved model', () => {
  test('fills per-target defaults and makes inherited values explicit', () => {
    // GIVEN a file that names neither event bus nor compute
    const text = MINIMAL + `  - name: worker\n    type: consumer\n    consumes: [{ event: UserCreated, from: user-service }]\n    consumer: {}\n`;
    const withPublish = text.replace('type: stateless\n', 'type: stateless\n    publishes: [UserCreated]\n');
    // WHEN
    const aws = check(withPublish).model!;
    const gcp = check(withPublish.replace('architecture: { name: shop }', 'architecture: { name: shop }\ncloud: { gcp: { project_id: shop-dev-123, state_bucket: shop-tf } }'), { target: 'gcp' }).model!;
    // THEN
    expect([aws.eventBus, aws.services[0]!.compute, aws.secretsManager]).toEqual(['sns', 'lambda', 'aws-secrets']);
    expect([gcp.eventBus, gcp.services[0]!.compute, gcp.metrics]).toEqual(['pubsub', 'cloud-run', 'cloud-monitoring']);
    expect(aws.services[1]!.spec.consumer).toEqual({ dlq: true, max_retries: 5, retry_backoff: 'exponential', concurrency: 10, batch_size: 10 });
    expect(aws.services[0]!.resilience.retry).toEqual({ max_attempts: 3, initial_interval_ms: 100, max_interval_ms: 10000, multiplier: 2, idempotent_only: false });
    const printed = resolvedDocument(aws) as { services: { protocols?: string[]; compute?: string }[] };
    expect(printed.services[0]).toMatchObject({ compute: 'lambda', protocols: ['rest'] });
    expect(printed.services[1]).toMatchObject({ compute: 'lambda', protocols: [] });
  });

  test('new projects run on the active Node.js LTS; settings.runtime pins another', () => {
    // GIVEN a file without settings.runtime, and one pinning nodejs22
    const latest = check(MINIMAL).model!;
    const pinned = check(MINIMAL.replace('architecture: { name: shop }', 'architecture: { name: shop }\nsettings: { runtime: nodejs22 }')).model!;
    // THEN the model carries the Node.js major every target uses (Lambda nodejs<major>.x, node:<major> images)
    expect([latest.file.settings?.runtime, latest.nodeMajor]).toEqual(['nodejs24', 24]);
    expect([pinned.file.settings?.runtime, pinned.nodeMajor]).toEqual(['nodejs22', 22]);
  });

  test('anti-corruption-layer resolves to legacy-adapter', () => {
    const r = check(`architecture: { name: shop }\nservices:\n  - name: erp\n    type: anti-corruption-layer\n    acl: { upstream: "https://erp.example.com" }\n`);
    expect(r.model!.services[0]!.kind).toBe('legacy-adapter');
  });

  test('a service override of resilience merges over the global defaults', () => {
    const r = check(`architecture: { name: shop }\nresilience: { retry: { max_attempts: 7 } }\nservices:\n  - name: a-b\n    type: stateless\n    retry: { initial_interval_ms: 300 }\n`);
    expect(r.model!.services[0]!.resilience.retry).toMatchObject({ max_attempts: 7, initial_interval_ms: 300, multiplier: 2 });
  });
});

describe('sizing', () => {
  const GCP = 'architecture: { name: shop }\ncloud: { gcp: { project_id: shop-dev-123, state_bucket: shop-tf } }\n';
  const AWS = 'architecture: { name: shop }\n';
  const services = `services:
  - name: api
    type: stateless
  - name: api-box
    type: stateless
    compute: fargate
  - name: worker
    type: consumer
    compute: fargate
    consumes: [{ event: UserCreated, from: pub }]
    consumer: {}
  - name: pub
    type: producer
    publishes: [UserCreated]
`;
  const sizingOf = (text: string, target: 'aws' | 'gcp') => {
    const r = check(text, { target });
    expect(r.diagnostics).toEqual([]);
    return Object.fromEntries(r.model!.services.map((s) => [s.name, s.sizing]));
  };

  test('with nothing set: the schema\'s defaults, then what the target and compute require', () => {
    // GIVEN services that set no sizing, on each target
    const aws = sizingOf(AWS + services, 'aws');
    const gcp = sizingOf(GCP + services, 'gcp');
    // THEN every value is resolved: the schema's defaults (cpu 256, 512 MiB, 0..10 instances, 30 s) ...
    expect(aws.api).toEqual({
      cpu: 256,
      memory_mb: 512,
      min_instances: 0,
      max_instances: 10,
      timeout_seconds: 30,
      concurrency: 1,
      consumer: { max_retries: 5, batch_size: 10, concurrency: 10 },
      saga: { timeout_seconds: 300 },
      schedule: { timezone: 'UTC', timeout_minutes: 15, overlap_policy: 'skip', retry_attempts: 2 },
      acl: { protocol: 'rest', sync_strategy: 'on-demand', polling_interval_seconds: 60 },
      subscriptions: { authorization: 'jwt' },
      windowing: { type: 'tumbling', duration_seconds: 60 },
      idempotency: { key_header: 'Idempotency-Key', ttl_hours: 24 },
      cqrs: { snapshot_frequency: 100 },
      bffCaching: { ttl_seconds: 60 },
      websocket: { heartbeat_interval_ms: 30_000, max_connections_per_instance: 1000 },
      cache: { backend: 'redis', strategy: 'cache-aside', ttl_seconds: 3600 },
    });
    // ... a Fargate service behind the load balancer keeps one task; a Fargate queue worker scales to zero
    expect([aws['api-box']!.min_instances, aws.worker!.min_instances]).toEqual([1, 0]);
    // ... and the concurrency is the compute's own: one request per Lambda, 80 on Fargate and Cloud Run
    expect([aws.api!.concurrency, aws['api-box']!.concurrency, gcp.api!.concurrency]).toEqual([1, 80, 80]);
    // (lambda and fargate both run on Cloud Run on gcp: the same sizing)
    for (const name of ['api', 'api-box', 'worker', 'pub']) expect(gcp[name]).toEqual({ ...aws.api, concurrency: 80 });
  });

  test('with values set: the file\'s, raised where the cloud has a floor', () => {
    // GIVEN services that set every sizing key and archetype block
    const text = `services:
  - name: box
    type: stateless
    compute: fargate
    cpu: 1024
    memory_mb: 2048
    timeout_seconds: 60
    min_instances: 0
    max_instances: 4
    idempotency: { enabled: true, key_header: X-Request-Id, ttl_hours: 48 }
  - name: small
    type: stateless
    memory_mb: 256
    timeout_seconds: 20
  - name: worker
    type: consumer
    consumes: [{ event: Ticked, from: job }]
    consumer: { max_retries: 7, batch_size: 5, concurrency: 3, visibility_timeout_seconds: 200 }
  - name: job
    type: scheduled
    publishes: [Ticked]
    schedule: { cron: "0 2 * * *", timezone: Europe/Paris, timeout_minutes: 10, overlap_policy: queue, retry_attempts: 1 }
  - name: erp
    type: legacy-adapter
    acl: { upstream: "https://erp.example.com", protocol: soap, sync_strategy: polling, polling_interval_seconds: 300 }
  - name: pusher
    type: websocket-gateway
    websocket: { heartbeat_interval_ms: 5000 }
    subscriptions: { authorization: api-key }
  - name: ledger
    type: event-sourced
    cqrs: { snapshot_frequency: 0 }
  - name: web
    type: bff
    bff: { aggregates: [box], caching: { ttl_seconds: 0 } }
  - name: hot
    type: cache
    cache: { backend: redis, strategy: write-through, ttl_seconds: 60 }
  - name: sums
    type: stream-processor
    stream: { input_events: [Ticked], windowing: { type: session, duration_seconds: 120 } }
  - name: checkout
    type: saga-orchestrator
    saga: { name: Checkout, steps: [Reserve], timeout_seconds: 900 }
`;
    // WHEN resolved for each target
    const aws = sizingOf(AWS + text, 'aws');
    // (on gcp without what it refuses: compute fargate, a visibility timeout; with a Cloud Run concurrency)
    const gcp = sizingOf(GCP + text.replace('    compute: fargate\n', '    concurrency: 20\n').replace(', visibility_timeout_seconds: 200', ''), 'gcp');
    // THEN the file's values stand ...
    expect(aws.box).toMatchObject({ cpu: 1024, memory_mb: 2048, timeout_seconds: 60, max_instances: 4 });
    expect(aws.worker!.consumer).toEqual({ max_retries: 7, batch_size: 5, concurrency: 3, visibility_timeout_seconds: 200 });
    expect(aws.job!.schedule).toEqual({ timezone: 'Europe/Paris', timeout_minutes: 10, overlap_policy: 'queue', retry_attempts: 1 });
    expect([aws.erp!.acl, aws.pusher!.subscriptions, aws.sums!.windowing, aws.checkout!.saga]).toEqual([
      { protocol: 'soap', sync_strategy: 'polling', polling_interval_seconds: 300 },
      { authorization: 'api-key' },
      { type: 'session', duration_seconds: 120 },
      { timeout_seconds: 900 },
    ]);
    expect([aws.box!.idempotency, aws.pusher!.websocket, aws.ledger!.cqrs, aws.web!.bffCaching, aws.hot!.cache]).toEqual([
      { key_header: 'X-Request-Id', ttl_hours: 48 },
      { heartbeat_interval_ms: 5000, max_connections_per_instance: 1000 },
      { snapshot_frequency: 0 },
      { ttl_seconds: 0 },
      { backend: 'redis', strategy: 'write-through', ttl_seconds: 60 },
    ]);
    expect([aws.small!.memory_mb, aws.small!.timeout_seconds]).toEqual([256, 20]);
    expect(gcp.box).toMatchObject({ cpu: 1024, memory_mb: 2048, concurrency: 20, min_instances: 0, max_instances: 4 });
    // ... but for the floors: one task behind a Fargate load balancer, Cloud Run's least memory
    expect(aws.box!.min_instances).toBe(1);
    expect(gcp.small!.memory_mb).toBe(512);
  });

  test('the resolver\'s defaults are the schema\'s: a service the schema did not default resolves the same', () => {
    // GIVEN the sizing of a service after schema defaults, and of the bare block
    const defaulted = check(MINIMAL).model!.services[0]!;
    const bare = resolveSizing({ name: 'user-service', type: 'stateless' }, 'stateless', 'lambda', 'aws');
    // THEN they agree, and a Fly Machine takes its own concurrency
    expect(bare).toEqual(defaulted.sizing);
    expect(resolveSizing({ name: 'user-service', type: 'stateless' }, 'stateless', 'fly-machine', 'fly').concurrency).toBe(25);
  });
});

describe('platform settings', () => {
  test('the file-level settings the targets read are resolved, where their block is left out too', () => {
    // GIVEN a file without cloud, settings.events or sampling blocks, and one setting them all
    const bare = check(MINIMAL).model!;
    const set = check(`architecture: { name: shop }
cloud: { aws: { nat: instance }, gcp: { project_id: shop-dev-123, state_bucket: shop-tf, region: europe-west1 }, fly: { org: acme, primary_region: ams, app_prefix: shop-live, cpu_kind: performance, bus_volume_gb: 20 } }
settings: { events: { schema_registry: glue, format: avro, compatibility: full } }
observability: { sampling: { rate: 0.5 } }
${MINIMAL.slice(MINIMAL.indexOf('services:'))}`).model!;
    // THEN the schema's defaults fill what the file leaves out; what it sets stands
    expect(bare.platform).toEqual({
      aws: { nat: 'gateway' },
      gcp: { project_id: '', region: 'us-central1', state_bucket: '' },
      fly: { org: 'personal', primary_region: 'iad', app_prefix: 'shop', cpu_kind: 'shared', bus_volume_gb: 10 },
      deployment: { strategy: 'rolling', rollback_on_failure: true },
      events: { format: 'json-schema', compatibility: 'backward' },
      sampling: { rate: 0.1 },
      apiDocs: false,
      version: '0.1.0',
    });
    expect(set.platform).toEqual({
      aws: { nat: 'instance' },
      gcp: { project_id: 'shop-dev-123', region: 'europe-west1', state_bucket: 'shop-tf' },
      fly: { org: 'acme', primary_region: 'ams', app_prefix: 'shop-live', cpu_kind: 'performance', bus_volume_gb: 20 },
      deployment: { strategy: 'rolling', rollback_on_failure: true },
      events: { format: 'avro', compatibility: 'full' },
      sampling: { rate: 0.5 },
      apiDocs: false,
      version: '0.1.0',
    });
  });
});
