import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { gcpStack, synthJson } from './gcp-helpers';
import { CloudRunService, runServiceAccount } from '../../lib-constructs/gcp/cloud-run-service';
import type { CloudRunServiceProps } from '../../lib-constructs/gcp/cloud-run-service';
import { ServiceSecret } from '../../lib-constructs/gcp/service-secret';
import { runServiceAccountId, SERVICE_ACCOUNT_ID_PATTERN } from '../../lib-constructs/core/gcp-run-defaults';

type Json = Record<string, unknown>;
interface Synth {
  resource: Record<string, Record<string, Json>>;
}

function stack(): TerraformStack {
  return gcpStack('proj', 'Test');
}

function synth(s: TerraformStack): Synth {
  return synthJson<Synth>(s);
}

function resources(out: Synth, type: string): Json[] {
  return Object.values(out.resource[type] ?? {});
}

function onlyService(out: Synth): Json {
  const services = resources(out, 'google_cloud_run_v2_service');
  expect(services).toHaveLength(1);
  return services[0] as Json;
}

interface Container {
  env?: { name: string; value?: string; value_source?: { secret_key_ref: { secret: string; version: string } } }[];
  startup_probe: Json;
  liveness_probe: Json;
  ports: Json;
  resources: Json;
}

function container(service: Json): Container {
  const containers = (service.template as { containers: Container[] }).containers;
  expect(containers).toHaveLength(1);
  return containers[0] as Container;
}

const base: CloudRunServiceProps = { name: 'orders', location: 'europe-west1', image: 'europe-docker.pkg.dev/proj/repo/orders:1' };
const CI = 'ci-caller@proj.iam.gserviceaccount.com';
const GATEWAY = 'gateway@proj.iam.gserviceaccount.com';

