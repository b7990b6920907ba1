import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { TerraformStack, Testing } from 'cdktf';
import { gcpStack } from './gcp-helpers';
import { CloudScheduledJob } from '../../lib-constructs/gcp/scheduled-job';

interface Synth {
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

function stack(): TerraformStack {
  return gcpStack('acme-prod', 'test');
}

function job(s: TerraformStack): Record<string, unknown> {
  const jobs = Object.values((JSON.parse(Testing.synth(s)) as Synth).resource.google_cloud_scheduler_job ?? {});
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

const URL = 'https://reports-abc-ew.a.run.app';
const SA = 'reports-scheduler@acme-prod.iam.gserviceaccount.com';

describe('CloudScheduledJob', () => {
  test('an HTTP call to the service path with an OIDC token whose audience is the service URL', () => {
    // GIVEN
    const s = stack();
    // WHEN
    new CloudScheduledJob(s, 'Nightly', { name: 'reports-nightly', schedule: '0 3 * * *', serviceUrl: URL, path: '/jobs/nightly', serviceAccountEmail: SA, timeZone: 'Europe/Paris' });
    // THEN
    const j = job(s);
    expect(j).toMatchObject({ name: 'reports-nightly', schedule: '0 3 * * *', time_zone: 'Europe/Paris', attempt_deadline: '300s' });
    expect(j.http_target).toEqual({
      uri: `${URL}/jobs/nightly`,
      http_method: 'POST',
      oidc_token: { service_account_email: SA, audience: URL },
    });
  });

  test('retry config from the props, 2 retries by default', () => {
    // GIVEN
    const s1 = stack();
    const s2 = stack();
    // WHEN
    new CloudScheduledJob(s1, 'Job', { name: 'j', schedule: '@hourly', serviceUrl: URL, serviceAccountEmail: SA });
    new CloudScheduledJob(s2, 'Job', {
      name: 'j',
      schedule: '*/15 * * * MON-FRI',
      serviceUrl: URL,
      serviceAccountEmail: SA,
      retry: { retryCount: 5, minBackoffSeconds: 30, maxBackoffSeconds: 600, maxDoublings: 2, maxRetryDurationSeconds: 0 },
      attemptDeadlineSeconds: 900,
    });
    // THEN
    const j1 = job(s1);
    expect(j1.retry_config).toEqual({ retry_count: 2, min_backoff_duration: '10s', max_backoff_duration: '300s', max_doublings: 3, max_retry_duration: '3600s' });
    expect(j1.schedule).toBe('0 * * * *');
    expect(j1.time_zone).toBe('Etc/UTC');
    expect((j1.http_target as Record<string, unknown>).uri).toBe(`${URL}/`);
    const j2 = job(s2);
    expect(j2.retry_config).toEqual({ retry_count: 5, min_backoff_duration: '30s', max_backoff_duration: '600s', max_doublings: 2, max_retry_duration: '0s' });
    expect(j2.attempt_deadline).toBe('900s');
  });

  test('a Cloud Run service URL token, a custom audience and a JSON body', () => {
    // GIVEN
    const s = stack();
    const svc = new CloudRunV2Service(s, 'Svc', { name: 'reports', location: 'europe-west1', template: { containers: [{ image: 'img' }] } });
    // WHEN
    new CloudScheduledJob(s, 'Job', { name: 'j', schedule: '0 0 1 * *', serviceUrl: svc.uri, path: '/run', serviceAccountEmail: SA, audience: 'reports', body: '{"full":true}', httpMethod: 'PUT', region: 'europe-west3' });
    // THEN
    const j = job(s);
    expect(j.region).toBe('europe-west3');
    expect(j.http_target).toEqual({
      uri: '${google_cloud_run_v2_service.Svc.uri}/run',
      http_method: 'PUT',
      body: Buffer.from('{"full":true}').toString('base64'),
      headers: { 'Content-Type': 'application/json' },
      oidc_token: { service_account_email: SA, audience: 'reports' },
    });
  });

  test('the cron must have five fields; other invalid props are refused in one error', () => {
    const make = (extra: Partial<ConstructorParameters<typeof CloudScheduledJob>[2]>) => () =>
      new CloudScheduledJob(stack(), 'Job', { name: 'j', schedule: '0 3 * * *', serviceUrl: URL, serviceAccountEmail: SA, ...extra });
    // WHEN / THEN
    expect(make({ schedule: '0 3 * *' })).toThrow('five-field cron');
    expect(make({ schedule: '0 0 3 * * *' })).toThrow('five-field cron');
    expect(make({ schedule: 'every day' })).toThrow('five-field cron');
    expect(make({ retry: { retryCount: 6 } })).toThrow('retry.retryCount must be a whole number from 0 to 5, got 6');
    expect(make({ retry: { minBackoffSeconds: 60, maxBackoffSeconds: 30 } })).toThrow('must not exceed');
    expect(make({ attemptDeadlineSeconds: 10 })).toThrow('attemptDeadlineSeconds must be a whole number from 15 to 1800');
    expect(make({ name: 'bad name', path: 'jobs', serviceUrl: 'http://x/y', serviceAccountEmail: 'allUsers' })).toThrow(
      /job name 'bad name'.*path must start with '\/'.*serviceUrl must be an https:\/\/.*not a service-account email/,
    );
  });
});
