import { REFUSALS } from '../../src/validate/refusals';
import { TARGETS } from '../../src/model/constants';
import { check, pos } from '../helpers';

const gcpCloud = 'cloud: { primary: gcp, gcp: { project_id: shop-dev-123, state_bucket: shop-tf } }\n';

/** `file:line:col code path` of each diagnostic: the location, the code and the key, as users read them. */
function located(r: ReturnType<typeof check>): string[] {
  return r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.pointer}`);
}

describe('keys a target does not honour yet are refused where the file sets them (AF5010)', () => {
  test('tenant.isolation: schema and database where every stateless service stores in postgres (AF4011 at a service that does not)', () => {
    const file = (isolation: string, database = 'postgres') => `architecture: { name: shop, multi_tenant: true }
tenant: { isolation: ${isolation} }
settings: { default_database: dynamodb }
services:
  - { name: accounts, type: stateless, database: { type: postgres }, publishes: [Ping] }
  - { name: users, type: stateless, database: { type: ${database} } }
  - { name: welcome, type: consumer, consumes: [{ event: Ping, from: accounts }], consumer: { dlq: true } }
`;
    expect(check(file('schema'), { target: 'aws' }).diagnostics).toEqual([]);
    const mixed = file('schema', 'dynamodb');
    const r = check(mixed, { target: 'aws' });
    expect(located(r)).toEqual([`architecture.yaml:${pos(mixed, 'dynamodb', 2)} AF4011 /services/1/database/type`]);
    expect(r.diagnostics[0]!.message).toBe('tenant.isolation schema keeps each tenant\'s tables in a PostgreSQL schema of its own, but users stores its items in dynamodb');
    expect(check(file('database'), { target: 'aws' }).diagnostics).toEqual([]);
    // a public service's tenants must come from verified tokens: it would make a database for any tenant it is sent
    const open = file('database').replace('{ name: accounts, type: stateless,', '{ name: accounts, type: stateless, public: true,');
    const r2 = check(open, { target: 'aws' });
    expect(located(r2)).toEqual([`architecture.yaml:${pos(open, 'true,')} AF4012 /services/0/public`]);
    const claimed = open.replace('tenant: { isolation: database }', 'tenant: { isolation: database, claim: org_id }\nsecurity: { authentication: { provider: auth0, jwt_issuer: https://auth.example.com } }');
    expect(check(claimed, { target: 'aws' }).diagnostics).toEqual([]);
    const mixedDatabases = file('database', 'dynamodb');
    expect(located(check(mixedDatabases, { target: 'gcp' })).filter((l) => l.includes('AF4011'))).toEqual([`architecture.yaml:${pos(mixedDatabases, 'dynamodb', 2)} AF4011 /services/1/database/type`]);
  });

  test('tenant.claim: on aws while every public service runs on Lambda (its claims reach the function); refused with a fargate one, and on gcp and fly', () => {
    const file = (compute: string, cloud = '') => `architecture: { name: shop, multi_tenant: true }
