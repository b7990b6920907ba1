/**
 * Every archetype on GCP: each fixture of fixtures/archetypes-gcp synthesizes, passes the policy checks, and has
 * the resources and attributes its archetype stands for (read from the Terraform JSON).
 */
import { join } from 'node:path';
import { GCP_FIXTURES, Json, Tf, accountOf, container, envOf, gcpFixtureFiles, gcpModel, synth } from './helpers';

const cache = new Map<string, Tf>();
function fixture(name: string): Tf {
  let tf = cache.get(name);
  if (!tf) {
    tf = synth(gcpModel(join(GCP_FIXTURES, `${name}.yaml`)));
    cache.set(name, tf);
  }
  return tf;
}

const RUN = 'google_cloud_run_v2_service';
const SUB = 'google_pubsub_subscription';

describe.each(gcpFixtureFiles().map((f) => f.replace(/\.yaml$/, '')))('%s on GCP', (name) => {
  test('every Cloud Run service: its own account, startup and liveness probes, internal unless public', () => {
    const tf = fixture(name);
    const model = gcpModel(join(GCP_FIXTURES, `${name}.yaml`));
    const runs = tf.values(RUN);
    expect(runs).toHaveLength(model.services.length);
    const accounts = runs.map((r) => (r.template as Json).service_account);
    expect(new Set(accounts).size).toBe(runs.length);
    for (const s of model.services) {
      const run = tf.named(RUN, `${model.file.architecture.name}-${s.name}`);
      const c = container(run);
      expect(c.startup_probe).toMatchObject({ http_get: { path: '/readyz' } });
      expect(c.liveness_probe).toMatchObject({ http_get: { path: '/healthz' } });
      expect(run.ingress).toBe(s.spec.public === true ? 'INGRESS_TRAFFIC_ALL' : 'INGRESS_TRAFFIC_INTERNAL_ONLY');
      // The repository's attributes: the service depends on the repository its image is pushed to.
      expect(c.image).toBe(`\${google_artifact_registry_repository.images.location}-docker.pkg.dev/${model.file.cloud!.gcp!.project_id}/\${google_artifact_registry_repository.images.repository_id}/${s.name}:\${var.image_tag}`);
      expect(envOf(run)).toMatchObject({ SERVICE_NAME: s.name, GOOGLE_CLOUD_PROJECT: model.file.cloud!.gcp!.project_id });
    }
    const everyone = tf.values('google_cloud_run_v2_service_iam_member').filter((m) => m.member === 'allUsers' || m.member === 'allAuthenticatedUsers');
    expect(everyone).toHaveLength(model.services.filter((s) => s.spec.public === true).length);
  });

  test('every subscription dead-letters, with both grants of the Pub/Sub service agent, and pushes with OIDC', () => {
    const tf = fixture(name);
    for (const [id, sub] of tf.all(SUB)) {
      if (String(sub.name).endsWith('-dlq-sub')) continue;
      expect(sub.dead_letter_policy).toMatchObject({ max_delivery_attempts: expect.any(Number) });
      expect((sub.push_config as Json).oidc_token).toMatchObject({ service_account_email: expect.stringContaining('google_service_account') });
      const grants = tf.values('google_pubsub_subscription_iam_member').filter((g) => String(g.subscription).includes(`${SUB}.${id}.`));
      expect(grants).toEqual([expect.objectContaining({ role: 'roles/pubsub.subscriber', member: expect.stringMatching(/^serviceAccount:service-\$\{data\.google_project\..+\.number\}@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/) })]);
      const dlqTopic = (sub.dead_letter_policy as Json).dead_letter_topic as string;
      const topicId = /google_pubsub_topic\.([^.]+)\./.exec(dlqTopic)![1]!;
      expect(tf.values('google_pubsub_topic_iam_member').some((g) => String(g.topic).includes(`google_pubsub_topic.${topicId}.`) && g.role === 'roles/pubsub.publisher')).toBe(true);
      expect(tf.values(SUB).some((s) => s.topic === dlqTopic)).toBe(true);
    }
  });
});

