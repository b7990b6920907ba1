import { resolvedDocument } from '../../src/resolve';
import { MINIMAL, check, where } from '../helpers';

describe('interpolation', () => {
  test('${VAR}, ${VAR:-default}, ${VAR-default} and $$ are replaced', () => {
    // GIVEN
    const text = `architecture: { name: shop, description: "\${A} \${B:-b} \${C-c} \${D:-d} $$x" }\nservices: [{ name: user-service, type: stateless }]\n`;
    // WHEN
    const r = check(text, { env: { A: 'a', C: '', D: '' } });
    // THEN
    expect(r.diagnostics).toEqual([]);
    expect(r.model!.file.architecture.description).toBe('a b  d $x');
  });

  test('an unquoted ${...} becomes a number or boolean only where the schema wants one', () => {
    const text = `architecture: { name: shop, multi_tenant: "\${MT}" }\ncloud:\n  aws:\n    account_id: \${ACCOUNT}\nservices:\n  - name: user-service\n    type: stateless\n    compute: fargate\n    min_instances: \${MIN:-2}\n    responsibility: \${MIN:-2}\n`;
    // (multi_tenant true is refused on every target until built, AF5010: false shows the conversion as well)
    const r = check(text, { env: { MT: 'false', ACCOUNT: '012345678901' } });
    expect(r.diagnostics).toEqual([]);
    const svc = r.model!.services[0]!.spec;
    expect(svc.min_instances).toBe(2);
    expect(svc.responsibility).toBe('2');
    expect(r.model!.file.architecture.multi_tenant).toBe(false);
    expect(r.model!.file.cloud!.aws!.account_id).toBe('012345678901');
  });

  test('a missing variable is AF2001 at the ${ inside the value, a required one AF2002 with its message', () => {
    // GIVEN
    const text = `architecture:\n  name: shop\n  description: "prefix \${NOPE} suffix"\n  version: \${VER:?set VER to the release}\nservices: [{ name: user-service, type: stateless }]\n`;
    // WHEN
    const r = check(text);
    // THEN
    expect(where(r.diagnostics)).toEqual(['AF2001@3:24', 'AF2002@4:12']);
    expect(r.diagnostics[1]!.message).toContain('set VER to the release');
    expect(r.diagnostics[0]!.hint).toContain('${NOPE:-default}');
  });

  test('malformed interpolation is AF2003', () => {
    const r = check(`architecture: { name: shop, description: "\${1BAD}" }\nservices: [{ name: user-service, type: stateless }]\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['AF2003']);
    const r2 = check(`architecture: { name: shop, description: "\${OPEN" }\nservices: [{ name: user-service, type: stateless }]\n`);
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['AF2003']);
  });
});

describe('environments', () => {
  const text = `architecture: { name: shop }
cloud: { aws: { region: eu-west-1, compute: fargate } }
environments:
  dev: {}
  prod:
    cloud: { aws: { region: eu-central-1 } }
    overrides:
      user-service: { min_instances: 2, memory_mb: 1024 }
services:
  - name: user-service
    type: stateless
`;

  test('--env merges the environment over the base; without it the base stands', () => {
    const base = check(text);
    const prod = check(text, { environment: 'prod' });
    expect(base.model!.file.cloud!.aws!.region).toBe('eu-west-1');
    expect(prod.model!.file.cloud!.aws!.region).toBe('eu-central-1');
    expect(prod.model!.file.cloud!.aws!.compute).toBe('fargate');
    expect(prod.model!.services[0]!.spec).toMatchObject({ min_instances: 2, memory_mb: 1024 });
    expect(base.model!.services[0]!.spec).toMatchObject({ min_instances: 0, memory_mb: 512 });
  });

  test('an unknown environment is AF2004 with a suggestion', () => {
    const r = check(text, { environment: 'prd' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['AF2004']);
    expect(r.diagnostics[0]!.hint).toBe('did you mean "prod"?');
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('an environment named like an Object property (%s) is still unknown', (name) => {
    expect(check(text, { environment: name }).diagnostics.map((d) => d.code)).toEqual(['AF2004']);
  });

  test('errors in merged values point into the environment block', () => {
    const bad = text.replace('min_instances: 2', 'min_instances: 20');
    const r = check(bad, { environment: 'prod' });
    expect(where(r.diagnostics)).toEqual(['AF4011@8:38']);
  });
});

describe('resolved model', () => {
  test('fills per-target defaults and makes inherited values explicit', () => {
    // GIVEN a file that names neither event bus nor compute
    const text = MINIMAL + `  - name: worker\n    type: consumer\n    consumes: [{ event: UserCreated, from: user-service }]\n    consumer: {}\n`;
    const withPublish = text.replace('type: stateless\n', 'type: stateless\n    publishes: [UserCreated]\n');
    // WHEN
    const aws = check(withPublish).model!;
    const gcp = check(withPublish.replace('architecture: { name: shop }', 'architecture: { name: shop }\ncloud: { gcp: { project_id: shop-dev-123, state_bucket: shop-tf } }'), { target: 'gcp' }).model!;
    // THEN
    expect([aws.eventBus, aws.services[0]!.compute, aws.secretsManager]).toEqual(['sns', 'lambda', 'aws-secrets']);
    expect([gcp.eventBus, gcp.services[0]!.compute, gcp.metrics]).toEqual(['pubsub', 'cloud-run', 'cloud-monitoring']);
    expect(aws.services[1]!.spec.consumer).toEqual({ dlq: true, max_retries: 5, retry_backoff: 'exponential', concurrency: 10, batch_size: 10 });
    expect(aws.services[0]!.resilience.retry).toEqual({ max_attempts: 3, initial_interval_ms: 100, max_interval_ms: 10000, multiplier: 2, idempotent_only: false });
    const printed = resolvedDocument(aws) as { services: { protocols?: string[]; compute?: string }[] };
    expect(printed.services[0]).toMatchObject({ compute: 'lambda', protocols: ['rest'] });
    expect(printed.services[1]).toMatchObject({ compute: 'lambda', protocols: [] });
  });

  test('new projects run on the active Node.js LTS; settings.runtime pins another', () => {
    // GIVEN a file without settings.runtime, and one pinning nodejs22
    const latest = check(MINIMAL).model!;
    const pinned = check(MINIMAL.replace('architecture: { name: shop }', 'architecture: { name: shop }\nsettings: { runtime: nodejs22 }')).model!;
    // THEN the model carries the Node.js major every target uses (Lambda nodejs<major>.x, node:<major> images)
    expect([latest.file.settings?.runtime, latest.nodeMajor]).toEqual(['nodejs24', 24]);
    expect([pinned.file.settings?.runtime, pinned.nodeMajor]).toEqual(['nodejs22', 22]);
  });

  test('anti-corruption-layer resolves to legacy-adapter', () => {
    const r = check(`architecture: { name: shop }\nservices:\n  - name: erp\n    type: anti-corruption-layer\n    acl: { upstream: "https://erp.example.com" }\n`);
    expect(r.model!.services[0]!.kind).toBe('legacy-adapter');
  });

  test('a service override of resilience merges over the global defaults', () => {
    const r = check(`architecture: { name: shop }\nresilience: { retry: { max_attempts: 7 } }\nservices:\n  - name: a-b\n    type: stateless\n    retry: { initial_interval_ms: 300 }\n`);
    expect(r.model!.services[0]!.resilience.retry).toMatchObject({ max_attempts: 7, initial_interval_ms: 300, multiplier: 2 });
  });
});
