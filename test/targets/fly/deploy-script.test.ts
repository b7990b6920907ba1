/**
 * deploy.sh, run with bash against a recording stand-in for flyctl (flyctl-standin.sh, on PATH): the calls it makes
 * and their order, what Fly holds afterwards, that a second run creates nothing, that secret values never reach a
 * command line or the script's output, and that ShellCheck and `bash -n` accept the script of every Fly fixture and
 * of the reference.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { appPlan, planServices, TIGRIS_SECRETS, type FlyAppPlan } from '../../../src/targets/fly/app';
import { natsPasswordVariable } from '../../../lib-constructs/fly/nats-bus';
import { MPG_CLUSTER_VARIABLE } from '../../../src/targets/fly/deploy-script';
import { busAppName, callerKeyVariable, flyDir, secretSourceVariable } from '../../../src/targets/fly/naming';
import { synthFly } from '../../../src/targets/fly/synth';
import { describeWithReferee } from '../../referees';
import { FlyctlStandIn, type FlyctlCall, type StandInOptions } from './flyctl-standin';
import { FLY_FIXTURES, FLY_REFERENCE, flyFixtureFiles, flyModel } from './helpers';

const CONSUMER = join(FLY_FIXTURES, 'consumer.yaml');
const READ_ONLY = new Set(['status', 'secrets list', 'volumes list', 'ips list']);
const CLUSTER = 'mpg-0123456789';

/** An architecture synthesized for Fly.io: its files, its plans, and where deploy.sh is. */
interface Synthesized {
  readonly files: ReturnType<typeof synthFly>['files'];
  readonly plans: readonly FlyAppPlan[];
  readonly bus: string;
  readonly script: string;
  readonly text: string;
}

function synthesized(file: string, text?: string): Synthesized {
  const model = flyModel(file, text !== undefined ? { text } : {});
  const result = synthFly(model);
  expect(result.problems).toEqual([]);
  const script = `${flyDir(model)}/deploy.sh`;
  return { files: result.files, plans: planServices(model).map(appPlan), bus: busAppName(model), script, text: result.files.find((f) => f.path === script)!.content };
}

/** A call's subcommand: `deploy`, `status`, or its first two words (`apps create`, `secrets list`). */
function subcommand(call: FlyctlCall): string {
  const [first = '', second = ''] = call.argv;
  return first === 'deploy' || first === 'status' ? first : `${first} ${second}`;
}

function flag(call: FlyctlCall, name: string): string | undefined {
  const i = call.argv.indexOf(name);
  return i >= 0 ? call.argv[i + 1] : undefined;
}

/** The words of a call before its first flag (`secrets set NAME=-`). */
function words(call: FlyctlCall): readonly string[] {
  const i = call.argv.findIndex((a) => a.startsWith('--'));
  return i < 0 ? call.argv : call.argv.slice(0, i);
}

/** The secrets a call sets on its app, by name (`secrets import`, which deploy.sh does not use, names them on its standard input). */
function setNames(call: FlyctlCall): string[] {
  if (subcommand(call) === 'secrets import') return [...(call.stdinNames ?? [])];
  if (subcommand(call) === 'secrets set') return words(call).slice(2).map((w) => w.replace(/=.*$/, ''));
  if (subcommand(call) === 'mpg attach') return ['DATABASE_URL'];
  if (subcommand(call) === 'storage create') return [...TIGRIS_SECRETS];
  return [];
}

const changes = (calls: readonly FlyctlCall[]) => calls.filter((c) => !READ_ONLY.has(subcommand(c)));
const of = (calls: readonly FlyctlCall[], sub: string) => calls.filter((c) => subcommand(c) === sub);
const appsOf = (calls: readonly FlyctlCall[], sub: string) => of(calls, sub).map((c) => (sub === 'apps create' ? c.argv[2]! : flag(c, '--app')!));

/** The variables deploy.sh needs from the environment (none of them generated), from the plans. */
function requiredVariables(plans: readonly FlyAppPlan[]): string[] {
  const vars = plans.flatMap((p) =>
    p.secrets.flatMap(({ name, source }) => {
      if (source.kind === 'postgres') return [MPG_CLUSTER_VARIABLE];
      if (source.kind === 'cache' || (source.kind === 'file' && source.managed === 'external')) return [secretSourceVariable(p.service, name)];
      return [];
    }),
  );
  return [...new Set(vars)].sort();
}

