/**
 * What the Fly.io target writes, read back: each archetype's app (sizes, checks, scaling, process groups, the
 * configuration the generated code reads), the bus and its server configuration (accepted by a real nats-server),
 * environments, and a fly.toml problem refusing the whole output, located at its service.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIGRIS_BUCKET_NAME_MAX_LENGTH } from '../../../lib-constructs/core/cloud-limits';
import { appPlan, planServices } from '../../../src/targets/fly/app';
import { flyBucketName } from '../../../src/targets/fly/naming';
import { synthFly } from '../../../src/targets/fly/synth';
import { describeWithReferee, locateReferee } from '../../referees';
import { FLY_FIXTURES, FLY_REFERENCE, flyModel, synth } from './helpers';

const fixture = (name: string) => flyModel(join(FLY_FIXTURES, `${name}.yaml`));

describe('the Fly.io apps of the reference', () => {
  const out = synth(flyModel(FLY_REFERENCE));

  test('one app per service, the bus, deploy.sh; nothing else', () => {
    expect(out.result.problems).toEqual([]);
    const paths = [...out.files.keys()];
    expect(paths.filter((p) => p.endsWith('/fly.toml'))).toHaveLength(14);
    expect(paths).toEqual(expect.arrayContaining(['infrastructure/fly/default/deploy.sh', 'infrastructure/fly/default/nats/nats.conf', 'infrastructure/fly/default/nats/Dockerfile']));
    expect(out.result.files.find((f) => f.path.endsWith('deploy.sh'))!.executable).toBe(true);
  });

  test('a public service is reachable from the internet over HTTPS; an internal one is not forced to HTTPS (its callers use .flycast)', () => {
    const bff = out.app('web-bff');
    const users = out.app('user-service');
    expect(bff.http_service).toMatchObject({ internal_port: 8080, force_https: true, auto_stop_machines: 'stop', auto_start_machines: true });
    expect(users.http_service).toMatchObject({ force_https: false });
    expect(bff.env).toMatchObject({ USER_SERVICE_URL: 'http://shop-platform-user-service.flycast', OUTBOUND_AUTH: 'ed25519', INBOUND_AUTH: 'ed25519-optional' });
    expect(users.env).toMatchObject({ INBOUND_AUTH: 'ed25519' });
    expect(users.env!['TRUSTED_CALLERS']!.split(',')).toContain('web-bff');
  });

  test('every HTTP service has the check that gates deploys on /healthz, and the size the file asks for', () => {
    for (const [path, text] of out.files) {
      if (!path.endsWith('/fly.toml') || path.includes('/nats/')) continue;
      const app = out.app(path.split('/')[3]!);
      expect([path, (app.http_service!['checks'] as { path: string }[])[0]!.path]).toEqual([path, '/healthz']);
      expect(text).toContain('[[vm]]');
    }
    expect(out.app('order-service')['vm']).toEqual([{ cpu_kind: 'shared', cpus: 1, memory: '512mb' }]);
  });

  test('no secret value is written: secrets are names in deploy.sh, values come from the environment', () => {
    const all = [...out.files.values()].join('\n');
    expect(all).not.toMatch(/sk_live|BEGIN PRIVATE KEY|password\s*=\s*"[^$]/i);
    const deploy = out.text('infrastructure/fly/default/deploy.sh');
    expect(deploy).toContain('PAYMENT_GATEWAY__STRIPE_API_KEY: STRIPE_API_KEY of payment-gateway (issued outside allframe)');
    expect(deploy).toMatch(/^set -euo pipefail$/m);
  });
});

describe('each archetype on Fly.io', () => {
  test('a consumer runs all the time, consuming from JetStream with max_deliver = max_retries and ack_wait = its timeout', () => {
    const out = synth(fixture('consumer'));
    const app = out.app('email-notifier');
    expect(app.http_service).toMatchObject({ auto_stop_machines: 'off' });
    expect(app.env).toMatchObject({
      NATS_URL: 'nats://order-notifications-nats.internal:4222',
      NATS_USER: 'email-notifier',
      NATS_STREAM: 'ORDER_NOTIFICATIONS_EVENTS',
      NATS_CONSUMER: 'email-notifier',
      NATS_FILTER_SUBJECTS: 'order-notifications.events.order-service.OrderPlaced,order-notifications.events.order-service.OrderShipped',
      NATS_MAX_DELIVER: '5',
      NATS_ACK_WAIT_SECONDS: '20',
      NATS_DLQ_SUBJECT: 'order-notifications.dlq.email-notifier',
    });
    // it runs min_instances Machines, at least one: nothing would start a stopped consumer
    expect(out.text('infrastructure/fly/default/deploy.sh')).toContain(`"$FLYCTL" scale count app=1 --app 'order-notifications-email-notifier'`);
  });

  test('a publisher publishes to its own subjects on the bus', () => {
    const app = synth(fixture('consumer')).app('order-service');
    expect(app.env).toMatchObject({ EVENT_BUS: 'nats', EVENT_TARGET: 'order-notifications.events.order-service', NATS_USER: 'order-service' });
    expect(app.env!['NATS_PASSWORD']).toBeUndefined();
  });

  test('an HTTP service with the outbox pattern: an HTTP process group that stops when idle, and a worker that relays', () => {
    const model = fixture('stateless');
    const outboxed = model.services.find((s) => s.spec.messaging?.pattern === 'outbox');
    expect(outboxed).toBeDefined();
    const app = synth(model).app(outboxed!.name);
    expect(app.processes).toEqual({ app: 'node index.js --role=http', worker: 'node index.js' });
    expect(app.http_service).toMatchObject({ processes: ['app'], auto_stop_machines: 'stop' });
    expect(app['checks']).toMatchObject({ worker: { type: 'http', port: 8080, path: '/healthz', processes: ['worker'] } });
  });

  test('a saga orchestrator: HTTP Machines that stop when idle, and one worker always running that resumes the sagas a stopped Machine left', () => {
    const model = fixture('saga-orchestrator');
    const s = model.services.find((x) => x.kind === 'saga-orchestrator')!;
    const out = synth(model);
    const app = out.app(s.name);
    expect(app.processes).toEqual({ app: 'node index.js --role=http', worker: 'node index.js' });
    expect(app.http_service).toMatchObject({ processes: ['app'], auto_stop_machines: 'stop' });
    expect(app.env).toMatchObject({ STORE: 'postgres' });
    expect(out.text('infrastructure/fly/default/deploy.sh')).toMatch(new RegExp(`scale count app=\\d+ worker=1 --app '${model.platform.fly.app_prefix}-${s.name}'`));
  });

  test('a scheduled service fires its own cron in its time zone, on one Machine that never stops', () => {
    const model = fixture('scheduled');
    const s = model.services.find((x) => x.kind === 'scheduled')!;
    const out = synth(model);
    const app = out.app(s.name);
    expect(app.env).toMatchObject({ SCHEDULE_CRON: s.spec.schedule!.cron, SCHEDULE_TIMEZONE: s.sizing.schedule.timezone });
    expect(app.http_service).toMatchObject({ auto_stop_machines: 'off' });
    expect(out.text('infrastructure/fly/default/deploy.sh')).toContain(`scale count app=1 --app '${model.platform.fly.app_prefix}-${s.name}'`);
  });

  test('a WebSocket gateway is limited by connections, websocket.max_connections_per_instance of them', () => {
    const model = fixture('websocket-gateway');
    const s = model.services.find((x) => x.kind === 'websocket-gateway')!;
    expect(synth(model).app(s.name).http_service!['concurrency']).toMatchObject({ type: 'connections', hard_limit: s.spec.websocket?.max_connections_per_instance ?? 1000 });
  });

  test('a WebSocket gateway follows its subscribed events on every Machine: a broadcast, with no durable, retries nor dead letters', () => {
    // GIVEN the gateway of live-scores, subscribed to ScoreChanged and MatchEnded of match-service
    const out = synth(fixture('websocket-gateway'));
    const app = out.app('live-updates');
    // THEN it runs all the time, and knows the stream and the subjects, not a durable's settings
    expect(app.http_service).toMatchObject({ auto_stop_machines: 'off' });
    expect(app.env).toMatchObject({
      NATS_URL: 'nats://live-scores-nats.internal:4222',
      NATS_USER: 'live-updates',
      NATS_STREAM: 'LIVE_SCORES_EVENTS',
      NATS_CONSUMER: 'live-updates',
      NATS_FILTER_SUBJECTS: 'live-scores.events.match-service.MatchEnded,live-scores.events.match-service.ScoreChanged',
    });
    for (const name of ['NATS_MAX_DELIVER', 'NATS_ACK_WAIT_SECONDS', 'NATS_DLQ_SUBJECT']) expect(app.env![name]).toBeUndefined();
    // AND the bus lets it create consumers on those subjects only, and nothing of a durable
    const conf = out.text('infrastructure/fly/default/nats/nats.conf');
    const user = conf.slice(conf.indexOf('user: "live-updates"'), conf.indexOf('}\n    }', conf.indexOf('user: "live-updates"')));
    expect(user).toContain('"$JS.API.CONSUMER.CREATE.LIVE_SCORES_EVENTS.*.live-scores.events.match-service.MatchEnded"');
    expect(user).toContain('"$JS.API.CONSUMER.CREATE.LIVE_SCORES_EVENTS.*.live-scores.events.match-service.ScoreChanged"');
    expect(user).not.toMatch(/MSG\.NEXT|\$JS\.ACK|dlq|DELETE/);
  });

  test('a stream processor keeps its windows on one Machine, always running', () => {
    const model = fixture('stream-processor');
    const s = model.services.find((x) => x.kind === 'stream-processor')!;
    const out = synth(model);
    expect(out.app(s.name).http_service).toMatchObject({ auto_stop_machines: 'off' });
    expect(out.text('infrastructure/fly/default/deploy.sh')).toContain(`scale count app=1 --app '${model.platform.fly.app_prefix}-${s.name}'`);
  });

  test('a service with data gets its DATABASE_URL from Fly Managed Postgres and its tables prefixed with its app', () => {
    const out = synth(fixture('consumer'));
    expect(out.app('order-service').env).toMatchObject({ STORE: 'postgres', TABLE_PREFIX: 'order-notifications-order-service' });
    expect(out.text('infrastructure/fly/default/deploy.sh')).toContain(`attach_postgres 'order-notifications-order-service'`);
  });
});

describe('object storage (services[].storage) on Fly.io: a Tigris bucket per app', () => {
  const text = [
    'architecture: { name: shop }',
    'cloud: { primary: fly, fly: { org: acme, primary_region: ams } }',
    'services:',
    '  - { name: api, type: stateless, public: true, storage: {} }',
    '  - { name: ledger, type: stateless }',
    '',
  ].join('\n');

  test('GIVEN a service with storage WHEN synthesized THEN its fly.toml reads the bucket over S3 in Tigris\'s region, and its keys are secrets deploy.sh gets from fly storage create', () => {
    // GIVEN
    const model = flyModel('architecture.yaml', { text });
    // WHEN
    const out = synth(model);
    // THEN
    expect(out.result.problems).toEqual([]);
    expect(out.app('api').env).toMatchObject({ OBJECT_STORE: 's3', AWS_REGION: 'auto' });
    expect(out.app('api').env).not.toHaveProperty('BUCKET_NAME');
    const api = planServices(model).map(appPlan).find((p) => p.service === 'api')!;
    expect(api.bucket).toBe('shop-api-data');
    expect(api.secrets.filter((x) => x.source.kind === 'bucket').map((x) => x.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_S3', 'AWS_SECRET_ACCESS_KEY', 'BUCKET_NAME']);
    expect(out.text('infrastructure/fly/default/deploy.sh')).toContain(`ensure_bucket 'shop-api' 'shop-api-data'`);
  });

  test('GIVEN a service without storage WHEN synthesized THEN nothing of the object store is in its app', () => {
    const out = synth(flyModel('architecture.yaml', { text }));
    const env = out.app('ledger').env ?? {};
    expect(Object.keys(env).filter((k) => k === 'OBJECT_STORE' || k === 'AWS_REGION' || k.startsWith('BUCKET_'))).toEqual([]);
    expect(out.text('infrastructure/fly/default/deploy.sh')).not.toContain(`ensure_bucket 'shop-ledger'`);
  });

  test('bucket names are global on Tigris: <app>-data, lowercase, at most 63 characters (a long app name keeps its start and a hash)', () => {
    const model = flyModel('architecture.yaml', { text });
    expect(flyBucketName(model, 'api')).toBe('shop-api-data');
    const long = 'a'.repeat(30);
    const longModel = flyModel('architecture.yaml', { text: text.replace('name: shop }', `name: ${long} }`).replace('name: api,', `name: ${'b'.repeat(30)},`) });
    const name = flyBucketName(longModel, 'b'.repeat(30));
    expect(name.length).toBeLessThanOrEqual(TIGRIS_BUCKET_NAME_MAX_LENGTH);
    expect(name).toMatch(/^a{30}-b+-[0-9a-f]{8}$/);
    expect(flyBucketName(longModel, 'b'.repeat(30))).toBe(name);
  });
});

describe('environments, determinism and refusals', () => {
  test('with --env, the apps are named for the environment and written under it', () => {
    const text = `architecture: { name: shop }\ncloud: { primary: fly, fly: { primary_region: ams } }\nenvironments: { prod: { cloud: { fly: { primary_region: fra } } } }\nservices:\n  - { name: api, type: stateless, public: true }\n`;
    const out = synth(flyModel('architecture.yaml', { text, environment: 'prod' }));
    expect(out.app('api', 'prod')).toMatchObject({ app: 'shop-prod-api', primary_region: 'fra' });
  });

  test('a fly.toml that breaks a rule refuses the whole output, located at its service', () => {
    const model = fixture('consumer');
    const r = synthFly(model, (config, file) => (config.app.endsWith('email-notifier') ? [{ code: 'AF5202', message: 'no checks', pointer: '/http_service', file }] : []));
    expect(r.files).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'AF5202', path: ['services', 1], message: 'infrastructure/fly/default/email-notifier/fly.toml at /http_service: no checks' })]);
  });
});

describeWithReferee('nats-server', 'the bus configuration on a real nats-server', () => {
  test('nats-server accepts the reference bus configuration once the passwords are set, and refuses it without them', () => {
    const conf = synth(flyModel(FLY_REFERENCE)).text('infrastructure/fly/default/nats/nats.conf');
    const dir = mkdtempSync(join(tmpdir(), 'allframe-nats-conf-'));
    try {
      const file = join(dir, 'nats.conf');
      writeFileSync(file, conf);
      const names = [...conf.matchAll(/\$(NATS_[A-Z0-9_]+)/g)].map((m) => m[1]!);
      const env = { PATH: process.env['PATH'] ?? '', ...Object.fromEntries(names.map((n) => [n, `p${n.length}secret`])) };
      const server = locateReferee('nats-server');
      if (!server.found) throw new Error('nats-server not found');
      expect(() => execFileSync(server.path, ['-t', '-c', file], { env, stdio: 'pipe' })).not.toThrow();
      expect(() => execFileSync(server.path, ['-t', '-c', file], { env: { PATH: env.PATH }, stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
