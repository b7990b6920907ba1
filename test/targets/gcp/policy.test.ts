/** allframe's own GCP policy checks, each with a failing fixture of its own (fixtures/gcp-policy). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkGcpPolicy } from '../../../src/targets/gcp/policy';

const DIR = join(__dirname, '..', '..', '..', 'fixtures', 'gcp-policy');
const OPTIONS = { publicServices: new Set(['web-bff']), secretNames: new Set(['STRIPE_API_KEY']) };
const check = (file: string) => checkGcpPolicy(JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>, OPTIONS);

describe('GCP policy checks', () => {
  test('a compliant stack passes', () => {
    expect(check('compliant.tf.json')).toEqual([]);
  });

  test.each<[string, string[]]>([
    ['public-invoker.tf.json', ['AF5101 google_cloud_run_v2_service_iam_member.orders_public']],
    // without notify's policy, notify-dlq is no longer a dead-letter sink either: both are reported
    ['subscription-without-dlq.tf.json', ['AF5102 google_pubsub_subscription.notify', 'AF5102 google_pubsub_subscription.notify_dlq']],
    ['dlq-grant-missing.tf.json', ['AF5102 google_pubsub_subscription.notify']],
    ['no-liveness-probe.tf.json', ['AF5103 google_cloud_run_v2_service.orders']],
    ['shared-service-account.tf.json', ['AF5103 google_cloud_run_v2_service.web', 'AF5103 google_cloud_run_v2_service.orders']],
    ['plain-secret.tf.json', ['AF5104 google_cloud_run_v2_service.orders']],
    [
      'public-bucket.tf.json',
      [
        'AF5105 google_storage_bucket.orders_bucket',
        'AF5105 google_storage_bucket.orders_bucket',
        'AF5105 google_storage_bucket_iam_member.orders_bucket_public',
        'AF5105 google_storage_bucket_iam_binding.orders_bucket_viewers',
      ],
    ],
  ])('%s fails with its code, at the offending resource', (file, expected) => {
    expect(check(file).map((p) => `${p.code} ${p.address}`)).toEqual(expected);
  });
});
