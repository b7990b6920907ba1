/**
 * The local plan gives every service the configuration its workload has in the cloud: the variables of its Lambda
 * functions and ECS containers in the synthesized templates, each plain value unchanged, each reference resolved to
 * what the local run creates, and only the documented few (docs/dev.md) replaced or left out.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { awsLocalPlan } from '../../src/dev/aws-plan';
import { Resolver } from '../../src/dev/aws-local';
import { flyLocalPlan } from '../../src/dev/fly-plan';
import { gcpLocalPlan, passesFilter } from '../../src/dev/gcp-plan';
import type { CfnTemplate } from '../../src/dev/aws-local';
import { calleeUrlVariable, calleesOf } from '../../src/model/environment';
import { synthesize } from '../../src/synth';
import { appPlan, planServices } from '../../src/targets/fly/app';
import { callerKeyVariable, signingKeyVariable } from '../../src/targets/fly/naming';
import { natsPasswordVariable } from '../../lib-constructs/fly/nats-bus';
import { databaseName } from '../../src/model/names';
import { validateSource } from '../../src/validate';
import { GetBucketVersioningCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../src/dev/aws-plan';
import { awsClients, provisionAws, type AwsSdk } from '../../src/dev/aws-provision';
import { flyBucketName } from '../../src/targets/fly/naming';
import { gcpBucketName } from '../../src/targets/gcp/naming';
import { startMoto, type Moto } from '../aws/moto';
import { describeWithReferee } from '../referees';
import { storageArchitecture } from '../storage-architecture';

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
    bucketsDir: '/tmp/buckets',
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

/** Replaced on fly by a local value (by name), or left out to the runner (docs/dev.md). */
const FLY_REPLACED = new Set(['NATS_URL', 'PORT', 'INBOUND_AUTH']);
const FLY_LEFT_OUT = new Set(['SCHEDULE_CRON', 'SCHEDULE_TIMEZONE']);

describe.each(['examples/shop-fly/architecture.yaml', 'fixtures/dev/system-fly.yaml'])('%s: the local environment is the Fly app one', (file) => {
  const v = validateSource('architecture.yaml', readFileSync(join(root, file), 'utf8'), { env: {} });
  const model = v.model!;
  const outputs = synthesize(model, { validation: false }).outputs;
  const plan = flyLocalPlan(model, {
    natsPort: 4222,
    natsMonitorPort: 8222,
    natsStoreDir: '/tmp/js',
    serviceUrl: (name) => `http://svc-${name}`,
    port: () => 9999,
    databaseUrl: (db) => `postgres://local/${db}`,
    cacheUrl: 'redis://local',
    bucketsDir: '/tmp/buckets',
    secret: (name) => (name === 'NATS_ADMIN_PASSWORD' ? undefined : `secret-of-${name}`),
  });
  const apps = new Map(planServices(model).map((p) => [p.service.name, appPlan(p)]));

  test.each(model.services.map((s) => s.name))('%s', (name) => {
    const service = model.services.find((s) => s.name === name)!;
    const toml = parseToml(outputs.find((f) => f.path === `infrastructure/fly/default/${name}/fly.toml`)!.content) as { env?: Record<string, string> };
    const env = toml.env ?? {};
    const secrets = apps.get(name)!.secrets;
    const local = plan.environments.get(name)!;
    const callees = new Map(calleesOf(service.spec).map((c) => [calleeUrlVariable(c), c]));
    for (const [k, value] of Object.entries(env)) {
      if (FLY_LEFT_OUT.has(k)) expect(local[k]).toBeUndefined();
      else if (callees.has(k)) expect(local[k]).toBe(`http://svc-${callees.get(k)}`);
      else if (FLY_REPLACED.has(k)) expect(local[k]).toBeDefined();
      else expect(`${k}=${local[k]}`).toBe(`${k}=${value}`);
    }
    if (env.NATS_URL !== undefined) expect(local.NATS_URL).toBe('nats://127.0.0.1:4222');
    if (env.INBOUND_AUTH !== undefined) expect(local.INBOUND_AUTH).toBe('ed25519-optional');
    // every secret deploy.sh sets, with its local value
    for (const { name: secret, source } of secrets) {
      if (source.kind === 'file') expect(local[secret]).toBe(`secret-of-${secret}`);
      else if (source.kind === 'postgres') expect(local[secret]).toBe(`postgres://local/${databaseName(name)}`);
      else if (source.kind === 'cache') expect(local[secret]).toBe('redis://local');
      else expect(local[secret]).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    }
    const added = Object.keys(local).filter((k) => env[k] === undefined && !secrets.some((s) => s.name === k)).sort();
    expect(added).toEqual(['API_DOCS', 'NODE_ENV']);
  });

  test("each edge's key pair: what the caller signs with, its callee verifies with", () => {
    const edges = model.services.flatMap((s) => calleesOf(s.spec).map((callee) => [s.name, callee] as const));
    expect(edges.length).toBeGreaterThan(0);
    for (const [caller, callee] of edges) {
      const privateKey = createPrivateKey({ key: Buffer.from(plan.environments.get(caller)![signingKeyVariable(callee)]!, 'base64'), format: 'der', type: 'pkcs8' });
      const publicKey = createPublicKey({ key: Buffer.from(plan.environments.get(callee)![callerKeyVariable(caller)]!, 'base64'), format: 'der', type: 'spki' });
      expect(verify(null, Buffer.from('x'), publicKey, sign(null, Buffer.from('x'), privateKey))).toBe(true);
    }
  });

  test("the bus runs the bus app's users and permissions on loopback; each service's password is the bus's for it", () => {
    const shipped = outputs.find((f) => f.path === 'infrastructure/fly/default/nats/nats.conf')!.content;
    const bus = plan.bus!;
    const strip = (conf: string) => conf.replace(/^(listen|http): .*$/gm, '').replace(/^ {2}store_dir: .*$/m, '');
    // the shipped file is the same configuration behind allframe's marker line
    expect(strip(shipped)).toBe(`${shipped.split('\n')[0]!}\n${strip(bus.config)}`);
    expect(bus.config).toContain('listen: "127.0.0.1:4222"');
    expect(bus.config).toContain('store_dir: "/tmp/js"');
    for (const s of model.services) {
      const password = plan.environments.get(s.name)!.NATS_PASSWORD;
      if (password !== undefined) expect(bus.env[natsPasswordVariable(s.name)]).toBe(password);
    }
    expect(bus.env.NATS_ADMIN_PASSWORD).toBe(bus.adminPassword);
  });
});

