/** The checks of every generated fly.toml: SchemaStore's fly.json (vendored), then allframe's own rules, each with its code and place. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { FLY_CPU_KINDS, FLY_VM_PRESETS, FLY_VM_SIZES, checkFlyToml, checkFlyTomlText, flyVmFits } from '../../../src/targets/fly/checks';

const SCHEMA_DIR = join(__dirname, '..', '..', '..', 'lib-constructs', 'fly', 'schema');

/** `code pointer` of each problem of a fly.toml text. */
const found = (toml: string): string[] => checkFlyTomlText(toml, 'fly.toml').map((p) => `${p.code} ${p.pointer}`);

/** A minimal HTTP app as the Fly target writes one: build, http_service with its check on /healthz, a VM. */
const HTTP_APP = `
app = "shop-orders"
primary_region = "ams"

[build]
  dockerfile = "services/orders/Dockerfile"

[http_service]
  internal_port = 8080
  force_https = true
  auto_stop_machines = "stop"
  auto_start_machines = true
  min_machines_running = 1

  [[http_service.checks]]
    grace_period = "10s"
    interval = "15s"
    timeout = "2s"
    method = "GET"
    path = "/healthz"

[[vm]]
  cpu_kind = "shared"
  cpus = 1
  memory = "512mb"
`;