/** The variables the script's header lists for its reader. */
function headerVariables(text: string): string[] {
  return [...text.matchAll(/^# {3}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]!).sort();
}

/** A value for every variable deploy.sh needs: the cluster's id, a Redis URL for caches, a distinctive secret otherwise. */
function completeEnvironment(plans: readonly FlyAppPlan[]): Record<string, string> {
  return Object.fromEntries(
    requiredVariables(plans).map((v) => {
      const secret = randomBytes(12).toString('hex');
      if (v === MPG_CLUSTER_VARIABLE) return [v, CLUSTER];
      if (v.endsWith('__CACHE_URL')) return [v, `rediss://default:${secret}@fly-cache.upstash.io:6379`];
      return [v, `value-of-${v.toLowerCase()}-${secret}`];
    }),
  );
}

/** The variables listed by deploy.sh's refusal to start. */
function missingNamed(stderr: string): string[] {
  expect(stderr).toContain('deploy.sh: set these in the environment first (nothing was changed):');
  return [...stderr.matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]!);
}

const appOf = (plans: readonly FlyAppPlan[], service: string) => plans.find((p) => p.service === service)!.app;
const busUsers = (plans: readonly FlyAppPlan[]) => plans.filter((p) => p.secrets.some((s) => s.source.kind === 'nats-password'));
const edges = (plans: readonly FlyAppPlan[]) =>
  plans.flatMap((p) => p.secrets.flatMap(({ name, source }) => (source.kind === 'signing-key' ? [{ caller: p, signing: name, callee: appOf(plans, source.callee), callerKey: callerKeyVariable(p.service) }] : [])));

/** The public half of a base64 PKCS#8 DER Ed25519 private key, as base64 SPKI DER. */
function publicHalf(privateKey: string): string {
  const key = createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  expect(key.asymmetricKeyType).toBe('ed25519');
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

describe('deploy.sh against a recording flyctl, one run', () => {
  let fly: FlyctlStandIn;
  beforeEach(() => {
    fly = new FlyctlStandIn();
  });
  afterEach(() => fly.remove());

  const deploy = (s: Synthesized, vars: Readonly<Record<string, string>>, options: StandInOptions = {}) => fly.run(join(fly.repo(s.files), s.script), vars, options);

  test('GIVEN the reference and none of its secrets in the environment WHEN deploy.sh runs THEN it stops before changing anything, naming every missing variable once', () => {
    // GIVEN
    const s = synthesized(FLY_REFERENCE);
    // WHEN
    const r = deploy(s, {});
    // THEN
    expect(r.status).toBe(1);
    const named = missingNamed(r.stderr);
    expect(named).toEqual([...new Set(named)]);
    expect([...named].sort()).toEqual(requiredVariables(s.plans));
    expect(requiredVariables(s.plans)).toEqual(['FLY_MPG_CLUSTER', 'PAYMENT_GATEWAY__STRIPE_API_KEY', 'PRODUCT_CACHE__CACHE_URL', 'USER_SERVICE__STRIPE_API_KEY']);
    expect(changes(fly.takeCalls())).toEqual([]);
    expect(fly.apps()).toEqual([]);
  });

  test('GIVEN a complete environment but one secret WHEN deploy.sh runs THEN only that variable is named, and nothing is changed', () => {
    // GIVEN
    const s = synthesized(FLY_REFERENCE);
    const env = completeEnvironment(s.plans);
    delete env.USER_SERVICE__STRIPE_API_KEY;
    // WHEN
    const r = deploy(s, env);
    // THEN
    expect(r.status).toBe(1);
    expect(missingNamed(r.stderr)).toEqual(['USER_SERVICE__STRIPE_API_KEY']);
    expect(changes(fly.takeCalls())).toEqual([]);
    expect(fly.apps()).toEqual([]);
  });

  test('the header lists every variable deploy.sh needs', () => {
    const s = synthesized(FLY_REFERENCE);
    expect(headerVariables(s.text)).toEqual(requiredVariables(s.plans));
  });

  test('GIVEN the consumer fixture and a complete environment WHEN deploy.sh runs THEN it makes exactly these changes, in this order', () => {
    // GIVEN
    const s = synthesized(CONSUMER);
    const env = completeEnvironment(s.plans);
    // WHEN
    const r = deploy(s, env);
    // THEN
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const made = changes(fly.takeCalls()).map((c) => c.argv.filter((a) => a !== '--yes' && a !== '--remote-only').join(' '));
    const dir = 'infrastructure/fly/default';
    expect(made).toEqual([
      'apps create order-notifications-nats --org acme',
      'apps create order-notifications-order-service --org acme',
      'apps create order-notifications-email-notifier --org acme',
      'volumes create nats_data --app order-notifications-nats --region ams --size 10',
      'secrets set NATS_ADMIN_PASSWORD=- --app order-notifications-nats --stage',
      'secrets set NATS_PASSWORD_ORDER_SERVICE=- --app order-notifications-nats --stage',
      'secrets set NATS_PASSWORD=- --app order-notifications-order-service --stage',
      'secrets set NATS_PASSWORD_EMAIL_NOTIFIER=- --app order-notifications-nats --stage',
      'secrets set NATS_PASSWORD=- --app order-notifications-email-notifier --stage',
      'secrets set SIGNING_KEY_ORDER_SERVICE=- --app order-notifications-email-notifier --stage',
      'secrets set CALLER_KEY_EMAIL_NOTIFIER=- --app order-notifications-order-service --stage',
      `deploy ${dir}/nats --config ${dir}/nats/fly.toml --app order-notifications-nats --no-public-ips`,
      'scale count 1 --app order-notifications-nats --region ams',
      `mpg attach ${CLUSTER} --app order-notifications-order-service`,
      'ips allocate-v6 --private --app order-notifications-order-service',
      `deploy . --config ${dir}/order-service/fly.toml --dockerfile services/order-service/Dockerfile --app order-notifications-order-service --no-public-ips`,
      'scale count app=10 --app order-notifications-order-service --region ams',
      'storage create --app order-notifications-email-notifier --name order-notifications-email-notifier-data', // its bucket (storage), before its secrets and deploy
      'secrets set SMTP_PASSWORD=- --app order-notifications-email-notifier --stage',
      'ips allocate-v6 --private --app order-notifications-email-notifier',
      `deploy . --config ${dir}/email-notifier/fly.toml --dockerfile services/email-notifier/Dockerfile --app order-notifications-email-notifier --no-public-ips`,
      'scale count app=1 --app order-notifications-email-notifier --region ams',
    ]);
    expect(fly.secrets('order-notifications-email-notifier').get('SMTP_PASSWORD')).toBe(env.EMAIL_NOTIFIER__SMTP_PASSWORD);
  });

  test('GIVEN no flyctl WHEN deploy.sh runs THEN it says how to install it, and does nothing', () => {
    // GIVEN
    const s = synthesized(CONSUMER);
    // WHEN
    const r = deploy(s, { ...completeEnvironment(s.plans), FLYCTL: join(fly.dir, 'no-such-flyctl') });
    // THEN
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`deploy.sh: ${join(fly.dir, 'no-such-flyctl')} is not on PATH: install flyctl (https://fly.io/docs/flyctl/install/) and run: flyctl auth login\n`);
    expect(fly.takeCalls()).toEqual([]);
  });

  test('GIVEN FLYCTL naming a flyctl that is not on PATH WHEN deploy.sh runs THEN it uses that one', () => {
    // GIVEN the stand-in under another name, and no flyctl on PATH
    const s = synthesized(CONSUMER);
    const r = deploy(s, { ...completeEnvironment(s.plans), FLYCTL: join(fly.bin, 'flyctl'), PATH: process.env.PATH ?? '' });
    // THEN
    expect(r.status).toBe(0);
    expect(appsOf(fly.takeCalls(), 'deploy')).toEqual(['order-notifications-nats', 'order-notifications-order-service', 'order-notifications-email-notifier']);
  });

  test.each([
    ['a # (a comment to a .env parser)', 'pa#ss word #1'],
    ['quotes around it', '"quoted"'],
    ['single quotes around it', "'quoted'"],
    ['= signs and a leading #', '#a=b=c'],
    ['several lines (a PEM block)', '-----BEGIN KEY-----\nAbC/dEf+==\n-----END KEY-----'],
  ])('GIVEN a secret in the environment with %s WHEN deploy.sh runs THEN Fly holds it exactly', (_what, value) => {
    // GIVEN
    const s = synthesized(CONSUMER);
    // WHEN
    const r = deploy(s, { ...completeEnvironment(s.plans), EMAIL_NOTIFIER__SMTP_PASSWORD: value });
    // THEN
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fly.secrets('order-notifications-email-notifier').get('SMTP_PASSWORD')).toBe(value);
  });

  test.each([
    ['compact JSON (json.Marshal)', { json: 'compact' }],
    ['lists longer than a pipe holds (apps with many secrets, volumes and addresses)', { pad: 1500 }],
  ] as [string, StandInOptions][])('GIVEN deployed apps and flyctl answering with %s WHEN deploy.sh runs again THEN it creates nothing', (_what, options) => {
    // GIVEN
    const s = synthesized(CONSUMER);
    const script = join(fly.repo(s.files), s.script);
    expect(fly.run(script, completeEnvironment(s.plans)).status).toBe(0);
    const made = changes(fly.takeCalls());
    const held = fly.allSecretValues();
    // WHEN
    const r = fly.run(script, {}, options);
    // THEN
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const again = changes(fly.takeCalls());
    expect(again.filter((c) => !['deploy', 'scale count'].includes(subcommand(c)))).toEqual([]);
    expect(of(again, 'deploy')).toEqual(of(made, 'deploy'));
    expect(fly.allSecretValues()).toEqual(held);
    expect(fly.entries('order-notifications-nats', 'volumes')).toEqual(['nats_data 10 ams']);
  });

  test('GIVEN deployed apps and flyctl failing to list secrets WHEN deploy.sh runs THEN it stops with an error, setting and generating nothing', () => {
    // GIVEN
    const s = synthesized(CONSUMER);
    const script = join(fly.repo(s.files), s.script);
    const env = completeEnvironment(s.plans);
    expect(fly.run(script, env).status).toBe(0);
    fly.takeCalls();
    const held = fly.allSecretValues();
    // WHEN
    const r = fly.run(script, env, { fail: 'secrets list' });
    // THEN
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Error: failed to secrets list: 503 Service Unavailable');
    expect(r.stderr).toMatch(/deploy\.sh: .*order-notifications-/);
    expect(changes(fly.takeCalls())).toEqual([]);
    expect(fly.allSecretValues()).toEqual(held);
  });

  test('GIVEN deployed apps, one of which has lost an external secret that is not in the environment WHEN deploy.sh runs THEN it names that variable alone and changes nothing', () => {
    // GIVEN
    const s = synthesized(CONSUMER);
    const script = join(fly.repo(s.files), s.script);
    expect(fly.run(script, completeEnvironment(s.plans)).status).toBe(0);
    fly.unsetSecret('order-notifications-email-notifier', 'SMTP_PASSWORD');
    fly.takeCalls();
    // WHEN
    const r = fly.run(script, {});
    // THEN
    expect(r.status).toBe(1);
    expect(missingNamed(r.stderr)).toEqual(['EMAIL_NOTIFIER__SMTP_PASSWORD']);
    expect(changes(fly.takeCalls())).toEqual([]);
  });

  test('GIVEN a bus password and an edge key that lost one of their halves WHEN deploy.sh runs again THEN each is made anew on both sides, and nothing else changes', () => {
    // GIVEN
    const s = synthesized(CONSUMER);
    const script = join(fly.repo(s.files), s.script);
    expect(fly.run(script, completeEnvironment(s.plans)).status).toBe(0);
    const bus = 'order-notifications-nats';
    const [caller, callee] = ['order-notifications-email-notifier', 'order-notifications-order-service'];
    const before = { bus: fly.secrets(bus), caller: fly.secrets(caller), callee: fly.secrets(callee) };
    fly.unsetSecret(bus, 'NATS_PASSWORD_EMAIL_NOTIFIER');
    fly.unsetSecret(callee, 'CALLER_KEY_EMAIL_NOTIFIER');
    fly.takeCalls();
    // WHEN
    const r = fly.run(script, {});
    // THEN
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const after = { bus: fly.secrets(bus), caller: fly.secrets(caller), callee: fly.secrets(callee) };
    expect(after.bus.get('NATS_PASSWORD_EMAIL_NOTIFIER')).toBe(after.caller.get('NATS_PASSWORD'));
    expect(after.caller.get('NATS_PASSWORD')).not.toBe(before.caller.get('NATS_PASSWORD'));
    expect(after.callee.get('CALLER_KEY_EMAIL_NOTIFIER')).toBe(publicHalf(after.caller.get('SIGNING_KEY_ORDER_SERVICE')!));
    expect(after.caller.get('SIGNING_KEY_ORDER_SERVICE')).not.toBe(before.caller.get('SIGNING_KEY_ORDER_SERVICE'));
    // the other bus user and everything else are as they were
    expect(after.bus.get('NATS_PASSWORD_ORDER_SERVICE')).toBe(before.bus.get('NATS_PASSWORD_ORDER_SERVICE'));
    expect(after.callee.get('NATS_PASSWORD')).toBe(before.callee.get('NATS_PASSWORD'));
    expect(after.callee.get('DATABASE_URL')).toBe(before.callee.get('DATABASE_URL'));
    expect(after.caller.get('SMTP_PASSWORD')).toBe(before.caller.get('SMTP_PASSWORD'));
    expect(changes(fly.takeCalls()).flatMap((c) => setNames(c).map((n) => `${flag(c, '--app')!}:${n}`))).toEqual([
      `${bus}:NATS_PASSWORD_EMAIL_NOTIFIER`,
      `${caller}:NATS_PASSWORD`,
      `${caller}:SIGNING_KEY_ORDER_SERVICE`,
      `${callee}:CALLER_KEY_EMAIL_NOTIFIER`,
    ]);
  });

  describe('a secret allframe manages (generated), and an architecture without a bus', () => {
    const TINY = [
      'architecture: { name: tiny-shop }',
      'cloud:',
      '  primary: fly',
      '  fly: { org: acme, primary_region: ams }',
      'services:',
      '  - name: web-api',
      '    type: stateless',
      '    public: true',
      '    secrets: [SESSION_KEY, { name: PARTNER_TOKEN, managed: external }]',
      '    depends_on: [ledger]',
      '  - name: ledger',
      '    type: stateless',
      '',
    ].join('\n');

    test('GIVEN SESSION_KEY managed by allframe WHEN deploy.sh runs three times THEN it is generated once, kept, and replaced only by a value from the environment', () => {
      // GIVEN
      const s = synthesized(join(FLY_FIXTURES, 'tiny-shop.yaml'), TINY);
      expect(s.text).toContain('#   WEB_API__SESSION_KEY: SESSION_KEY of web-api (generated when unset and the app has none)');
      const script = join(fly.repo(s.files), s.script);
      // WHEN the first run, with only what is required
      const env = completeEnvironment(s.plans);
      expect(Object.keys(env).sort()).toEqual(['FLY_MPG_CLUSTER', 'WEB_API__PARTNER_TOKEN']);
      expect(fly.run(script, env).status).toBe(0);
      // THEN no bus, and a generated key
      expect(fly.apps()).toEqual(['tiny-shop-ledger', 'tiny-shop-web-api']);
      const generated = fly.secrets('tiny-shop-web-api').get('SESSION_KEY');
      // letters and digits, starting with a letter (nats-server reads its passwords as configuration)
      expect(generated).toMatch(/^p[0-9a-f]{64}$/);
      fly.takeCalls();
      // WHEN a second run, with nothing in the environment: kept
      expect(fly.run(script, {}).status).toBe(0);
      expect(fly.secrets('tiny-shop-web-api').get('SESSION_KEY')).toBe(generated);
      expect(changes(fly.takeCalls()).flatMap(setNames)).toEqual([]);
      // WHEN a third run, with a value in the environment: that value
      expect(fly.run(script, { WEB_API__SESSION_KEY: 'session-key-from-the-environment-0123456789' }).status).toBe(0);
      expect(fly.secrets('tiny-shop-web-api').get('SESSION_KEY')).toBe('session-key-from-the-environment-0123456789');
      expect(changes(fly.takeCalls()).flatMap(setNames)).toEqual(['SESSION_KEY']);
    });
  });
});

