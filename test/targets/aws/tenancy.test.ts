/**
 * architecture.multi_tenant on AWS: a BFF's rate_limit is per tenant (its token bucket per tenant, in the app), so its
 * HTTP API stage, which counts every tenant's requests together, keeps the API's default ceiling; a single-tenant
 * BFF's stage throttles at the file's numbers, as any service's does.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { defaultApiThrottle } from '../../../lib-constructs/core/api-defaults';
import { awsModelOf, buildApp } from './helpers';

const text = (multiTenant: boolean) => `architecture: { name: console, multi_tenant: ${multiTenant} }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: accounts
    type: stateless
    rate_limit: { rps: 40, burst: 10 }
  - name: admin-bff
    type: bff
    public: true
    bff: { aggregates: [accounts] }
    rate_limit: { rps: 50, burst: 20 }
`;

const stageThrottle = (multiTenant: boolean, service: string) => {
  const { arch } = buildApp(awsModelOf(text(multiTenant)));
  const stages = Object.values(Template.fromStack(arch.services.get(service)!).findResources('AWS::ApiGatewayV2::Stage')) as { Properties: { DefaultRouteSettings?: { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number } } }[];
  expect(stages).toHaveLength(1);
  return stages[0]!.Properties.DefaultRouteSettings;
};

describe('rate limits of a multi-tenant architecture on AWS', () => {
  test('a multi-tenant BFF\'s stage keeps the default ceiling: its rate_limit is each tenant\'s, in the app', () => {
    const { rateLimit, burstLimit } = defaultApiThrottle();
    expect(stageThrottle(true, 'admin-bff')).toMatchObject({ ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit });
  });

  test('a stateless service of the same architecture, and a single-tenant BFF, throttle at the file\'s numbers', () => {
    expect(stageThrottle(true, 'accounts')).toMatchObject({ ThrottlingRateLimit: 40, ThrottlingBurstLimit: 10 });
    expect(stageThrottle(false, 'admin-bff')).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 });
  });
});