describe('CloudRunService', () => {
  test('runs as its own service account, with a startup probe on /readyz and a liveness probe on /healthz', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const svc = new CloudRunService(s, 'Orders', { ...base, port: 3000 });
    // THEN
    const out = synth(s);
    const accounts = out.resource.google_service_account ?? {};
    expect(Object.values(accounts)).toEqual([expect.objectContaining({ account_id: 'orders' })]);
    const accountKey = Object.keys(accounts)[0];
    const service = onlyService(out);
    expect((service.template as Json).service_account).toBe(`\${google_service_account.${accountKey}.email}`);
    const c = container(service);
    expect(c.startup_probe).toMatchObject({ http_get: { path: '/readyz', port: 3000 } });
    expect(c.liveness_probe).toMatchObject({ http_get: { path: '/healthz', port: 3000 } });
    expect(c.ports).toEqual({ container_port: 3000 });
    expect(svc.url).toMatch(/^\$\{TfToken\[/);
    expect(svc.serviceAccount.email).toMatch(/^\$\{TfToken\[/);
  });

  test('defaults: internal ingress, port 8080, 0–10 instances, 1 vCPU, 512Mi, 80 concurrent, 300 s, no session affinity, no deletion protection', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new CloudRunService(s, 'Orders', base);
    // THEN
    const service = onlyService(synth(s));
    expect(service).toMatchObject({ name: 'orders', location: 'europe-west1', ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY', deletion_protection: false });
    expect(service.template).toMatchObject({
      max_instance_request_concurrency: 80,
      timeout: '300s',
      session_affinity: false,
      scaling: { min_instance_count: 0, max_instance_count: 10 },
    });
    const c = container(service);
    expect(c.resources).toMatchObject({ limits: { cpu: '1', memory: '512Mi' } });
    expect(c.startup_probe).toMatchObject({ http_get: { port: 8080 } });
    expect(c.env).toBeUndefined();
  });

  test('http2: the container port is named h2c, so Cloud Run sends HTTP/2 end to end (gRPC)', () => {
    const s = stack();
    new CloudRunService(s, 'Orders', { ...base, http2: true });
    expect(container(onlyService(synth(s))).ports).toEqual({ name: 'h2c', container_port: 8080 });
    const plain = stack();
    new CloudRunService(plain, 'Orders', base);
    expect(container(onlyService(synth(plain))).ports).toEqual({ container_port: 8080 });
  });

  test('user sizing overrides the defaults, a deliberate 0 included', () => {
    const s = stack();
    new CloudRunService(s, 'Chat', { ...base, name: 'chat', minInstances: 1, maxInstances: 3, cpu: '2', memory: '1Gi', concurrency: 250, timeoutSeconds: 3600, sessionAffinity: true, deletionProtection: true });
    const service = onlyService(synth(s));
    expect(service.deletion_protection).toBe(true);
    expect(service.template).toMatchObject({ max_instance_request_concurrency: 250, timeout: '3600s', session_affinity: true, scaling: { min_instance_count: 1, max_instance_count: 3 } });
    expect(container(service).resources).toMatchObject({ limits: { cpu: '2', memory: '1Gi' } });
  });

  test('not public: internal ingress, no allUsers, invokers exactly the given emails', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new CloudRunService(s, 'Orders', { ...base, invokers: [GATEWAY, CI] });
    // THEN
    const out = synth(s);
    expect(onlyService(out).ingress).toBe('INGRESS_TRAFFIC_INTERNAL_ONLY');
    const members = resources(out, 'google_cloud_run_v2_service_iam_member');
    expect(members.map((m) => m.member).sort()).toEqual([`serviceAccount:${CI}`, `serviceAccount:${GATEWAY}`]);
    for (const m of members) expect(m.role).toBe('roles/run.invoker');
    expect(JSON.stringify(out)).not.toContain('allUsers');
    // only the invoker role: no other IAM resources than the members asked for
    expect(Object.keys(out.resource).sort()).toEqual(['google_cloud_run_v2_service', 'google_cloud_run_v2_service_iam_member', 'google_service_account']);
  });

  test('public: ingress from everywhere and an allUsers invoker, besides the named invokers', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new CloudRunService(s, 'Web', { ...base, name: 'web', public: true, invokers: [CI] });
    // THEN
    const out = synth(s);
    const service = onlyService(out);
    expect(service.ingress).toBe('INGRESS_TRAFFIC_ALL');
    const serviceKey = Object.keys(out.resource.google_cloud_run_v2_service ?? {})[0];
    const members = resources(out, 'google_cloud_run_v2_service_iam_member');
    expect(members.map((m) => m.member).sort()).toEqual(['allUsers', `serviceAccount:${CI}`]);
    for (const m of members) {
      expect(m).toMatchObject({ role: 'roles/run.invoker', name: `\${google_cloud_run_v2_service.${serviceKey}.name}`, location: `\${google_cloud_run_v2_service.${serviceKey}.location}` });
    }
  });

  test('grantInvoke adds a member per email, once, and accepts another service account by reference', () => {
    // GIVEN
    const s = stack();
    const orders = new CloudRunService(s, 'Orders', base);
    const billing = new CloudRunService(s, 'Billing', { ...base, name: 'billing' });
    // WHEN
    orders.grantInvoke(CI);
    expect(orders.grantInvoke(CI)).toBeUndefined();
    orders.grantInvoke(billing.serviceAccount.email);
    // THEN
    const members = resources(synth(s), 'google_cloud_run_v2_service_iam_member').map((m) => m.member);
    expect(members).toHaveLength(2);
    expect(members).toContain(`serviceAccount:${CI}`);
    expect(members).toContainEqual(expect.stringMatching(/^serviceAccount:\$\{google_service_account\.Billing_ServiceAccount_[A-Z0-9]+\.email\}$/));
  });

  test('one service account per service', () => {
    const s = stack();
    new CloudRunService(s, 'A', { ...base, name: 'orders' });
    new CloudRunService(s, 'B', { ...base, name: 'billing' });
    const ids = resources(synth(s), 'google_service_account').map((a) => a.account_id);
    expect(ids.sort()).toEqual(['billing', 'orders']);
  });

  test('secret env is a Secret Manager reference, never a plain value, readable by the service account alone', () => {
    // GIVEN
    const s = stack();
    const db = new ServiceSecret(s, 'Db', { secretId: 'orders-db-password' });
    // WHEN
    new CloudRunService(s, 'Orders', {
      ...base,
      env: { LOG_LEVEL: 'info' },
      secretEnv: { DB_PASSWORD: { secret: db.secretId }, API_KEY: { secret: 'stripe-key', version: '3' }, API_KEY_2: { secret: 'stripe-key' } },
    });
    // THEN
    const out = synth(s);
    const service = onlyService(out);
    const env = container(service).env ?? [];
    expect(env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'API_KEY', value_source: { secret_key_ref: { secret: 'stripe-key', version: '3' } } },
      { name: 'API_KEY_2', value_source: { secret_key_ref: { secret: 'stripe-key', version: 'latest' } } },
      { name: 'DB_PASSWORD', value_source: { secret_key_ref: { secret: expect.stringMatching(/^\$\{google_secret_manager_secret\.Db_Secret_[A-Z0-9]+\.secret_id\}$/), version: 'latest' } } },
    ]);
    for (const e of env.filter((x) => x.name !== 'LOG_LEVEL')) expect(e.value).toBeUndefined();
    // one accessor grant per distinct secret, to the service's own account, and the service waits for them
    const accountKey = Object.keys(out.resource.google_service_account ?? {})[0];
    const grants = out.resource.google_secret_manager_secret_iam_member ?? {};
    expect(Object.values(grants)).toHaveLength(2);
    for (const g of Object.values(grants)) {
      expect(g).toMatchObject({ role: 'roles/secretmanager.secretAccessor', member: `serviceAccount:\${google_service_account.${accountKey}.email}` });
    }
    expect(Object.values(grants).map((g) => g.secret_id)).toContain('stripe-key');
    expect([...(service.depends_on as string[])].sort()).toEqual(Object.keys(grants).map((k) => `google_secret_manager_secret_iam_member.${k}`).sort());
  });

  test('the service account id is derived from the name: short names padded, long names cut and hashed deterministically', () => {
    expect(runServiceAccountId('orders')).toBe('orders');
    expect(runServiceAccountId('api')).toBe('api-run');
    expect(runServiceAccountId('a')).toBe('a-run-sa');
    const long = 'a-very-long-service-name-that-goes-on-and-on-and';
    const id = runServiceAccountId(long);
    expect(id).toHaveLength(30);
    expect(id).toBe(runServiceAccountId(long));
    expect(id).not.toBe(runServiceAccountId(`${long.slice(0, -1)}x`));
    for (const name of ['a', 'ab', 'abcde', 'orders', long, 'x'.repeat(49), `${'y'.repeat(22)}-${'z'.repeat(26)}`]) {
      expect(runServiceAccountId(name)).toMatch(SERVICE_ACCOUNT_ID_PATTERN);
    }
    // and the construct uses it
    const s = stack();
    new CloudRunService(s, 'Long', { ...base, name: long });
    expect(resources(synth(s), 'google_service_account')[0]?.account_id).toBe(id);
  });

  test('the name is validated: at most 49 characters, lowercase, starting with a letter', () => {
    expect(() => new CloudRunService(stack(), 'S', { ...base, name: 'x'.repeat(49) })).not.toThrow();
    expect(() => new CloudRunService(stack(), 'S', { ...base, name: 'x'.repeat(50) })).toThrow('1 to 49');
    for (const bad of ['Orders', '1orders', 'orders-', 'orders_svc', '']) {
      expect(() => new CloudRunService(stack(), 'S', { ...base, name: bad })).toThrow('lowercase letters');
    }
  });

  test('every problem in the props is reported at once', () => {
    // GIVEN props with many mistakes
    const props: CloudRunServiceProps = {
      ...base,
      minInstances: 5,
      maxInstances: 2,
      cpu: 'lots',
      memory: '512MB',
      concurrency: 0,
      timeoutSeconds: 3601,
      port: 70000,
      env: { PORT: '1', SHARED: 'a', '1BAD': 'x' },
      secretEnv: { SHARED: { secret: 'ok' }, TOKEN: { secret: 'not/a/secret' } },
      invokers: ['someone@example.com'],
    };
    // WHEN / THEN
    let message = '';
    try {
      new CloudRunService(stack(), 'S', props);
    } catch (e) {
      message = (e as Error).message;
    }
    for (const expected of [
      'minInstances (5) must not exceed maxInstances (2)',
      "cpu must be",
      'memory must be',
      'concurrency must be',
      'timeoutSeconds must be',
      'port must be',
      "'PORT' is set by Cloud Run",
      "'SHARED' is in both env and secretEnv",
      "'1BAD' must be letters",
      "secretEnv.TOKEN: 'not/a/secret'",
      "invoker 'someone@example.com' is not a service-account email",
    ]) {
      expect(message).toContain(expected);
    }
  });

  test('grantInvoke refuses anything but a service-account email', () => {
    const svc = new CloudRunService(stack(), 'S', base);
    expect(() => svc.grantInvoke('allUsers')).toThrow('not a service-account email');
    expect(() => svc.grantInvoke('user:me@example.com')).toThrow('not a service-account email');
  });

  test('output is deterministic', () => {
    const build = (): string => {
      const s = stack();
      new CloudRunService(s, 'Orders', { ...base, invokers: [CI], secretEnv: { B: { secret: 'b' }, A: { secret: 'a' } }, env: { Z: '1', Y: '2' } });
      return Testing.synth(s);
    };
    expect(build()).toBe(build());
  });

  test('provider resources are imported by path, never from the package root', () => {
    for (const file of ['cloud-run-service.ts', 'service-secret.ts']) {
      const source = readFileSync(join(__dirname, '../../lib-constructs/gcp', file), 'utf8');
      expect(source).not.toMatch(/from '@cdktf\/provider-google'/);
    }
  });
});

