import { TerraformStack } from 'cdktf';
import { gcpStack, synthJson } from './gcp-helpers';
import { CloudRunService } from '../../lib-constructs/gcp/cloud-run-service';
import { ServiceSecret } from '../../lib-constructs/gcp/service-secret';

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

const WORKER = 'worker@proj.iam.gserviceaccount.com';
const JOB = 'nightly-job@proj.iam.gserviceaccount.com';

describe('ServiceSecret', () => {
  test('a secret with automatic replication and no version (values are set out of band)', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new ServiceSecret(s, 'Db', { secretId: 'orders-db-password', labels: { service: 'orders' } });
    // THEN
    const out = synth(s);
    expect(Object.values(out.resource.google_secret_manager_secret ?? {})).toEqual([{ secret_id: 'orders-db-password', replication: { auto: {} }, labels: { service: 'orders' } }]);
    expect(out.resource.google_secret_manager_secret_version).toBeUndefined();
    expect(out.resource.google_secret_manager_secret_iam_member).toBeUndefined();
  });

  test('accessor granted exactly to the given service accounts, on this secret only', () => {
    // GIVEN
    const s = stack();
    // WHEN
    const secret = new ServiceSecret(s, 'Db', { secretId: 'db', accessors: [WORKER] });
    secret.grantAccess(JOB);
    expect(secret.grantAccess(WORKER)).toBeUndefined();
    // THEN
    const out = synth(s);
    const secretKey = Object.keys(out.resource.google_secret_manager_secret ?? {})[0];
    const members = Object.values(out.resource.google_secret_manager_secret_iam_member ?? {});
    expect(members.map((m) => m.member).sort()).toEqual([`serviceAccount:${JOB}`, `serviceAccount:${WORKER}`]);
    for (const m of members) {
      expect(m).toMatchObject({ role: 'roles/secretmanager.secretAccessor', secret_id: `\${google_secret_manager_secret.${secretKey}.id}` });
    }
    expect(JSON.stringify(out)).not.toContain('allUsers');
  });

  test('a Cloud Run service reading the secret references it, so its grant waits for the secret', () => {
    // GIVEN
    const s = stack();
    const secret = new ServiceSecret(s, 'Db', { secretId: 'db' });
    // WHEN
    new CloudRunService(s, 'Orders', { name: 'orders', location: 'europe-west1', image: 'img', secretEnv: { DB_PASSWORD: { secret: secret.secretId } } });
    // THEN
    const out = synth(s);
    const secretKey = Object.keys(out.resource.google_secret_manager_secret ?? {})[0];
    const grants = Object.values(out.resource.google_secret_manager_secret_iam_member ?? {});
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ secret_id: `\${google_secret_manager_secret.${secretKey}.secret_id}`, member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\./) });
  });

  test('the secret id and accessors are validated', () => {
    for (const bad of ['', 'has space', 'a/b', 'x'.repeat(256)]) {
      expect(() => new ServiceSecret(stack(), 'S', { secretId: bad })).toThrow('1 to 255 letters');
    }
    expect(() => new ServiceSecret(stack(), 'S', { secretId: 'x'.repeat(255) })).not.toThrow();
    expect(() => new ServiceSecret(stack(), 'S', { secretId: 'ok', accessors: ['me@example.com'] })).toThrow("accessor 'me@example.com' is not a service-account email");
    const secret = new ServiceSecret(stack(), 'S', { secretId: 'ok' });
    expect(() => secret.grantAccess('allUsers')).toThrow('not a service-account email');
  });
});