/** An architecture with a service that has storage (a Tigris bucket) and one that has none. */
const STORE = [
  'architecture: { name: file-shop }',
  'cloud:',
  '  primary: fly',
  '  fly: { org: acme, primary_region: ams }',
  'services:',
  '  - name: uploads',
  '    type: stateless',
  '    public: true',
  '    storage: {}',
  '  - name: catalog',
  '    type: stateless',
  '',
].join('\n');

describe('deploy.sh and a service with storage: its private Tigris bucket, created once', () => {
  const APP = 'file-shop-uploads';
  const BUCKET = 'file-shop-uploads-data';
  let fly: FlyctlStandIn;
  let s: Synthesized;
  let script: string;
  beforeEach(() => {
    fly = new FlyctlStandIn();
    s = synthesized(join(FLY_FIXTURES, 'file-shop.yaml'), STORE);
    script = join(fly.repo(s.files), s.script);
  });
  afterEach(() => fly.remove());

  test('GIVEN a service with storage WHEN deploy.sh runs twice THEN the first run creates its bucket, private, before the app\'s first deploy, and the second creates nothing', () => {
    // WHEN the first run
    const first = fly.run(script, completeEnvironment(s.plans));
    // THEN
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    const calls = fly.takeCalls();
    const created = of(calls, 'storage create');
    expect(created.map((c) => c.argv.join(' '))).toEqual([`storage create --app ${APP} --name ${BUCKET} --yes`]);
    expect(calls.indexOf(created[0]!)).toBeLessThan(calls.findIndex((c) => subcommand(c) === 'deploy' && flag(c, '--app') === APP));
    expect(fly.secrets(APP).get('BUCKET_NAME')).toBe(BUCKET);
    expect([...fly.secrets(APP).keys()].filter((k) => (TIGRIS_SECRETS as readonly string[]).includes(k))).toEqual([...TIGRIS_SECRETS]);
    // the other app has no bucket
    expect(fly.secrets('file-shop-catalog').has('BUCKET_NAME')).toBe(false);
    // flyctl prints the bucket's keys: deploy.sh lets none of them through
    const key = fly.secrets(APP).get('AWS_SECRET_ACCESS_KEY')!;
    expect(first.stdout).not.toContain(key);
    expect(first.stdout).toContain(`==> creating the Tigris bucket ${BUCKET} for ${APP}\n`);
    // WHEN the second run
    const held = fly.allSecretValues();
    const second = fly.run(script, {});
    // THEN
    expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 0, stderr: '' });
    expect(of(fly.takeCalls(), 'storage create')).toEqual([]);
    expect(fly.allSecretValues()).toEqual(held);
  });

  test('GIVEN an app whose bucket exists but which lost BUCKET_NAME WHEN deploy.sh runs THEN it stops naming the bucket, before deploying it', () => {
    // GIVEN
    expect(fly.run(script, completeEnvironment(s.plans)).status).toBe(0);
    fly.unsetSecret(APP, 'BUCKET_NAME');
    fly.takeCalls();
    // WHEN
    const r = fly.run(script, {});
    // THEN
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`deploy.sh: could not create the Tigris bucket ${BUCKET} for ${APP}`);
    expect(appsOf(fly.takeCalls(), 'deploy')).not.toContain(APP);
  });

  test('GIVEN an app that already holds one of the secrets fly storage create sets WHEN deploy.sh runs THEN it stops saying why, before deploying it', () => {
    // GIVEN a first run, then the bucket's secrets gone but one (as if the app had had its own AWS_ACCESS_KEY_ID)
    expect(fly.run(script, completeEnvironment(s.plans)).status).toBe(0);
    for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_SECRET_ACCESS_KEY', 'BUCKET_NAME']) fly.unsetSecret(APP, name);
    fly.removeBucket(BUCKET);
    fly.takeCalls();
    // WHEN
    const r = fly.run(script, {});
    // THEN
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`deploy.sh: flyctl storage create made the bucket ${BUCKET} but set no secrets on ${APP}`);
    expect(appsOf(fly.takeCalls(), 'deploy')).not.toContain(APP);
  });
});