describe('CloudRunService: VPC egress, CPU allocation and secret files', () => {
  test('Direct VPC egress through the given subnetwork, private ranges by default or all traffic', () => {
    const s = stack();
    new CloudRunService(s, 'A', { ...base, name: 'a-svc', vpcAccess: { network: 'net', subnetwork: 'sub' } });
    new CloudRunService(s, 'B', { ...base, name: 'b-svc', vpcAccess: { network: 'net', subnetwork: 'sub', egress: 'ALL_TRAFFIC' } });
    new CloudRunService(s, 'C', { ...base, name: 'c-svc' });
    const byName = Object.fromEntries(resources(synth(s), 'google_cloud_run_v2_service').map((r) => [r.name, r.template as Json]));
    expect(byName['a-svc']!.vpc_access).toEqual({ egress: 'PRIVATE_RANGES_ONLY', network_interfaces: [{ network: 'net', subnetwork: 'sub' }] });
    expect(byName['b-svc']!.vpc_access).toMatchObject({ egress: 'ALL_TRAFFIC' });
    expect(byName['c-svc']!.vpc_access).toBeUndefined();
  });

  test('CPU is throttled between requests unless cpuAlwaysAllocated', () => {
    const s = stack();
    new CloudRunService(s, 'A', { ...base, name: 'a-svc', cpuAlwaysAllocated: true });
    new CloudRunService(s, 'B', { ...base, name: 'b-svc' });
    const idle = resources(synth(s), 'google_cloud_run_v2_service').map((r) => [r.name, container(r).resources.cpu_idle]);
    expect(Object.fromEntries(idle)).toEqual({ 'a-svc': false, 'b-svc': true });
  });

  test('a secret file is a volume of that secret mounted at its directory, readable by the account alone', () => {
    const s = stack();
    new CloudRunService(s, 'A', { ...base, secretFiles: { '/etc/app/ca': { secret: 'orders-ca', fileName: 'ca.pem' } } });
    const out = synth(s);
    const svc = onlyService(out);
    expect((svc.template as Json).volumes).toEqual([{ name: 'secret-1', secret: { secret: 'orders-ca', items: [{ path: 'ca.pem', version: 'latest' }] } }]);
    expect((container(svc) as unknown as Json).volume_mounts).toEqual([{ name: 'secret-1', mount_path: '/etc/app/ca' }]);
    expect(resources(out, 'google_secret_manager_secret_iam_member')).toEqual([expect.objectContaining({ secret_id: 'orders-ca', role: 'roles/secretmanager.secretAccessor' })]);
    expect(svc.depends_on).toEqual([expect.stringMatching(/^google_secret_manager_secret_iam_member\./)]);
  });

  test('a secret file outside an absolute directory, or with a path as its name, is refused', () => {
    expect(() => new CloudRunService(stack(), 'A', { ...base, secretFiles: { 'relative/dir': { secret: 's', fileName: 'x' }, '/etc/../x': { secret: 's', fileName: 'a/b' } } })).toThrow(
      /'relative\/dir' must be an absolute directory path.*'\/etc\/\.\.\/x' must be an absolute directory path.*fileName 'a\/b' must be a plain file name/,
    );
  });
});

describe('CloudRunService: a given account and what the first revision waits for', () => {
  test('runs as the account it is given (made first, so grants can refer to it), and waits for dependsOn', () => {
    const s = stack();
    const account = runServiceAccount(s, 'Account', 'orders');
    const grant = new ServiceSecret(s, 'Db', { secretId: 'orders-db' });
    const run = new CloudRunService(s, 'A', { ...base, serviceAccount: account, dependsOn: [grant.secret] });
    expect(run.serviceAccount).toBe(account);
    const out = synth(s);
    expect(resources(out, 'google_service_account')).toHaveLength(1);
    const svc = onlyService(out);
    expect((svc.template as Json).service_account).toMatch(/^\$\{google_service_account\.Account\.email\}$/);
    expect(svc.depends_on).toEqual([expect.stringMatching(/^google_secret_manager_secret\.Db_Secret_/)]);
  });
});
