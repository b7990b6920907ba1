/**
 * The reference example on GCP (examples/shop-gcp: the reference with cloud.primary gcp, Firestore for DynamoDB):
 * every service, the PostgreSQL service's private Cloud SQL, the network, environments, and the policy wired into
 * synth with the usual located errors.
 */
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { readFileSync } from 'node:fs';
import { formatDiagnostic } from '../../../src/cli/format';
import { parseSource } from '../../../src/parse';
import { buildGcp } from '../../../src/targets/gcp/app';
import { synthGcpTarget } from '../../../src/targets/gcp/synth';
import { GCP_REFERENCE, Json, accountOf, container, envOf, gcpModel, synth } from './helpers';

const RUN = 'google_cloud_run_v2_service';

describe('the reference architecture on GCP', () => {
  const model = gcpModel(GCP_REFERENCE);
  const tf = synth(model);

  test('all 13 services run on Cloud Run, each with its alert policies', () => {
    expect(tf.values(RUN).map((r) => r.name).sort()).toEqual(model.services.map((s) => `shop-platform-${s.name}`).sort());
    const alerts = tf.values('google_monitoring_alert_policy').map((p) => String(p.display_name));
    for (const s of model.services) {
      expect(alerts).toContain(`shop-platform-${s.name}: 5xx error ratio`);
      expect(alerts).toContain(`shop-platform-${s.name}: p99 latency`);
    }
    // one dead-letter alert per subscription
    const subs = tf.values('google_pubsub_subscription').filter((s) => !String(s.name).endsWith('-dlq-sub'));
    expect(alerts.filter((a) => a.includes('dead letters'))).toHaveLength(subs.length);
  });

  test('PostgreSQL (inventory-service): private IP only, encrypted, backed up, protected; the service is its IAM user', () => {
    const sql = tf.named('google_sql_database_instance', 'shop-platform-inventory-service');
    const settings = sql.settings as Json;
    expect(sql).toMatchObject({ database_version: 'POSTGRES_16', deletion_protection: true });
    expect(settings.ip_configuration).toMatchObject({ ipv4_enabled: false, ssl_mode: 'ENCRYPTED_ONLY', private_network: `${tf.ref('google_compute_network', 'shop-platform')}.id}` });
    expect(settings.backup_configuration).toMatchObject({ enabled: true, point_in_time_recovery_enabled: true });
    expect(sql.depends_on).toEqual([expect.stringMatching(/^google_service_networking_connection\./)]);
    const user = tf.values('google_sql_user')[0]!;
    expect(user).toMatchObject({ type: 'CLOUD_IAM_SERVICE_ACCOUNT', name: `\${trimsuffix(${accountOf(tf, 'shop-platform-inventory-service').slice(2, -1)}, ".gserviceaccount.com")}` });
    const run = tf.named(RUN, 'shop-platform-inventory-service');
    expect(envOf(run)).toMatchObject({
      STORE: 'postgres',
      PG_IAM_AUTH: 'true',
      PG_IAM_PROVIDER: 'gcp',
      DATABASE_URL: expect.stringMatching(/^postgres:\/\/shop-platform-inventory-c08074%40shop-platform-dev\.iam@\$\{google_sql_database_instance\..+\.private_ip_address\}:5432\/inventory_service$/),
      // TLS verified against the instance's own CA
      PG_SERVER_CA: expect.stringMatching(/^\$\{google_sql_database_instance\..+\.server_ca_cert\[0\]\.cert\}$/),
    });
    expect(accountOf(tf, 'shop-platform-inventory-service')).toContain('google_service_account');
    // IAM login to the private IP needs instanceUser only (client is for connectors), on this instance only
    const roles = tf.values('google_project_iam_member').filter((m) => String(m.role).startsWith('roles/cloudsql.'));
    expect(roles).toEqual([expect.objectContaining({ role: 'roles/cloudsql.instanceUser', member: `serviceAccount:${accountOf(tf, 'shop-platform-inventory-service')}` })]);
    expect(roles[0]!.condition).toMatchObject({ expression: 'resource.type == "sqladmin.googleapis.com/Instance" && resource.name == "projects/shop-platform-dev/instances/shop-platform-inventory-service"' });
    expect(run.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^google_sql_user\./), expect.stringMatching(/^google_project_iam_member\./)]));
    expect((run.template as Json).vpc_access).toMatchObject({ egress: 'PRIVATE_RANGES_ONLY' });
  });

  test('one private network: custom subnetwork with flow logs, private services access, NAT', () => {
    expect(tf.values('google_compute_network')).toEqual([expect.objectContaining({ name: 'shop-platform', auto_create_subnetworks: false })]);
    expect(tf.values('google_compute_subnetwork')).toEqual([expect.objectContaining({ region: 'europe-west1', private_ip_google_access: true, log_config: expect.objectContaining({ metadata: 'INCLUDE_ALL_METADATA' }) })]);
    expect(tf.values('google_compute_global_address')).toEqual([expect.objectContaining({ purpose: 'VPC_PEERING', prefix_length: 16 })]);
    expect(tf.values('google_service_networking_connection')).toEqual([expect.objectContaining({ service: 'servicenetworking.googleapis.com' })]);
  });

  test('secrets: env refs to Secret Manager, never values', () => {
    for (const run of tf.values(RUN)) {
      for (const e of container(run).env) {
        if (['STRIPE_API_KEY', 'CACHE_URL'].includes(e.name)) expect(e.value).toBeUndefined();
      }
    }
  });

  test('an environment gets its own directory and state prefix', () => {
    const prod = synthGcpTarget(gcpModel(GCP_REFERENCE, { environment: 'prod' }));
    expect(prod.files[0]!.path).toBe('infrastructure/gcp/prod/cdk.tf.json');
    const json = JSON.parse(prod.files[0]!.content) as { terraform: { backend: { gcs: { prefix: string } } }; resource: Record<string, Record<string, Json>> };
    expect(json.terraform.backend.gcs.prefix).toBe('shop-platform/prod');
    // prod's override: inventory-service keeps two instances warm
    const inventory = Object.values(json.resource[RUN]!).find((r) => r.name === 'shop-platform-inventory-service')!;
    expect((inventory.template as Json).scaling).toMatchObject({ min_instance_count: 2 });
  });

  test('a policy failure (here an allUsers invoker added by a hook) fails synth with a located AF5101 and no files', () => {
    // GIVEN a hook granting allUsers on the internal user-service
    const result = synthGcpTarget(model, {
      build: (stack) => {
        const shared = buildGcp(stack);
        const run = shared.runs.get('user-service')!;
        new CloudRunV2ServiceIamMember(run, 'Everyone', { name: run.service.name, location: run.service.location, role: 'roles/run.invoker', member: 'allUsers' });
      },
    });
    // THEN nothing to write, and the problem sits at the service in the file
    expect(result.files).toEqual([]);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'AF5101', path: ['services', 0] })]);
    const doc = parseSource(GCP_REFERENCE, readFileSync(GCP_REFERENCE));
    const text = formatDiagnostic(doc.document!.diagnostic(result.problems[0]!), { color: false });
    expect(text).toMatch(/architecture\.yaml:\d+:\d+: error AF5101: allUsers may invoke Cloud Run service shop-platform-user-service, which is not public: true/);
  });
});