describe('deploy.sh against a recording flyctl, twice', () => {
  describe('GIVEN the reference and a complete environment WHEN deploy.sh runs, and then again with no secrets in the environment', () => {
    let fly: FlyctlStandIn;
    let s: Synthesized;
    let env: Record<string, string>;
    let first: ReturnType<FlyctlStandIn['run']>;
    let second: ReturnType<FlyctlStandIn['run']>;
    let calls: FlyctlCall[];
    let again: FlyctlCall[];
    let openssl: string[][];
    let held: Map<string, Map<string, string>>;
    let heldAfter: Map<string, Map<string, string>>;
    let services: string[];
    let internal: string[];

    beforeAll(() => {
      s = synthesized(FLY_REFERENCE);
      env = completeEnvironment(s.plans);
      services = s.plans.map((p) => p.app);
      internal = s.plans.filter((p) => !p.public).map((p) => p.app).sort();
      fly = new FlyctlStandIn();
      const script = join(fly.repo(s.files), s.script);
      first = fly.run(script, env);
      calls = fly.takeCalls();
      openssl = fly.takeOpensslCalls();
      held = new Map(fly.apps().map((a) => [a, fly.secrets(a)]));
      second = fly.run(script, {});
      again = fly.takeCalls();
      openssl.push(...fly.takeOpensslCalls());
      heldAfter = new Map(fly.apps().map((a) => [a, fly.secrets(a)]));
    });
    afterAll(() => fly.remove());

    test('both runs succeed, each saying what it does', () => {
      expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
      expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 0, stderr: '' });
      expect(first.stdout).toContain(`==> creating app ${s.bus}\n`);
      expect(second.stdout).toContain(`==> app ${s.bus} exists\n`);
      expect(first.stdout.trim().split('\n').at(-1)).toBe('==> deployed');
    });

    test('the first run creates every app once, in the org, the bus first', () => {
      const created = appsOf(calls, 'apps create');
      expect(created[0]).toBe(s.bus);
      expect([...created].sort()).toEqual([s.bus, ...services].sort());
      expect(of(calls, 'apps create').every((c) => flag(c, '--org') === 'shop')).toBe(true);
      expect(fly.apps()).toEqual([s.bus, ...services].sort());
    });

    test('the bus gets its one volume, in the region, of the size the file gives', () => {
      expect(of(calls, 'volumes create').map((c) => c.argv.join(' '))).toEqual([`volumes create nats_data --app ${s.bus} --region ams --size 10 --yes`]);
      expect(fly.entries(s.bus, 'volumes')).toEqual(['nats_data 10 ams']);
    });

    test('internal apps get one private address each; public apps and the bus (reached on .internal) none', () => {
      expect([...appsOf(calls, 'ips allocate-v6')].sort()).toEqual(internal);
      for (const app of internal) expect(fly.entries(app, 'ips').filter((e) => e.startsWith('private_v6 '))).toHaveLength(1);
      expect(internal).not.toContain('shop-platform-web-bff');
    });

    test('apps with a database are attached to the cluster; the cache URL and external secrets come from the environment', () => {
      const withDatabase = s.plans.filter((p) => p.secrets.some((x) => x.source.kind === 'postgres')).map((p) => p.app);
      expect(withDatabase.length).toBeGreaterThan(0);
      expect([...appsOf(calls, 'mpg attach')].sort()).toEqual([...withDatabase].sort());
      expect(of(calls, 'mpg attach').every((c) => c.argv[2] === CLUSTER)).toBe(true);
      expect(fly.secrets('shop-platform-payment-gateway').get('STRIPE_API_KEY')).toBe(env.PAYMENT_GATEWAY__STRIPE_API_KEY);
      expect(fly.secrets('shop-platform-user-service').get('STRIPE_API_KEY')).toBe(env.USER_SERVICE__STRIPE_API_KEY);
      expect(fly.secrets('shop-platform-product-cache').get('CACHE_URL')).toBe(env.PRODUCT_CACHE__CACHE_URL);
    });

    test('every user of the bus has a password, the same on the bus (NATS_PASSWORD_<SERVICE>) and on its app (NATS_PASSWORD)', () => {
      const users = busUsers(s.plans);
      expect(users.length).toBeGreaterThan(1);
      const passwords = users.map((u) => fly.secrets(u.app).get('NATS_PASSWORD'));
      for (const [i, u] of users.entries()) {
        expect(passwords[i]).toMatch(/^p[0-9a-f]{64}$/);
        expect(fly.secrets(s.bus).get(natsPasswordVariable(u.service))).toBe(passwords[i]);
      }
      expect(new Set(passwords).size).toBe(users.length);
      // and the operators' user, _admin, whose password is generated once too (every variable nats.conf names is set)
      expect([...fly.secrets(s.bus).keys()].sort()).toEqual(['NATS_ADMIN_PASSWORD', ...users.map((u) => natsPasswordVariable(u.service))].sort());
    });

    test('one Ed25519 key pair per caller and callee: SIGNING_KEY_<CALLEE> on the caller, CALLER_KEY_<CALLER> on the callee', () => {
      const all = edges(s.plans);
      expect(all.map((e) => `${e.caller.service}:${e.signing}`)).toEqual([
        'order-service:SIGNING_KEY_INVENTORY_SERVICE',
        'order-service:SIGNING_KEY_PAYMENT_GATEWAY',
        'web-bff:SIGNING_KEY_CATALOG_SERVICE',
        'web-bff:SIGNING_KEY_ORDER_SERVICE',
        'web-bff:SIGNING_KEY_USER_SERVICE',
      ]);
      const privates = all.map((e) => fly.secrets(e.caller.app).get(e.signing)!);
      for (const [i, e] of all.entries()) expect(fly.secrets(e.callee).get(e.callerKey)).toBe(publicHalf(privates[i]!));
      expect(new Set(privates).size).toBe(all.length);
      // each half staged once, by name
      const staged = calls.flatMap((c) => setNames(c).map((n) => `${flag(c, '--app')!}:${n}`));
      for (const e of all) {
        expect(staged.filter((x) => x === `${e.caller.app}:${e.signing}`)).toHaveLength(1);
        expect(staged.filter((x) => x === `${e.callee}:${e.callerKey}`)).toHaveLength(1);
      }
    });

    test('every app holds all the secrets it reads before it is deployed', () => {
      const set = new Map<string, Set<string>>();
      const wanted = new Map<string, string[]>([[s.bus, busUsers(s.plans).map((u) => natsPasswordVariable(u.service))], ...s.plans.map((p): [string, string[]] => [p.app, p.secrets.map((x) => x.name)])]);
      for (const c of calls) {
        const app = flag(c, '--app')!;
        for (const n of setNames(c)) set.set(app, new Set([...(set.get(app) ?? []), n]));
        if (subcommand(c) === 'deploy') expect({ app, missing: wanted.get(app)!.filter((n) => !set.get(app)?.has(n)) }).toEqual({ app, missing: [] });
      }
    });

    test('deploys: the bus first, each service after the services it calls, --no-public-ips exactly on the internal apps and the bus', () => {
      const order = appsOf(calls, 'deploy');
      expect(order[0]).toBe(s.bus);
      expect([...order].sort()).toEqual([s.bus, ...services].sort());
      for (const p of s.plans) for (const callee of p.after) expect({ [p.service]: order.indexOf(appOf(s.plans, callee)) < order.indexOf(p.app) }).toEqual({ [p.service]: true });
      expect(of(calls, 'deploy').filter((c) => c.argv.includes('--no-public-ips')).map((c) => flag(c, '--app')!).sort()).toEqual([s.bus, ...internal].sort());
      // the web-bff is deployed after all it aggregates
      expect(order.indexOf('shop-platform-web-bff')).toBeGreaterThan(Math.max(...['catalog-service', 'order-service', 'user-service'].map((x) => order.indexOf(appOf(s.plans, x)))));
    });

    test('each app is scaled right after its deploy, as its plan says (the bus to one Machine)', () => {
      const deploysAndScales = calls.filter((c) => ['deploy', 'scale count'].includes(subcommand(c)));
      for (let i = 0; i < deploysAndScales.length; i += 2) {
        expect(subcommand(deploysAndScales[i]!)).toBe('deploy');
        expect(subcommand(deploysAndScales[i + 1]!)).toBe('scale count');
        expect(flag(deploysAndScales[i + 1]!, '--app')).toBe(flag(deploysAndScales[i]!, '--app'));
      }
      expect(fly.machines(s.bus)).toBe('1');
      for (const p of s.plans) expect({ [p.app]: fly.machines(p.app) }).toEqual({ [p.app]: Object.entries(p.machines).map(([g, n]) => `${g}=${n}`).join(' ') });
    });

    test('the second run creates nothing, sets no secret, keeps every value, and deploys the same apps in the same order', () => {
      expect(changes(again).filter((c) => !['deploy', 'scale count'].includes(subcommand(c)))).toEqual([]);
      expect(of(again, 'deploy')).toEqual(of(calls, 'deploy'));
      expect(of(again, 'scale count')).toEqual(of(calls, 'scale count'));
      expect(heldAfter).toEqual(held);
    });

    test('no secret value is ever on a command line (of flyctl or of openssl), nor in what deploy.sh prints', () => {
      const values = [...held.values()].flatMap((m) => [...m.values()]);
      const fromEnv = Object.entries(env).filter(([k]) => k !== MPG_CLUSTER_VARIABLE).map(([, v]) => v);
      for (const v of fromEnv) expect(values).toContain(v);
      expect(values.every((v) => v.length >= 32)).toBe(true);
      const argv = [...calls, ...again].flatMap((c) => [...c.argv, ...(c.stdinNames ?? [])]).concat(openssl.flat());
      expect(openssl.length).toBeGreaterThan(0);
      const printed = [first.stdout, first.stderr, second.stdout, second.stderr].join('\n');
      expect(values.filter((v) => argv.some((a) => a.includes(v)) || printed.includes(v))).toEqual([]);
    });
  });
});

