/**
 * The local plan gives every service the configuration its workload has in the cloud: the variables of its Lambda
 * functions and ECS containers in the synthesized templates, each plain value unchanged, each reference resolved to
 * what the local run creates, and only the documented few (docs/dev.md) replaced or left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsLocalPlan } from '../../src/dev/aws-plan';
import { Resolver } from '../../src/dev/aws-local';
import { gcpLocalPlan, passesFilter } from '../../src/dev/gcp-plan';
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

/** Replaced on GCP by a local value (by name), or left out (docs/dev.md). */
const GCP_REPLACED = new Set(['DATABASE_URL', 'PG_IAM_AUTH', 'CACHE_URL', 'OUTBOUND_AUTH']);
const GCP_LEFT_OUT = new Set(['PG_SERVER_CA', 'SAGA_WORKFLOW']);

describe.each(['examples/shop-gcp/architecture.yaml', 'fixtures/dev/system-gcp.yaml'])('%s: the local environment is the Cloud Run one', (file) => {
  const v = validateSource('architecture.yaml', readFileSync(join(root, file), 'utf8'), { env: {} });
  const model = v.model!;
  const outputs = synthesize(model, { validation: false }).outputs;
  const plan = gcpLocalPlan(model, outputs, {
    pubsubHost: 'local-pubsub:1',
    firestoreHost: 'local-firestore:2',
    serviceUrl: (name) => `http://svc-${name}`,
    port: () => 9999,
    databaseUrl: (db) => `postgres://local/${db}`,
    cacheUrl: 'redis://local',
    secret: (name) => `secret-of-${name}`,
  });
  const tf = JSON.parse(outputs.find((f) => /^infrastructure\/gcp\/[^/]+\/cdk\.tf\.json$/.test(f.path))!.content) as { resource: { google_cloud_run_v2_service: Record<string, { name: string; template: { containers: { env?: { name: string; value?: string; value_source?: unknown }[] }[] } }> } };

  test.each(model.services.map((s) => s.name))('%s', (name) => {
    const service = model.services.find((s) => s.name === name)!;
    const run = Object.values(tf.resource.google_cloud_run_v2_service).find((r) => r.name.endsWith(`-${name}`))!;
    const cloud = run.template.containers.flatMap((c) => c.env ?? []);
    const local = plan.environments.get(name)!;
    const callees = new Map(calleesOf(service.spec).map((c) => [calleeUrlVariable(c), c]));
    for (const e of cloud) {
      if (GCP_LEFT_OUT.has(e.name)) expect(local[e.name]).toBeUndefined();
      else if (callees.has(e.name)) expect(local[e.name]).toBe(`http://svc-${callees.get(e.name)}`);
      else if (GCP_REPLACED.has(e.name)) expect(local[e.name]).toBeDefined();
      else if (e.value_source !== undefined) expect(local[e.name]).toBe(`secret-of-${e.name}`);
      else if (!e.value!.includes('${')) expect(`${e.name}=${local[e.name]}`).toBe(`${e.name}=${e.value}`);
      else expect(local[e.name]).not.toContain('${');
    }
    const added = Object.keys(local).filter((k) => !cloud.some((e) => e.name === k)).sort();
    expect(added).toEqual(['API_DOCS', 'FIRESTORE_EMULATOR_HOST', 'METADATA_SERVER_DETECTION', 'NODE_ENV', 'PORT', 'PUBSUB_EMULATOR_HOST', ...(cloud.some((e) => e.name === 'GOOGLE_CLOUD_PROJECT') ? [] : ['GOOGLE_CLOUD_PROJECT'])].sort());
  });

  test('the subscriptions keep their filters, dead-letter policies (max_retries) and ack deadlines; pushes go to the local services', () => {
    const mailer = plan.subscriptions.find((x) => x.name.endsWith('-from-order-api') || x.name.endsWith('-notification-service-from-order-service'))!;
    expect(mailer.filter).toMatch(/^attributes\.type = "Order(Created|Placed)"/);
    expect(mailer.deadLetter?.maxDeliveryAttempts).toBe(5);
    expect(mailer.push?.endpoint).toMatch(/^http:\/\/svc-[a-z-]+\/events$/);
    expect(passesFilter(mailer.filter!, { type: 'OrderCreated' })).toBe(true);
    expect(passesFilter(mailer.filter!, { type: 'Other' })).toBe(false);
  });
});