tenant: { claim: org_id }
security: { authentication: { provider: auth0, jwt_issuer: https://auth.example.com } }
${cloud}services:
  - { name: api, type: stateless, public: true, compute: ${compute} }
  - { name: internal, type: stateless, compute: fargate }
`;
    expect(check(file('lambda'), { target: 'aws' }).diagnostics).toEqual([]);
    const fargate = file('fargate');
    expect(located(check(fargate, { target: 'aws' }))).toEqual([`architecture.yaml:${pos(fargate, 'org_id')} AF5010 /tenant/claim`]);
    const gcp = file('lambda', gcpCloud).replace(/ compute: \w+/g, '');
    expect(located(check(gcp, { target: 'gcp' })).filter((l) => l.includes('/tenant/'))).toEqual([`architecture.yaml:${pos(gcp, 'org_id')} AF5010 /tenant/claim`]);
  });

  const text = `architecture: { name: shop, multi_tenant: true }
deployment: { strategy: canary, canary_percentage: 20 }
testing: { contract_testing: true }
environments:
  prod:
    overrides:
      worker: { concurrency: 20 }
services:
  - name: worker
    type: consumer
    consumes: [{ event: Ping, from: api }]
    consumer: { dlq: false, max_retries: 5 }
  - name: api
    type: stateless
    protocols: [rest, graphql, grpc]
    publishes: [Ping]
  - name: web
    type: bff
    protocols: [rest, graphql, grpc]
    bff: { aggregates: [api] }
  - name: pinger
    type: producer
    protocols: [rest, graphql]
    publishes: [Pong]
`;

  test.each(['aws', 'gcp'] as const)('on %s: each refused key at file:line:col with its code and path, its value, the target and what to do', (target) => {
    // GIVEN a file setting keys neither target honours
    const file = target === 'gcp' ? text.replace('services:\n', `${gcpCloud}services:\n`) : text;
    // WHEN it is validated for the target
    const r = check(file, { target });
    // THEN every key is an error at its value, in the service it belongs to
    expect(r.ok).toBe(false);
    expect(located(r)).toEqual([
      `architecture.yaml:${pos(file, 'canary,')} AF5010 /deployment/strategy`,
      `architecture.yaml:${pos(file, '20 }')} AF5010 /deployment/canary_percentage`,
      `architecture.yaml:${pos(file, 'true', 2)} AF5010 /testing/contract_testing`,
      `architecture.yaml:${pos(file, 'false')} AF5010 /services/0/consumer/dlq`,
      // a stateless service serves both; on aws, grpc on Lambda is a capability error (API Gateway cannot carry it)
      ...(target === 'aws' ? [`architecture.yaml:${pos(file, '[rest, graphql, grpc]')} AF5001 /services/1/protocols`] : []),
      // with architecture.multi_tenant, gRPC (served apart from the tenant middleware) is refused even where it is served
      `architecture.yaml:${pos(file, '[rest, graphql, grpc]')} AF5010 /services/1/protocols`,
      // with architecture.multi_tenant, a bff keeps tenants apart (calls, cache, rate limit); a producer does not yet:
      // refused at its type
      ...(target === 'aws' ? [`architecture.yaml:${pos(file, '[rest, graphql, grpc]', 2)} AF5001 /services/2/protocols`] : []),
      `architecture.yaml:${pos(file, '[rest, graphql, grpc]', 2)} AF5010 /services/2/protocols`,
      `architecture.yaml:${pos(file, 'producer')} AF5010 /services/3/type`,
      `architecture.yaml:${pos(file, '[rest, graphql]')} AF5010 /services/3/protocols`,
    ]);
    expect(r.diagnostics.find((d) => d.pointer === '/services/3/type')!.message).toBe(`services[3].type producer with architecture.multi_tenant is not yet supported on ${target}; remove the service, or set architecture.multi_tenant to false`);
    expect(r.diagnostics[0]!.message).toBe(`deployment.strategy canary is not yet supported on ${target}; remove it or use rolling`);
    // a BFF serves graphql, so only grpc is named; a producer serves neither
    const [grpc, graphql] = [r.diagnostics.find((d) => d.pointer === '/services/2/protocols' && d.code === 'AF5010'), r.diagnostics.find((d) => d.pointer === '/services/3/protocols')];
    expect(grpc!.message).toBe(`services[2].protocols grpc is not yet supported on ${target}; remove graphql and grpc from services of archetypes that do not serve them (the service serves REST), and grpc with architecture.multi_tenant`);
    expect(grpc!.hint).toBe('GraphQL is served by the stateless, event-sourced and bff archetypes, gRPC by the stateless and event-sourced archetypes; other archetypes serve REST. With architecture.multi_tenant gRPC is refused: it is served apart from the HTTP app, without the tenant middleware (docs/target-support.md)');
    expect(graphql!.message).toBe(`services[3].protocols graphql is not yet supported on ${target}; remove graphql and grpc from services of archetypes that do not serve them (the service serves REST), and grpc with architecture.multi_tenant`);
  });

  test.each([
    ['aws', 'remove it (or set it to 1 on lambda)'],
    ['gcp', 'remove it (use consumer.concurrency on a consumer)'],
  ] as const)('on %s: a key set only under environments.<name>.overrides is refused there, with --env', (target, todo) => {
    // GIVEN concurrency set only in the prod override of the consumer (Lambda takes one request per instance; on
    // Cloud Run consumer.concurrency decides)
    const file = target === 'gcp' ? text.replace('services:\n', `${gcpCloud}services:\n`) : text;
    // WHEN validated with --env prod
    const r = check(file, { target, environment: 'prod' });
    // THEN the error is at the override, naming it
    const d = r.diagnostics.find((x) => x.pointer.includes('concurrency'))!;
    expect(`${d.file}:${d.line}:${d.col} ${d.code} ${d.pointer}`).toBe(`architecture.yaml:${pos(file, '20 }', 2)} AF5010 /environments/prod/overrides/worker/concurrency`);
    expect(d.message).toBe(`environments.prod.overrides.worker.concurrency 20 is not yet supported on ${target}; ${todo}`);
    // AND without --env the override does not apply and is not refused
    expect(check(file, { target }).diagnostics.some((x) => x.pointer.includes('concurrency'))).toBe(false);
  });

  test('the default value passes: it changes nothing, so writing it out is not refused', () => {
    const defaults = `architecture: { name: shop, multi_tenant: false }
security: { mtls: false, api_key_rotation_days: 90 }
compliance: { audit_logging: false }
observability: { tracing: opentelemetry, logging: json }
testing: { contract_testing: false, load_testing: { tool: k6, baseline_rps: 100, p99_ms: 500 }, chaos_engineering: false }
feature_flags: { provider: env }
tenant: { isolation: row-level, header: X-Tenant-ID }
deployment: { strategy: rolling, canary_percentage: 10, canary_duration_minutes: 10, rollback_on_failure: true }
services:
  - { name: api, type: stateless, protocols: [rest] }
`;
    expect(check(defaults, { target: 'aws' }).diagnostics).toEqual([]);
    expect(check(defaults.replace('services:\n', `${gcpCloud}services:\n`), { target: 'gcp' }).diagnostics).toEqual([]);
  });

  test('gcp refuses authentication it cannot enforce; aws honours it', () => {
    const auth = `architecture: { name: shop }
security: { authentication: { provider: cognito, jwt_issuer: https://auth.example.com, audience: shop-web } }
services:
  - { name: api, type: stateless, public: true }
`;
    expect(check(auth, { target: 'aws' }).diagnostics).toEqual([]);
    const gcp = auth.replace('services:\n', `${gcpCloud}services:\n`);
    const r = check(gcp, { target: 'gcp' });
    expect(located(r)).toEqual([
      `architecture.yaml:${pos(gcp, 'cognito')} AF5010 /security/authentication/provider`,
      `architecture.yaml:${pos(gcp, 'https://')} AF5010 /security/authentication/jwt_issuer`,
      `architecture.yaml:${pos(gcp, 'shop-web')} AF5010 /security/authentication/audience`,
    ]);
    expect(r.diagnostics[0]!.message).toBe('security.authentication.provider cognito is not yet supported on gcp; remove it or set it to none, or choose target aws');
  });

  test('aws: instance bounds are honoured on fargate and refused on lambda, which has no warm instances or bound', () => {
    // GIVEN the same bounds on a Lambda and a Fargate service
    const text = `architecture: { name: shop }
services:
  - { name: fn, type: stateless, compute: lambda, min_instances: 2, max_instances: 5 }
  - { name: task, type: stateless, compute: fargate, min_instances: 2, max_instances: 5 }
  - { name: quiet, type: stateless, compute: lambda, min_instances: 0, max_instances: 10 }
`;
    // WHEN validated for aws
    const r = check(text, { target: 'aws' });
    // THEN only the Lambda service's values are refused, at the values (the defaults pass)
    expect(located(r)).toEqual([`architecture.yaml:${pos(text, '2, max')} AF5010 /services/0/min_instances`, `architecture.yaml:${pos(text, '5 }')} AF5010 /services/0/max_instances`]);
    expect(r.diagnostics[0]!.message).toContain('is not yet supported on aws; remove it, or use compute: fargate');
  });

  test('sampling: probabilistic fractions, always and never pass; rate-limiting and rates above 1 are refused', () => {
    const sampling = (s: string) => `architecture: { name: shop }\nobservability: { sampling: ${s} }\nservices:\n  - { name: api, type: stateless }\n`;
    for (const ok of ['{ strategy: probabilistic, rate: 0.25 }', '{ strategy: always }', '{ strategy: never }', '{ rate: 1 }']) expect(check(sampling(ok)).diagnostics).toEqual([]);
    const bad = sampling('{ strategy: rate-limiting, rate: 5 }');
    expect(located(check(bad))).toEqual([`architecture.yaml:${pos(bad, 'rate-limiting')} AF5010 /observability/sampling/strategy`]);
    const fraction = sampling('{ rate: 5 }');
    expect(located(check(fraction))).toEqual([`architecture.yaml:${pos(fraction, '5 }')} AF5010 /observability/sampling/rate`]);
    const noEffect = sampling('{ strategy: always, rate: 0.5 }');
    expect(located(check(noEffect))).toEqual([`architecture.yaml:${pos(noEffect, '0.5')} AF5010 /observability/sampling/rate`]);
  });

  test('the table has an entry per target, each key once', () => {
    expect(Object.keys(REFUSALS).sort()).toEqual([...TARGETS].sort());
    for (const t of TARGETS) {
      expect(REFUSALS[t].whole).toBeUndefined();
      const paths = REFUSALS[t].keys.map((k) => k.path);
      expect(new Set(paths).size).toBe(paths.length);
    }
  });
});