describe('deploy.sh is valid bash', () => {
  const cases: [string, string][] = [['reference', FLY_REFERENCE], ...flyFixtureFiles().map((f): [string, string] => [f.replace(/\.yaml$/, ''), join(FLY_FIXTURES, f)])];

  test('with a service that has storage: bash -n accepts it', () => {
    const r = spawnSync('bash', ['-n'], { input: synthesized(join(FLY_FIXTURES, 'file-shop.yaml'), STORE).text, encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test.each(cases)('%s: bash -n accepts it', (_name, file) => {
    const r = spawnSync('bash', ['-n'], { input: synthesized(file).text, encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test.each(cases)('%s: it neither declares nor expands an array (bash 3.2, macOS\'s, errs on an empty one under set -u)', (_name, file) => {
    const text = synthesized(file).text;
    expect(text.match(/=\(|\[[@*]\]/g)).toBeNull();
  });

  describeWithReferee('shellcheck', 'ShellCheck', () => {
    test.each(cases)('%s: shellcheck finds nothing', (_name, file) => {
      const r = spawnSync('shellcheck', ['--norc', '--shell=bash', '--severity=style', '-'], { input: synthesized(file).text, encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: '' });
    });

    test('with a service that has storage: shellcheck finds nothing', () => {
      const r = spawnSync('shellcheck', ['--norc', '--shell=bash', '--severity=style', '-'], { input: synthesized(join(FLY_FIXTURES, 'file-shop.yaml'), STORE).text, encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: '' });
    });

    test('the flyctl stand-in passes ShellCheck too', () => {
      const r = spawnSync('shellcheck', ['--norc', '--severity=style', join(__dirname, 'flyctl-standin.sh')], { encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: '' });
    });
  });
});