describe('what each archetype becomes on GCP', () => {
  test('consumer: a push subscription per publisher to /events, filtered to its events, five delivery attempts, its own invoker', () => {
    const tf = fixture('consumer');
    const sub = tf.named(SUB, 'order-notifications-email-notifier-from-order-service');
    expect(sub.filter).toBe('attributes.type = "OrderPlaced" OR attributes.type = "OrderShipped"');
    expect((sub.dead_letter_policy as Json).max_delivery_attempts).toBe(5);
    expect(sub.ack_deadline_seconds).toBe(20);
    const push = sub.push_config as Json;
    expect(push.push_endpoint).toBe(`${tf.ref(RUN, 'order-notifications-email-notifier')}.uri}/events`);
    expect(push.no_wrapper).toBeUndefined();
    expect((push.oidc_token as Json).service_account_email).toBe(`${accountOf(tf, 'order-notifications-email-notifier')}`);
    const invokers = tf.values('google_cloud_run_v2_service_iam_member').filter((m) => String(m.name).startsWith(tf.ref(RUN, 'order-notifications-email-notifier')));
    expect(invokers.map((m) => m.member)).toEqual([`serviceAccount:${accountOf(tf, 'order-notifications-email-notifier')}`]);
    const run = tf.named(RUN, 'order-notifications-email-notifier');
    expect(container(run).env.find((e) => e.name === 'SMTP_PASSWORD')?.value_source?.secret_key_ref).toEqual({ secret: expect.stringContaining('google_secret_manager_secret'), version: 'latest' });
    expect((run.template as Json).max_instance_request_concurrency).toBe(5);
  });

  test('producer: a topic only its own account may publish to', () => {
    const tf = fixture('producer');
    tf.named('google_pubsub_topic', 'iot-telemetry-telemetry-ingest-events');
    const grants = tf.values('google_pubsub_topic_iam_member');
    expect(grants).toEqual([expect.objectContaining({ role: 'roles/pubsub.publisher', member: `serviceAccount:${accountOf(tf, 'iot-telemetry-telemetry-ingest')}` })]);
    expect(envOf(tf.named(RUN, 'iot-telemetry-telemetry-ingest'))).toMatchObject({ EVENT_BUS: 'pubsub', EVENT_TARGET: 'iot-telemetry-telemetry-ingest-events' });
  });

  test('stateless: a Firestore database of its own, with point-in-time recovery, that only its account may use', () => {
    const tf = fixture('stateless');
    const db = tf.named('google_firestore_database', 'customer-platform-customer-api');
    expect(db).toMatchObject({ type: 'FIRESTORE_NATIVE', point_in_time_recovery_enablement: 'POINT_IN_TIME_RECOVERY_ENABLED', delete_protection_state: 'DELETE_PROTECTION_ENABLED' });
    const role = tf.named('google_project_iam_member', 'roles/datastore.user', 'role');
    expect(role.condition).toMatchObject({ expression: 'resource.name == "projects/customer-platform-dev/databases/customer-platform-customer-api"' });
    // a reference to the account: the grant waits for it; and the service waits for the grant and the database
    expect(role.member).toBe(`serviceAccount:${accountOf(tf, 'customer-platform-customer-api')}`);
    expect(tf.named(RUN, 'customer-platform-customer-api').depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/^google_firestore_database\./), expect.stringMatching(/^google_project_iam_member\./)]),
    );
    expect(tf.named('google_service_account', 'customer-platform-customer-api', 'account_id')).toBeDefined();
    expect(envOf(tf.named(RUN, 'customer-platform-customer-api'))).toMatchObject({ STORE: 'firestore', FIRESTORE_DATABASE: 'customer-platform-customer-api', TABLE_PREFIX: 'customer-platform-customer-api' });
  });

  test('event-sourced: events kept in Firestore (EVENT_STORE), the outbox relay with CPU kept between requests', () => {
    const tf = fixture('event-sourced');
    const run = tf.named(RUN, 'banking-core-ledger-service');
    expect(envOf(run)).toMatchObject({ EVENT_STORE: 'firestore', FIRESTORE_DATABASE: 'banking-core-ledger-service' });
    tf.named('google_firestore_database', 'banking-core-ledger-service');
  });

  test('Firestore expires outbox entries and idempotency records (TTL on expiresAt)', () => {
    const tf = fixture('event-sourced');
    expect(tf.values('google_firestore_field').map((f) => f.collection).sort()).toEqual(['banking-core-ledger-service-outbox']);
    expect(fixture('stateless').values('google_firestore_field').map((f) => f.collection)).toEqual(['customer-platform-customer-api-idempotency', 'customer-platform-customer-api-outbox']);
    for (const f of tf.values('google_firestore_field')) expect(f).toMatchObject({ field: 'expiresAt', ttl_config: {}, database: expect.stringContaining('google_firestore_database') });
  });

  test('saga-orchestrator: a workflow with steps and reverse compensations, run by an account that may call only the saga service', () => {
    const tf = fixture('saga-orchestrator');
    const wf = tf.named('google_workflows_workflow', 'travel-booking-booking-service');
    const source = String(wf.source_contents);
    for (const step of ['ReserveFlight', 'ReserveHotel', 'ChargeCard', 'CancelFlight', 'CancelHotel', 'RefundCard']) expect(source).toContain(step);
    const runnerEmail = `${tf.ref('google_service_account', 'Saga BookTripSaga of booking-service', 'display_name')}.email}`;
    expect(wf.service_account).toBe(runnerEmail);
    const runner = `serviceAccount:${runnerEmail}`;
    const calls = tf.values('google_cloud_run_v2_service_iam_member').filter((m) => m.member === runner);
    expect(calls.map((m) => m.name)).toEqual([`${tf.ref(RUN, 'travel-booking-booking-service')}.name}`]);
    const env = envOf(tf.named(RUN, 'travel-booking-booking-service'));
    expect(env.SAGA_WORKFLOW).toBe('projects/travel-booking-dev/locations/europe-west1/workflows/travel-booking-booking-service');
    expect(env.FLIGHT_SERVICE_URL).toBe('https://travel-booking-flight-service-${data.google_project.project.number}.europe-west1.run.app');
    expect(env.OUTBOUND_AUTH).toBe('google-id-token');
    expect((tf.named(RUN, 'travel-booking-booking-service').template as Json).vpc_access).toMatchObject({ egress: 'ALL_TRAFFIC' });
    // Workflows recognizes no IAM conditions on resources: a project-level grant, said so in docs/gcp.md
    expect(tf.named('google_project_iam_member', 'roles/workflows.invoker', 'role')).toMatchObject({ member: `serviceAccount:${accountOf(tf, 'travel-booking-booking-service')}` });
    expect(source).toContain('audience');
  });

  test('gateway: its API keys come from Secret Manager, readable by its account alone; its caller may invoke it', () => {
    const tf = fixture('gateway');
    const run = tf.named(RUN, 'fulfilment-shipping-gateway');
    const refs = container(run).env.filter((e) => e.value_source !== undefined).map((e) => e.name);
    expect(refs).toEqual(['DHL_API_KEY', 'UPS_API_KEY']);
    expect(envOf(run)).toMatchObject({ SECRETS_SOURCE: 'env' });
    expect(tf.values('google_secret_manager_secret').map((s) => s.secret_id).sort()).toEqual(['fulfilment-shipping-gateway-dhl-api-key', 'fulfilment-shipping-gateway-ups-api-key']);
    for (const grant of tf.values('google_secret_manager_secret_iam_member')) {
      expect(grant).toMatchObject({ role: 'roles/secretmanager.secretAccessor', member: `serviceAccount:${accountOf(tf, 'fulfilment-shipping-gateway')}` });
    }
    const invokers = tf.values('google_cloud_run_v2_service_iam_member');
    expect(invokers).toEqual([expect.objectContaining({ name: `${tf.ref(RUN, 'fulfilment-shipping-gateway')}.name}`, member: `serviceAccount:${accountOf(tf, 'fulfilment-warehouse-service')}` })]);
  });

  test('bff: public (allUsers, all ingress), calls what it aggregates through the VPC with ID tokens', () => {
    const tf = fixture('bff');
    const bff = tf.named(RUN, 'mobile-shop-mobile-bff');
    expect(bff.ingress).toBe('INGRESS_TRAFFIC_ALL');
    expect((bff.template as Json).vpc_access).toMatchObject({ egress: 'ALL_TRAFFIC' });
    expect(envOf(bff)).toMatchObject({ ACCOUNT_SERVICE_URL: expect.stringMatching(/^https:\/\/mobile-shop-account-service-/), ORDER_HISTORY_URL: expect.any(String), OUTBOUND_AUTH: 'google-id-token' });
    const members = tf.values('google_cloud_run_v2_service_iam_member').map((m) => `${String(m.name)} ${String(m.member)}`);
    expect(members.filter((m) => m.endsWith('allUsers'))).toEqual([`${tf.ref(RUN, 'mobile-shop-mobile-bff')}.name} allUsers`]);
    expect(members.filter((m) => m.startsWith(tf.ref(RUN, 'mobile-shop-account-service')))).toEqual([`${tf.ref(RUN, 'mobile-shop-account-service')}.name} serviceAccount:${accountOf(tf, 'mobile-shop-mobile-bff')}`]);
    // The NAT lets VPC-routed services reach the internet.
    expect(tf.values('google_compute_router_nat')).toHaveLength(1);
  });

  test('websocket-gateway: session affinity, hour-long requests, one instance holding every connection, events pushed unwrapped to /broadcast', () => {
    const tf = fixture('websocket-gateway');
    const run = tf.named(RUN, 'live-scores-live-updates');
    const template = run.template as Json;
    expect(template).toMatchObject({ session_affinity: true, timeout: '3600s', max_instance_request_concurrency: 1000, scaling: { max_instance_count: 1 } });
    expect(container(run).resources).toMatchObject({ cpu_idle: false });
    const sub = tf.named(SUB, 'live-scores-live-updates-from-match-service');
    expect(sub.push_config).toMatchObject({ push_endpoint: `${tf.ref(RUN, 'live-scores-live-updates')}.uri}/broadcast`, no_wrapper: { write_metadata: true } });
  });

  test('scheduled: Cloud Scheduler calls POST /run with OIDC in its time zone; skip means no retries and one run at a time', () => {
    const tf = fixture('scheduled');
    const job = tf.named('google_cloud_scheduler_job', 'billing-nightly-invoicing-schedule');
    expect(job).toMatchObject({ schedule: '30 1 * * *', time_zone: 'Europe/Berlin', region: 'europe-west1', attempt_deadline: '600s', retry_config: { retry_count: 0 } });
    expect(job.http_target).toMatchObject({
      uri: 'https://billing-nightly-invoicing-${data.google_project.project.number}.europe-west1.run.app/run',
      http_method: 'POST',
      oidc_token: { service_account_email: accountOf(tf, 'billing-nightly-invoicing') },
    });
    const template = tf.named(RUN, 'billing-nightly-invoicing').template as Json;
    expect(template).toMatchObject({ timeout: '600s', max_instance_request_concurrency: 1, scaling: { max_instance_count: 1 } });
  });

  test('legacy-adapter (polling): Cloud Scheduler calls POST /sync at the polling interval, without retries', () => {
    const tf = fixture('legacy-adapter');
    const job = tf.named('google_cloud_scheduler_job', 'insurance-core-mainframe-adapter-poll');
    expect(job).toMatchObject({ schedule: '*/5 * * * *', retry_config: { retry_count: 0 } });
    expect((job.http_target as Json).uri).toMatch(/\/sync$/);
  });

  test('stream-processor: input events pushed unwrapped to /events, one instance with CPU for its windows, output published', () => {
    const tf = fixture('stream-processor');
    const run = tf.named(RUN, 'payments-risk-fraud-scorer');
    // one instance, always there: windows live in its memory
    expect(run.template).toMatchObject({ scaling: { min_instance_count: 1, max_instance_count: 1 } });
    expect(container(run).resources).toMatchObject({ cpu_idle: false });
    const sub = tf.named(SUB, 'payments-risk-fraud-scorer-from-payment-service');
    expect(sub).toMatchObject({ filter: 'attributes.type = "PaymentAttempted"', push_config: { no_wrapper: { write_metadata: true } } });
    tf.named('google_pubsub_topic', 'payments-risk-fraud-scorer-events');
    expect(envOf(run)).toMatchObject({ EVENT_TARGET: 'payments-risk-fraud-scorer-events' });
  });

  test('cache: Memorystore Redis with AUTH and TLS in the VPC; its URL (with the AUTH string) reaches the service as a secret', () => {
    const tf = fixture('cache');
    const redis = tf.named('google_redis_instance', 'identity-session-cache');
    expect(redis).toMatchObject({ auth_enabled: true, transit_encryption_mode: 'SERVER_AUTHENTICATION', tier: 'STANDARD_HA', authorized_network: `${tf.ref('google_compute_network', 'identity')}.id}` });
    const run = tf.named(RUN, 'identity-session-cache');
    expect(container(run).env.find((e) => e.name === 'CACHE_URL')).toMatchObject({ value_source: { secret_key_ref: { version: 'latest' } } });
    expect(envOf(run)).toMatchObject({ CACHE_BACKEND: 'redis' });
    expect((run.template as Json).vpc_access).toMatchObject({ egress: 'PRIVATE_RANGES_ONLY', network_interfaces: [{ subnetwork: expect.stringContaining('google_compute_subnetwork') }] });
    const data = tf.values('google_secret_manager_secret_version').map((v) => String(v.secret_data)).sort();
    expect(data).toEqual([expect.stringMatching(/^\$\{google_redis_instance\..+\.server_ca_certs\[0\]\.cert\}$/), expect.stringMatching(/^rediss:\/\/:\$\{google_redis_instance\..+\.auth_string\}@/)]);
    // the instance's CA, mounted as a file Node trusts
    expect(envOf(run)).toMatchObject({ NODE_EXTRA_CA_CERTS: '/etc/allframe/cache-ca/ca.pem' });
    expect(container(run)).toMatchObject({ volume_mounts: [{ name: 'secret-1', mount_path: '/etc/allframe/cache-ca' }] });
    expect((run.template as Json).volumes).toEqual([{ name: 'secret-1', secret: { secret: expect.stringContaining('google_secret_manager_secret'), items: [{ path: 'ca.pem', version: 'latest' }] } }]);
    expect(tf.values('google_secret_manager_secret_iam_member')).toHaveLength(2);
    // the first revision waits for both versions (and so for the instance)
    expect((run.depends_on as string[]).filter((d) => d.startsWith('google_secret_manager_secret_version.'))).toHaveLength(2);
    tf.named(SUB, 'identity-session-cache-from-auth-service');
  });

  test('anti-corruption-layer (webhook): a Cloud Run service and nothing scheduled', () => {
    const tf = fixture('anti-corruption-layer');
    expect(tf.values('google_cloud_scheduler_job')).toEqual([]);
    tf.named(RUN, 'sales-crm-crm-adapter');
  });
});
