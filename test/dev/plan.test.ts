/**
 * The local plan gives every service the configuration its workload has in the cloud: the variables of its Lambda
 * functions and ECS containers in the synthesized templates, each plain value unchanged, each reference resolved to
 * what the local run creates, and only the documented few (docs/dev.md) replaced or left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsLocalPlan } from '../../src/dev/aws-plan';
import { Resolver } from '../../src/dev/aws-local';
import type { CfnTemplate } from '../../src/dev/aws-local';
import { calleeUrlVariable, calleesOf } from '../../src/model/environment';
import { synthesize } from '../../src/synth';
import { validateSource } from '../../src/validate';

const root = join(__dirname, '..', '..');

/** Replaced locally by a local value (by name), or left out: docs/dev.md says why for each. */
const REPLACED = new Set(['DATABASE_URL', 'PG_IAM_AUTH', 'CACHE_URL', 'SENDER']);
const LEFT_OUT = new Set(['SAGA_STATE_MACHINE_ARN', 'SAGA_STEPS_ENDPOINT', 'WEBSOCKET_ENDPOINT', 'NODE_EXTRA_CA_CERTS']);

describe.each(['examples/shop/architecture.yaml', 'fixtures/dev/system.yaml', 'fixtures/archetypes/event-sourced.yaml', 'fixtures/archetypes/producer.yaml'])('%s: the local environment is the cloud one', (file) => {
  const v = validateSource('architecture.yaml', readFileSync(join(root, file), 'utf8'), { env: {} });
  const model = v.model!;
  const outputs = synthesize(model, { validation: false }).outputs;
  const plan = awsLocalPlan(model, outputs, {
    endpoint: 'http://127.0.0.1:4700',
    serviceUrl: (name) => `http://svc-${name}`,
    port: () => 9999,
    databaseUrl: (db) => `postgres://local/${db}`,
    cacheUrl: 'redis://local',
  });

  test.each(model.services.map((s) => s.name))('%s', (name) => {
    const service = model.services.find((s) => s.name === name)!;
    const stack = outputs.find((f) => f.path === `infrastructure/aws/${model.file.architecture.name}-${name}.template.json`)!;
    const template = JSON.parse(stack.content) as CfnTemplate;
    // every variable of every workload of the service, as the template sets it
    const cloud = new Map<string, unknown>();
    for (const r of Object.values(template.Resources ?? {})) {
      if (r.Type === 'AWS::Lambda::Function') for (const [k, val] of Object.entries((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})) cloud.set(k, val);
      if (r.Type === 'AWS::ECS::TaskDefinition') for (const c of r.Properties?.ContainerDefinitions as { Environment?: { Name: string; Value: unknown }[] }[]) for (const e of c.Environment ?? []) cloud.set(e.Name, e.Value);
    }
    const local = plan.environments.get(name)!;
    const callees = new Map(calleesOf(service.spec).map((c) => [calleeUrlVariable(c), c]));
    for (const [k, value] of cloud) {
      if (LEFT_OUT.has(k)) expect(local[k]).toBeUndefined();
      else if (callees.has(k)) expect(local[k]).toBe(`http://svc-${callees.get(k)}`);
      else if (REPLACED.has(k)) expect(local[k]).toBeDefined();
      else if (typeof value === 'string') expect(`${k}=${local[k]}`).toBe(`${k}=${value}`);
      else expect(`${k}=${local[k]}`).toBe(`${k}=${new Resolver(plan.templates, plan.attributes, plan.where).text(`${model.file.architecture.name}-${name}`, value)}`);
    }
    // and what the local run adds: where the emulator is, the port, the docs, dummy credentials
    expect(Object.keys(local).filter((k) => !cloud.has(k)).sort()).toEqual(
      ['API_DOCS', 'AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'AWS_SECRET_ACCESS_KEY', 'NODE_ENV', 'PORT'].filter((k) => !cloud.has(k)),
    );
  });
});
