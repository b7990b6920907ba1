/**
 * Keys that were accepted and ignored until issue 11, now honoured on AWS and GCP: the synthesized properties.
 * (What is still refused is tested in test/validate/refusals.test.ts; that every key is one or the other, in
 * test/validate/key-coverage.test.ts.)
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { cloudWatchRetentionDays } from '../../lib-constructs/core/log-retention';
import { synthGcpTarget } from '../../src/targets/gcp/synth';
import { check } from '../helpers';
import { buildApp } from './aws/helpers';
import { Tf } from './gcp/helpers';

const gcpCloud = 'cloud: { primary: gcp, gcp: { project_id: shop-dev-1, region: europe-west1, state_bucket: shop-tf } }\n';

const FILE = `architecture: { name: shop }
security: { authentication: { provider: cognito, jwt_issuer: https://auth.example.com, audience: shop-web } }
compliance: { data_retention_days: 366 }
observability: { sampling: { strategy: probabilistic, rate: 0.25 } }
services:
  - name: api
    type: stateless
    public: true
    environment: { FEATURE_CHECKOUT: "on" }
    publishes: [Ping]
  - name: worker
    type: consumer
    compute: fargate
    timeout_seconds: 20
    consumes: [{ event: Ping, from: api }]
    consumer: { visibility_timeout_seconds: 600 }
`;

function aws(text: string) {
  const r = check(text, { target: 'aws' });
  if (!r.model) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  const { arch } = buildApp(r.model);
  return { template: (name: string) => Template.fromStack(arch.services.get(name)!), shared: Template.fromStack(arch.shared) };
}

function gcp(text: string): Tf {
  const r = check(text.replace('services:\n', `${gcpCloud}services:\n`), { target: 'gcp' });
  if (!r.model) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  const out = synthGcpTarget(r.model);
  expect(out.problems).toEqual([]);
  return new Tf(JSON.parse(out.files[0]!.content) as Record<string, unknown>);
}

/** The env of a Cloud Run service's container, as a map. */
function runEnv(tf: Tf, name: string): Record<string, unknown> {
  const svc = tf.named('google_cloud_run_v2_service', name) as { template: { containers: { env?: { name: string; value?: string }[] }[] } };
  return Object.fromEntries((svc.template.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
}

describe('on aws', () => {
  const t = aws(FILE);

  test('observability.sampling reaches every function and container as the OpenTelemetry sampler variables', () => {
    t.template('api').hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }) },
    });
    t.template('worker').hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Environment: Match.arrayWith([{ Name: 'OTEL_TRACES_SAMPLER', Value: 'parentbased_traceidratio' }, { Name: 'OTEL_TRACES_SAMPLER_ARG', Value: '0.25' }]) })]),
    });
  });

  test('always and never are the parent-based on and off samplers, without an argument', () => {
    const always = aws(FILE.replace('{ strategy: probabilistic, rate: 0.25 }', '{ strategy: always }')).template('api');
    always.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_TRACES_SAMPLER_ARG: Match.absent() }) } });
    const never = aws(FILE.replace('{ strategy: probabilistic, rate: 0.25 }', '{ strategy: never }')).template('api');
    never.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }) } });
  });

  test('compliance.data_retention_days sets every service log group, rounded up to what CloudWatch offers (366 → 400)', () => {
    for (const name of ['api', 'worker']) {
      const groups = Object.values(t.template(name).findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect((g as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays).toBe(400);
    }
    // AND the VPC flow logs (network telemetry) keep their 90 days
    t.shared.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('the CloudWatch rounding: the smallest offered period that keeps logs at least as long', () => {
    expect([1, 2, 30, 31, 365, 366, 401, 3650].map(cloudWatchRetentionDays)).toEqual([1, 3, 30, 60, 365, 400, 545, 3653]);
  });

  test('security.authentication.audience is the JWT audience (it was always the architecture name)', () => {
    t.template('api').hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { JwtConfiguration: { Audience: ['shop-web'], Issuer: 'https://auth.example.com' } });
  });

  test('consumer.visibility_timeout_seconds is the queue visibility timeout (it was always 6 × timeout_seconds)', () => {
    t.template('worker').hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 600, RedrivePolicy: Match.anyValue() });
  });

  test('services[].environment reaches the service beside allframe\'s variables (a name of allframe\'s is refused, AF4013)', () => {
    t.template('api').hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ FEATURE_CHECKOUT: 'on', SERVICE_NAME: 'api' }) } });
  });
});

describe('on gcp', () => {
  const noAuth = FILE.replace(/^security: .*\n/m, '').replace('consumer: { visibility_timeout_seconds: 600 }', 'consumer: { max_retries: 5 }');
  const tf = gcp(noAuth);

  test('observability.sampling reaches every Cloud Run service as the OpenTelemetry sampler variables', () => {
    for (const name of ['shop-api', 'shop-worker']) expect(runEnv(tf, name)).toMatchObject({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
  });

  test('compliance.data_retention_days is the retention of the project\'s _Default log bucket, in days as given', () => {
    const buckets = tf.values('google_logging_project_bucket_config');
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatchObject({ project: 'shop-dev-1', location: 'global', bucket_id: '_Default', retention_days: 366 });
  });

  test('services[].environment reaches the service beside allframe\'s variables (a name of allframe\'s is refused, AF4013)', () => {
    expect(runEnv(tf, 'shop-api')).toMatchObject({ FEATURE_CHECKOUT: 'on', SERVICE_NAME: 'api' });
  });

  test('services[].concurrency is the Cloud Run concurrency (it was always 80), also from an environment override', () => {
    const concurrency = (t: Tf, name: string) => (t.named('google_cloud_run_v2_service', name) as { template: { max_instance_request_concurrency?: number } }).template.max_instance_request_concurrency;
    expect(concurrency(tf, 'shop-api')).toBe(80);
    const text = noAuth.replace('    public: true\n', '    public: true\n    concurrency: 40\n');
    expect(concurrency(gcp(text), 'shop-api')).toBe(40);
    const withEnv = text.replace('services:\n', 'environments: { prod: { overrides: { api: { concurrency: 8 } } } }\nservices:\n');
    const r = check(withEnv.replace('services:\n', `${gcpCloud}services:\n`), { target: 'gcp', environment: 'prod' });
    expect(concurrency(new Tf(JSON.parse(synthGcpTarget(r.model!).files[0]!.content) as Record<string, unknown>), 'shop-api')).toBe(8);
  });
});