describe('object storage (services[].storage) in local runs', () => {
  /** An architecture on `cloud` with a bucket owned by `archive` and read by `reports`, and a service with neither. */
  const withStorage = storageArchitecture;
  const modelOf = (text: string) => {
    const v = validateSource('architecture.yaml', text, { env: {} });
    expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return v.model!;
  };
  const objectStore = (env: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(env).filter(([k]) => k === 'OBJECT_STORE' || k === 'OBJECT_STORE_DIR' || k.startsWith('BUCKET_') || k.startsWith('AWS_ENDPOINT_URL_S3')));

  test('GIVEN a bucket on gcp WHEN planned THEN each bucket is a directory (OBJECT_STORE=fs): the owner has BUCKET_NAME, a reader BUCKET_<OWNER>, others nothing', () => {
    // GIVEN
    const model = modelOf(withStorage('cloud: { primary: gcp, gcp: { project_id: file-shop-1, region: europe-west1, state_bucket: file-shop-tf-state } }'));
    const outputs = synthesize(model, { validation: false }).outputs;
    // WHEN
    const plan = gcpLocalPlan(model, outputs, { pubsubHost: 'p:1', firestoreHost: 'f:2', serviceUrl: (n) => `http://svc-${n}`, port: () => 9999, databaseUrl: (db) => db, cacheUrl: 'redis://local', bucketsDir: '/run/buckets', secret: (n) => n });
    // THEN
    expect(objectStore(plan.environments.get('archive')!)).toEqual({ OBJECT_STORE: 'fs', OBJECT_STORE_DIR: '/run/buckets', BUCKET_NAME: gcpBucketName(model, 'archive') });
    expect(objectStore(plan.environments.get('reports')!)).toEqual({ OBJECT_STORE: 'fs', OBJECT_STORE_DIR: '/run/buckets', BUCKET_ARCHIVE: gcpBucketName(model, 'archive') });
    expect(objectStore(plan.environments.get('ledger')!)).toEqual({});
    expect(plan.buckets).toEqual([gcpBucketName(model, 'archive')]);
  });

  test('GIVEN a bucket on fly WHEN planned THEN it is a directory named as its Tigris bucket, and none of the Tigris keys or region is given', () => {
    // GIVEN
    const model = modelOf(withStorage('cloud: { primary: fly, fly: { org: acme, primary_region: ams } }', false));
    // WHEN
    const plan = flyLocalPlan(model, { natsPort: 4222, natsMonitorPort: 8222, natsStoreDir: '/tmp/js', serviceUrl: (n) => `http://svc-${n}`, port: () => 9999, databaseUrl: (db) => db, cacheUrl: 'redis://local', bucketsDir: '/run/buckets', secret: () => undefined });
    // THEN
    const archive = plan.environments.get('archive')!;
    expect(objectStore(archive)).toEqual({ OBJECT_STORE: 'fs', OBJECT_STORE_DIR: '/run/buckets', BUCKET_NAME: flyBucketName(model, 'archive') });
    expect(Object.keys(archive).filter((k) => k.startsWith('AWS_'))).toEqual([]);
    expect(objectStore(plan.environments.get('ledger')!)).toEqual({});
    expect(plan.buckets).toEqual([flyBucketName(model, 'archive')]);
  });

  describe('on aws: the template\'s buckets are created on moto', () => {
    const model = modelOf(withStorage('cloud: { primary: aws, aws: { region: eu-west-1 } }'));
    // the AWS target's buckets: the data bucket named <prefix>-<service>-<account>-<region> (the account moto's), its
    // server access log bucket named by CloudFormation, a bucket policy each (left out locally)
    const BUCKET = 'file-shop-archive-123456789012-eu-west-1';
    const LOGS = 'file-shop-archive-storageaccesslogs96fb524c';
    const outputs = synthesize(model, { validation: false }).outputs;
    const place = (endpoint: string) => ({ endpoint, serviceUrl: (n: string) => `http://svc-${n}`, port: () => 9999, databaseUrl: (db: string) => db, cacheUrl: 'redis://local' });

    test('GIVEN the template\'s buckets WHEN planned THEN both buckets are planned, the log bucket first, the policy left out; BUCKET_NAME is the bucket, and S3 is reached at moto', () => {
      // WHEN
      const plan = awsLocalPlan(model, outputs, place('http://127.0.0.1:4700'));
      // THEN
      const buckets = plan.planned.filter((p) => p.type === 'AWS::S3::Bucket').map((p) => p.name);
      expect(buckets).toEqual([LOGS, BUCKET]);
      expect(plan.planned.some((p) => (p.type as string) === 'AWS::S3::BucketPolicy')).toBe(false);
      expect(objectStore(plan.environments.get('archive')!)).toEqual({ OBJECT_STORE: 's3', BUCKET_NAME: BUCKET, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4700' });
      expect(objectStore(plan.environments.get('reports')!)).toEqual({ OBJECT_STORE: 's3', BUCKET_ARCHIVE: BUCKET, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4700' });
      expect(objectStore(plan.environments.get('ledger')!)).toEqual({});
    });

    describeWithReferee('moto_server', 'on a real moto_server', () => {
      let moto: Moto | undefined;
      beforeAll(async () => {
        moto = await startMoto();
      }, 60_000);
      afterAll(async () => {
        await moto?.stop();
      });

      test('GIVEN the plan WHEN provisioned THEN moto has both buckets, the versioned one versioned', async () => {
        // GIVEN
        const plan = awsLocalPlan(model, outputs, place(moto!.endpoint));
        /* eslint-disable @typescript-eslint/no-require-imports -- the SDK modules, as allframe dev loads them from the workspace */
        const sdk: AwsSdk = {
          sqs: require('@aws-sdk/client-sqs') as AwsSdk['sqs'],
          sns: require('@aws-sdk/client-sns') as AwsSdk['sns'],
          eventbridge: require('@aws-sdk/client-eventbridge') as AwsSdk['eventbridge'],
          dynamodb: require('@aws-sdk/client-dynamodb') as AwsSdk['dynamodb'],
          secrets: require('@aws-sdk/client-secrets-manager') as AwsSdk['secrets'],
          s3: () => require('@aws-sdk/client-s3') as ReturnType<AwsSdk['s3']>,
        };
        /* eslint-enable @typescript-eslint/no-require-imports */
        const clients = awsClients(sdk, moto!.endpoint, plan.where.region);
        try {
          // WHEN
          await provisionAws(sdk, clients, plan.templates, plan.planned, plan.attributes, plan.where);
          // THEN
          const s3 = new S3Client({ endpoint: moto!.endpoint, region: plan.where.region, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
          const listed = await s3.send(new ListBucketsCommand({}));
          expect((listed.Buckets ?? []).map((b) => b.Name).sort()).toEqual([BUCKET, LOGS].sort());
          expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
          expect((await s3.send(new GetBucketVersioningCommand({ Bucket: LOGS }))).Status).toBe('Enabled'); // log buckets are versioned too
          // and the owner writes and the reader reads through S3 at moto, path-style
          await s3.send(new PutObjectCommand({ Bucket: plan.environments.get('archive')!.BUCKET_NAME, Key: 'a.txt', Body: 'hello' }));
          const got = await s3.send(new GetObjectCommand({ Bucket: plan.environments.get('reports')!.BUCKET_ARCHIVE, Key: 'a.txt' }));
          expect(await got.Body!.transformToString()).toBe('hello');
          s3.destroy();
        } finally {
          clients.destroy();
        }
      }, 60_000);
    });
  });
});
