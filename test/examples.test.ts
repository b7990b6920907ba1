import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvedDocument } from '../src/resolve';
import { ValidateOptions, validateSource } from '../src/validate';

const SHOP = join(__dirname, '..', 'examples', 'shop');
const YAML_FILE = join(SHOP, 'architecture.yaml');
const TOML_FILE = join(SHOP, 'architecture.toml');
const yamlText = readFileSync(YAML_FILE, 'utf8');
const tomlText = readFileSync(TOML_FILE, 'utf8');

type Doc = Record<string, unknown>;
interface ServiceDoc {
  readonly name: string;
  readonly [key: string]: unknown;
}

/** Validate both twins with the same options; both must be valid. */
function validateBoth(options: ValidateOptions): { yaml: Doc; toml: Doc } {
  const y = validateSource(YAML_FILE, yamlText, options);
  const t = validateSource(TOML_FILE, tomlText, options);
  expect(y.diagnostics).toEqual([]);
  expect(t.diagnostics).toEqual([]);
  expect(y.ok).toBe(true);
  expect(t.ok).toBe(true);
  return { yaml: resolvedDocument(y.model!), toml: resolvedDocument(t.model!) };
}

function service(doc: Doc, name: string): ServiceDoc {
  const found = (doc.services as ServiceDoc[]).find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

function awsCloud(doc: Doc): Record<string, unknown> {
  return (doc.cloud as Record<string, Record<string, unknown>>).aws!;
}

describe('examples/shop: the YAML file and its TOML twin', () => {
  test.each<[string, ValidateOptions]>([
    ['no environment variables set', { env: {} }],
    ['AUTH_ISSUER and ALARM_EMAIL set', { env: { AUTH_ISSUER: 'https://login.shop.example.com', ALARM_EMAIL: 'oncall@shop.example.com' } }],
    ['every interpolated variable set', { env: { AUTH_ISSUER: 'https://id.example.org', ALARM_EMAIL: 'ops@example.org', AWS_ACCOUNT_ID: '210987654321', GCP_PROJECT_ID: 'shop-prod-42' } }],
  ])('resolve to the same model with %s', (_label, options) => {
    // GIVEN the reference architecture in YAML and in TOML
    // WHEN both are validated with the same environment variables
    const { yaml, toml } = validateBoth(options);

    // THEN both are valid and resolve to the same document
    expect(toml).toEqual(yaml);
  });

  test('interpolate environment variables, and their defaults when unset', () => {
    // GIVEN the twins, once without variables and once with AUTH_ISSUER and ALARM_EMAIL
    // WHEN they are validated
    const unset = validateBoth({ env: {} });
    const set = validateBoth({ env: { AUTH_ISSUER: 'https://login.shop.example.com', ALARM_EMAIL: 'oncall@shop.example.com' } });

    // THEN the defaults written in ${VAR:-default} apply when unset, the variables otherwise, in both formats
    for (const doc of [unset.yaml, unset.toml]) {
      expect(doc).toMatchObject({
        security: { authentication: { jwt_issuer: 'https://auth.example.com' } },
        observability: { alarms_email: '' },
        cloud: { aws: { account_id: '123456789012' }, gcp: { project_id: 'shop-platform-dev' } },
      });
    }
    for (const doc of [set.yaml, set.toml]) {
      expect(doc).toMatchObject({ security: { authentication: { jwt_issuer: 'https://login.shop.example.com' } }, observability: { alarms_email: 'oncall@shop.example.com' } });
    }
  });

  test('keep numbers as numbers in both formats', () => {
    // GIVEN the twins
    // WHEN they are validated
    const { yaml, toml } = validateBoth({ env: {} });

    // THEN numeric values (including the float multiplier 2.0) are numbers, not strings
    for (const doc of [yaml, toml]) {
      expect(doc).toMatchObject({ resilience: { retry: { multiplier: 2 } }, observability: { sampling: { rate: 0.1 } }, deployment: { canary_percentage: 10 } });
      expect(service(doc, 'inventory-service')).toMatchObject({ cpu: 512, memory_mb: 1024, min_instances: 1, max_instances: 4 });
    }
  });

  test('resolve for the default target, cloud.primary (aws), with per-target defaults applied', () => {
    // GIVEN the twins and no target option
    // WHEN they are validated
    const y = validateSource(YAML_FILE, yamlText, { env: {} });
    const t = validateSource(TOML_FILE, tomlText, { env: {} });

    // THEN the target is aws, the base file's region applies and services get their resolved compute
    for (const r of [y, t]) {
      expect(r.model?.target).toBe('aws');
      expect(r.model?.environment).toBeUndefined();
      const doc = resolvedDocument(r.model!);
      expect(doc.environment).toBeUndefined();
      expect(awsCloud(doc).region).toBe('eu-west-1');
      expect(service(doc, 'inventory-service')).toMatchObject({ compute: 'fargate', min_instances: 1 });
      expect(service(doc, 'catalog-service')).toMatchObject({ type: 'event-sourced', compute: 'lambda', protocols: ['rest'] });
      expect(service(doc, 'product-cache').compute).toBeUndefined();
    }
  });

  test('apply the prod environment the same way', () => {
    // GIVEN the twins and the prod environment, which overrides the AWS region and inventory-service sizing
    // WHEN they are validated for prod
    const { yaml, toml } = validateBoth({ env: {}, environment: 'prod' });

    // THEN both resolve to the same document, with prod's overrides applied
    expect(toml).toEqual(yaml);
    for (const doc of [yaml, toml]) {
      expect(doc.environment).toBe('prod');
      expect(doc.environments).toBeUndefined();
      expect(awsCloud(doc)).toMatchObject({ region: 'eu-central-1', compute: 'lambda', account_id: '123456789012' });
      expect(service(doc, 'inventory-service')).toMatchObject({ min_instances: 2, max_instances: 4, cpu: 512, memory_mb: 1024 });
      // services without overrides keep their sizing
      expect(service(doc, 'user-service')).toMatchObject({ min_instances: 0, memory_mb: 512, timeout_seconds: 10 });
    }
  });

  test('the dev environment changes nothing but the environment name', () => {
    // GIVEN the twins and the empty dev environment
    // WHEN they are validated for dev and without an environment
    const dev = validateBoth({ env: {}, environment: 'dev' });
    const base = validateBoth({ env: {} });

    // THEN dev equals the base file apart from the environment name
    expect(dev.toml).toEqual(dev.yaml);
    const { environment, ...rest } = dev.yaml;
    expect(environment).toBe('dev');
    expect(rest).toEqual(base.yaml);
  });

  test('report the same problems, each at its own place, when the target cannot honour the file', () => {
    // GIVEN the twins, written for aws
    // WHEN they are validated for gcp
    const y = validateSource(YAML_FILE, yamlText, { env: {}, target: 'gcp' });
    const t = validateSource(TOML_FILE, tomlText, { env: {}, target: 'gcp' });

    // THEN both fail with the same codes at the same document paths
    expect(y.ok).toBe(false);
    expect(t.ok).toBe(false);
    const summary = (r: typeof y) => r.diagnostics.map((d) => `${d.code} ${d.pointer}`).sort();
    expect(summary(t)).toEqual(summary(y));
    expect(summary(y)).toContain('AF5001 /settings/default_database');
    // AND each TOML diagnostic points at a line of the TOML file that holds the offending key
    const lines = tomlText.split('\n');
    for (const d of t.diagnostics) {
      const key = d.path.filter((p): p is string => typeof p === 'string').at(-1)!;
      expect(lines[d.line - 1]).toContain(key);
    }
  });
});