describe('the vendored fly.json schema', () => {
  const text = readFileSync(join(SCHEMA_DIR, 'fly.json'), 'utf8');
  const schema = JSON.parse(text) as { $id: string; $schema: string; properties: { vm: { items: { properties: { size: { enum: string[] }; cpus: { enum: number[] } } } } } };

  test("is SchemaStore's draft-07 fly.json, byte for byte the blob its README records", () => {
    expect(schema.$id).toBe('https://json.schemastore.org/fly.json');
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // git's blob id of the file: any edit, even of white space, changes it
    const blob = createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest('hex');
    const readme = readFileSync(join(SCHEMA_DIR, 'README.md'), 'utf8');
    expect(readme).toContain(`git blob ${blob}`);
    expect(readme).toMatch(/SchemaStore\/schemastore at commit\s+[0-9a-f]{40}/);
  });

  test('has its Apache-2.0 licence beside it', () => {
    const licence = readFileSync(join(SCHEMA_DIR, 'LICENSE'), 'utf8');
    expect(licence).toContain('Apache License');
    expect(licence).toContain('Version 2.0, January 2004');
  });

  test('is a valid draft-07 schema (the checks compile it without the meta-schema check)', () => {
    const ajv = new Ajv({ strict: true, keywords: ['x-taplo', 'x-taplo-info'] });
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  test("Fly's named sizes and CPU counts are the ones the schema allows", () => {
    const vm = schema.properties.vm.items.properties;
    expect(Object.keys(FLY_VM_PRESETS).sort()).toEqual([...vm.size.enum].sort());
    expect([...new Set(Object.values(FLY_CPU_KINDS).flatMap((k) => k.cpus))].sort((a, b) => a - b)).toEqual(vm.cpus.enum);
  });
});

describe('Fly Machine sizes', () => {
  test('shared: 1, 2, 4 or 8 CPUs, 256..2048 MB per CPU in steps of 256 MB', () => {
    expect(flyVmFits('shared', 1, 256)).toBe(true);
    expect(flyVmFits('shared', 1, 2048)).toBe(true);
    expect(flyVmFits('shared', 2, 512)).toBe(true);
    expect(flyVmFits('shared', 8, 16384)).toBe(true);
    expect(flyVmFits('shared', 1, 2304)).toBe(false); // over 2 GB per CPU
    expect(flyVmFits('shared', 2, 256)).toBe(false); // under 256 MB per CPU
    expect(flyVmFits('shared', 1, 300)).toBe(false); // not a step of 256
    expect(flyVmFits('shared', 16, 4096)).toBe(false);
    expect(flyVmFits('shared', 3, 768)).toBe(false);
  });

  test('performance: 1..16 CPUs, 2048..8192 MB per CPU in steps of 2048 MB; no other kind', () => {
    expect(flyVmFits('performance', 1, 2048)).toBe(true);
    expect(flyVmFits('performance', 16, 131072)).toBe(true);
    expect(flyVmFits('performance', 1, 1024)).toBe(false);
    expect(flyVmFits('performance', 1, 3072)).toBe(false);
    expect(flyVmFits('performance', 2, 2048)).toBe(false);
    expect(flyVmFits('gpu', 1, 2048)).toBe(false);
  });

  test('FLY_VM_SIZES lists every size that fits, and only those', () => {
    expect(FLY_VM_SIZES.every((s) => flyVmFits(s.cpuKind, s.cpus, s.memoryMb))).toBe(true);
    expect(FLY_VM_SIZES.filter((s) => s.cpuKind === 'shared' && s.cpus === 1).map((s) => s.memoryMb)).toEqual([256, 512, 768, 1024, 1280, 1536, 1792, 2048]);
    expect(FLY_VM_SIZES.filter((s) => s.cpuKind === 'performance' && s.cpus === 1).map((s) => s.memoryMb)).toEqual([2048, 4096, 6144, 8192]);
    expect(new Set(FLY_VM_SIZES.map((s) => `${s.cpuKind}/${s.cpus}/${s.memoryMb}`)).size).toBe(FLY_VM_SIZES.length);
    // each preset is the smallest size of its CPU count
    for (const p of Object.values(FLY_VM_PRESETS)) expect(FLY_VM_SIZES.find((s) => s.cpuKind === p.cpuKind && s.cpus === p.cpus)).toEqual(p);
  });
});

describe('checkFlyToml', () => {
  test('a minimal HTTP app with its check passes', () => {
    // GIVEN the app a Fly synth writes for one HTTP service
    // WHEN it is checked, as text and as parsed data
    // THEN nothing is wrong
    expect(checkFlyTomlText(HTTP_APP, 'fly.toml')).toEqual([]);
    expect(checkFlyToml({ app: 'a', http_service: { internal_port: 8080, checks: [{ path: '/healthz', interval: 15000 }] } }, 'fly.toml')).toEqual([]);
  });

  test('an app of two process groups, a NATS-like app with a volume and an app with no service pass', () => {
    const twoGroups = `
app = "shop-orders"
[processes]
  app = "node dist/entry/http.js"
  relay = "node dist/entry/relay.js"
[deploy]
  strategy = "rolling"
  max_unavailable = 0.5
[http_service]
  internal_port = 8080
  processes = ["app"]
  [[http_service.checks]]
    interval = 10000
    timeout = "1m"
    grace_period = 0
    path = "/healthz"
[[vm]]
  size = "shared-cpu-2x"
  memory = "1gb"
  processes = ["app"]
[[vm]]
  cpu_kind = "performance"
  cpus = 2
  memory_mb = 8192
  processes = ["relay"]
[checks.relay]
  type = "tcp"
  port = 9090
  interval = "1m30s"
  timeout = "5s"
  processes = ["relay"]
`;
    const nats = `
app = "shop-bus"
[deploy]
  strategy = "immediate"
[[mounts]]
  source = "jetstream"
  destination = "/data"
  initial_size = "10gb"
  snapshot_retention = 5
[[services]]
  internal_port = 4222
  protocol = "tcp"
  [[services.ports]]
    port = 4222
  [[services.tcp_checks]]
    interval = "15s"
    timeout = "2s"
`;
    expect(found(twoGroups)).toEqual([]);
    expect(found(nats)).toEqual([]);
    expect(found('app = "worker"\n[env]\n  LOG_LEVEL = "info"\n')).toEqual([]);
    // a private server no service routes to (the event bus over .internal): top-level checks are its checks
    expect(found('app = "bus"\n[checks.alive]\n  type = "http"\n  port = 8222\n  path = "/healthz"\n  interval = "15s"\n  timeout = "5s"\n')).toEqual([]);
  });

  test('text that is not TOML is refused as AF5201 for the whole file', () => {
    const [p] = checkFlyTomlText('app = \n', 'infrastructure/fly/orders/fly.toml');
    expect(p).toMatchObject({ code: 'AF5201', pointer: '', file: 'infrastructure/fly/orders/fly.toml' });
    expect(p!.message).toMatch(/^not TOML: /);
  });

  test.each<[string, string, string[]]>([
    // AF5201: the schema (message from ajv, at its instancePath)
    ['AF5201: a wrong type', 'app = 5', ['AF5201 /app']],
    ['AF5201: a value outside the enum', `${HTTP_APP}\n[deploy]\n  strategy = "blue-green"`, ['AF5201 /deploy/strategy']],
    ['AF5201: an unknown key of a closed table, at the key', `${HTTP_APP}\n[deploy]\n  strategi = "rolling"`, ['AF5201 /deploy/strategi']],
    ['AF5201: a union of none of its types, once', 'services = 5', ['AF5201 /services']],
    ['AF5201: a union whose matching form fails inside', 'app = "a"\n[[services]]\n  protocol = "sctp"\n  [[services.ports]]\n    port = 1\n  [[services.tcp_checks]]\n    interval = "5s"', ['AF5201 /services/0/protocol']],
    // AF5202: checks where they gate routing and deploys
    ['AF5202: an http_service without checks', 'app = "a"\n[http_service]\n  internal_port = 8080', ['AF5202 /http_service']],
    ['AF5202: a tcp service without checks', 'app = "a"\n[[services]]\n  internal_port = 4222\n  [[services.ports]]\n    port = 4222', ['AF5202 /services/0']],
    ['AF5202: checks only at the top level (beside a service without its own)', 'app = "a"\n[http_service]\n  internal_port = 8080\n[checks.alive]\n  type = "http"\n  port = 8080', ['AF5202 /http_service', 'AF5202 /checks']],
    // AF5203: bluegreen needs checks
    ['AF5203: bluegreen without service checks', 'app = "a"\n[deploy]\n  strategy = "bluegreen"', ['AF5203 /deploy/strategy']],
    // AF5204: max_unavailable only with rolling (or none) or canary
    ['AF5204: max_unavailable with immediate', `${HTTP_APP}\n[deploy]\n  strategy = "immediate"\n  max_unavailable = 1`, ['AF5204 /deploy/max_unavailable']],
    ['AF5204: max_unavailable with bluegreen', `${HTTP_APP}\n[deploy]\n  strategy = "bluegreen"\n  max_unavailable = 0.5`, ['AF5204 /deploy/max_unavailable']],
    // AF5205: a max_unavailable Fly cannot use
    ['AF5205: max_unavailable 0', `${HTTP_APP}\n[deploy]\n  max_unavailable = 0`, ['AF5205 /deploy/max_unavailable']],
    ['AF5205: max_unavailable 1.5', `${HTTP_APP}\n[deploy]\n  strategy = "canary"\n  max_unavailable = 1.5`, ['AF5205 /deploy/max_unavailable']],
    // AF5206: unknown process groups
    ['AF5206: a group [processes] does not define', `${HTTP_APP.replace('internal_port = 8080\n', 'internal_port = 8080\n  processes = ["app"]\n')}\n[processes]\n  app = "node a.js"\n[[restart]]\n  policy = "always"\n  processes = ["app", "worker"]`, ['AF5206 /restart/0/processes/1']],
    ['AF5206: a group other than "app" without [processes]', HTTP_APP.replace('[[vm]]\n', '[[vm]]\n  processes = ["web"]\n'), ['AF5206 /vm/0/processes/0']],
    // AF5207: services name their groups when there are several
    ['AF5207: an http_service naming no group beside [processes]', `${HTTP_APP}\n[processes]\n  app = "node a.js"\n  relay = "node r.js"`, ['AF5207 /http_service']],
    // AF5208: Machine sizes Fly offers
    ['AF5208: 2 CPUs keeping shared-cpu-1x memory', 'app = "a"\n[[vm]]\n  cpus = 2', ['AF5208 /vm/0']],
    ['AF5208: too much memory for a shared CPU', 'app = "a"\n[[vm]]\n  size = "shared-cpu-1x"\n  memory = "4gb"', ['AF5208 /vm/0']],
    ['AF5208: memory off the 256 MB steps', 'app = "a"\n[[vm]]\n  memory = 300', ['AF5208 /vm/0']],
    ['AF5208: a performance Machine under 2 GB per CPU', 'app = "a"\n[[vm]]\n  size = "performance-2x"\n  memory = "2gb"', ['AF5208 /vm/0']],
    ['AF5208: memory Fly cannot read', 'app = "a"\n[[vm]]\n  memory = "lots"', ['AF5208 /vm/0/memory']],
    ['AF5208: the release command Machine too', 'app = "a"\n[deploy]\n  release_command = "migrate"\n  [deploy.release_command_vm]\n    cpus = 4', ['AF5208 /deploy/release_command_vm']],
    // AF5209: no canary or bluegreen with volumes
    ['AF5209: canary with a volume', `${HTTP_APP}\n[deploy]\n  strategy = "canary"\n[mounts]\n  source = "data"\n  destination = "/data"`, ['AF5209 /deploy/strategy']],
    ['AF5209: bluegreen with a volume', `${HTTP_APP}\n[deploy]\n  strategy = "bluegreen"\n[[mounts]]\n  source = "data"\n  destination = "/data"`, ['AF5209 /deploy/strategy']],
    // AF5210: mounts Fly refuses
    ['AF5210: a volume on /', `${HTTP_APP}\n[mounts]\n  source = "data"\n  destination = "/"`, ['AF5210 /mounts/destination']],
    ['AF5210: a volume under 1 GB', `${HTTP_APP}\n[[mounts]]\n  source = "data"\n  destination = "/data"\n  initial_size = "500mb"`, ['AF5210 /mounts/0/initial_size']],
    ['AF5210: snapshots kept 90 days', `${HTTP_APP}\n[[mounts]]\n  source = "data"\n  destination = "/data"\n  snapshot_retention = 90`, ['AF5210 /mounts/0/snapshot_retention']],
    ['AF5210: two volumes for one group', `${HTTP_APP}\n[[mounts]]\n  source = "a"\n  destination = "/a"\n[[mounts]]\n  source = "b"\n  destination = "/b"`, ['AF5210 /mounts/1']],
    // AF5211: check settings Fly refuses or changes
    ['AF5211: a service check interval under 1 s', HTTP_APP.replace('interval = "15s"', 'interval = 500'), ['AF5211 /http_service/checks/0/interval']],
    ['AF5211: a service check timeout over 1 min', HTTP_APP.replace('timeout = "2s"', 'timeout = "2m"'), ['AF5211 /http_service/checks/0/timeout']],
    ['AF5211: a duration Fly cannot read', HTTP_APP.replace('grace_period = "10s"', 'grace_period = "10 seconds"'), ['AF5211 /http_service/checks/0/grace_period']],
    ['AF5211: a top-level check without type or port, every second', `${HTTP_APP}\n[checks.deep]\n  interval = "1s"\n  timeout = "90s"`, ['AF5211 /checks/deep/type', 'AF5211 /checks/deep/port', 'AF5211 /checks/deep/interval', 'AF5211 /checks/deep/timeout']],
    // AF5212: env Fly sets itself
    ['AF5212: a FLY_ name', `${HTTP_APP}\n[env]\n  FLY_REGION = "ams"`, ['AF5212 /env/FLY_REGION']],
    ['AF5212: PRIMARY_REGION other than primary_region', `${HTTP_APP}\n[env]\n  PRIMARY_REGION = "fra"`, ['AF5212 /env/PRIMARY_REGION']],
    // AF5213: services accept connections on ports
    ['AF5213: a service without ports', 'app = "a"\n[[services]]\n  internal_port = 4222\n  [[services.tcp_checks]]\n    interval = "15s"', ['AF5213 /services/0']],
  ])('%s', (_name, toml, expected) => {
    // GIVEN a fly.toml breaking one rule; WHEN it is checked; THEN that rule's code, at the offending key
    expect(found(toml)).toEqual(expected);
  });

  test('messages name the key and what Fly offers; problems name their file', () => {
    const [vm] = checkFlyTomlText('app = "a"\n[[vm]]\n  cpus = 2', 'infrastructure/fly/orders/fly.toml');
    expect(vm).toEqual({
      code: 'AF5208',
      pointer: '/vm/0',
      file: 'infrastructure/fly/orders/fly.toml',
      message: 'vm[0] asks for 2 shared CPUs with 256 MB (the memory of shared-cpu-1x), which Fly does not offer: 2 shared CPUs take 512..4096 MB in steps of 256 MB',
    });
    const [strategy] = checkFlyTomlText(`${HTTP_APP}\n[deploy]\n  strategy = "blue-green"`, 'fly.toml');
    expect(strategy!.message).toBe('deploy.strategy must be one of "canary", "rolling", "bluegreen", "immediate" (fly.json schema)');
  });

  test('what is allowed stays allowed: max_unavailable without a strategy (rolling), a check grace period of 0, PRIMARY_REGION equal to primary_region, udp services without checks', () => {
    expect(found(`${HTTP_APP}\n[deploy]\n  max_unavailable = 1`)).toEqual([]);
    expect(found(HTTP_APP.replace('grace_period = "10s"', 'grace_period = "0"'))).toEqual([]);
    expect(found(`${HTTP_APP}\n[env]\n  PRIMARY_REGION = "ams"`)).toEqual([]);
    expect(found(`${HTTP_APP}\n[[services]]\n  protocol = "udp"\n  internal_port = 5353\n  [[services.ports]]\n    port = 5353`)).toEqual([]);
  });

  test('a value of the wrong type is reported once, by the schema', () => {
    expect(found(`${HTTP_APP.replace('memory = "512mb"', 'memory = true').replace('timeout = "2s"', 'timeout = false')}`)).toEqual(['AF5201 /http_service/checks/0/timeout', 'AF5201 /vm/0/memory']);
  });
});
