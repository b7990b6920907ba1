/** Services on GCP: Cloud Run per service, invokers from depends_on/aggregates, topics per publisher, policy clean. */
import { checkGcpPolicy } from '../../../src/targets/gcp/policy';
import { synthGcpTarget } from '../../../src/targets/gcp/synth';
import { validateSource } from '../../../src/validate';

const FILE = `architecture: { name: shop }
settings: { event_bus: pubsub, default_database: none }
security: { secrets_manager: gcp-secrets }
observability: { metrics: cloud-monitoring }
cloud:
  primary: gcp
  gcp: { project_id: shop-dev-1, region: europe-west1, state_bucket: shop-tfstate }
services:
  - name: web-bff
    type: bff
    public: true
    bff: { aggregates: [user-service] }
  - name: user-service
    type: stateless
    secrets: [SESSION_KEY, { name: STRIPE_API_KEY, managed: external }]
  - name: clicks
    type: producer
    publishes: [PageViewed]
`;

type Tf = { resource: Record<string, Record<string, Record<string, unknown>>> };

function synth(): Tf {
  const r = validateSource('architecture.yaml', FILE, { env: {}, target: 'gcp' });
  if (!r.model) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  return JSON.parse(synthGcpTarget(r.model).files[0]!.content) as Tf;
}

describe('services on GCP', () => {
  const tf = synth();
  const res = (type: string) => Object.values(tf.resource[type] ?? {});

  test('each service runs on Cloud Run as its own service account, from its Artifact Registry image', () => {
    const services = res('google_cloud_run_v2_service');
    expect(services.map((s) => s.name).sort()).toEqual(['shop-clicks', 'shop-user-service', 'shop-web-bff']);
    expect(res('google_service_account')).toHaveLength(3);
    const user = services.find((s) => s.name === 'shop-user-service') as { template: { containers: { image: string; env: { name: string; value?: string; value_source?: unknown }[] }[] } };
    expect(user.template.containers[0]!.image).toBe('${google_artifact_registry_repository.images.location}-docker.pkg.dev/shop-dev-1/${google_artifact_registry_repository.images.repository_id}/user-service:${var.image_tag}');
    const secret = user.template.containers[0]!.env.find((e) => e.name === 'STRIPE_API_KEY');
    expect(secret?.value).toBeUndefined();
    expect(secret?.value_source).toBeDefined();
  });

  test('secrets are created without a value, labelled with who manages them (managed-by: allframe | external)', () => {
    const secrets = res('google_secret_manager_secret').map((x) => [x.secret_id, x.labels]);
    expect(secrets).toEqual([
      ['shop-user-service-session-key', { 'managed-by': 'allframe' }],
      ['shop-user-service-stripe-api-key', { 'managed-by': 'external' }],
    ]);
    expect(res('google_secret_manager_secret_version')).toEqual([]);
  });

  test('only the public BFF admits allUsers; the internal service admits exactly the BFF', () => {
    const members = res('google_cloud_run_v2_service_iam_member').map((m) => `${String(m.name)} ${String(m.member)}`);
    expect(members.filter((m) => m.includes('allUsers'))).toEqual([expect.stringContaining('web-bff')]);
    expect(members.filter((m) => m.includes('user-service')).length).toBe(1);
    expect(members.find((m) => m.includes('user-service'))).toMatch(/serviceAccount:\$\{google_service_account\.web-bff/);
  });

  test('the producer may publish to its own topic, and nobody else is granted', () => {
    const grants = res('google_pubsub_topic_iam_member').filter((g) => g.role === 'roles/pubsub.publisher');
    expect(grants).toHaveLength(1);
    expect(String(grants[0]!.member)).toMatch(/google_service_account\.clicks/);
  });

  test("allframe's own policy checks find nothing", () => {
    expect(checkGcpPolicy(tf as unknown as Record<string, unknown>, { publicServices: new Set(['shop-web-bff']), secretNames: new Set(['SESSION_KEY', 'STRIPE_API_KEY']) })).toEqual([]);
  });
});
