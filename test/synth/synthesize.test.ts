/**
 * The library's synth: `synthesize(model, options)` and `synthesizeFile(file, options)` give what `allframe synth`
 * writes; targets are a Record<TargetId, TargetSynthesizer>; a target not yet built is refused, located.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize, synthesizeFile, TARGET_SYNTHESIZERS, TARGETS, TARGET_CAPABILITIES, type TargetId, type TargetSynthesizer } from '../../src/index';
import { tempDirs } from '../../src/model/temp';
import { renderRepository } from '../../src/skeletons/index';
import { synthAws } from '../../src/targets/aws/synth';
import { synthGcpTarget } from '../../src/targets/gcp/synth';
import { renderCompose } from '../../src/dev/compose';
import { validateSource } from '../../src/validate';
import { check, cli, pos } from '../helpers';

const ROOT = join(__dirname, '..', '..');
const AWS = `architecture: { name: lib }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - { name: api, type: stateless, domain: { entities: [Item] } }
`;
const GCP = `architecture: { name: lib }
cloud: { primary: gcp, gcp: { project_id: lib-dev-123, region: europe-west1, state_bucket: lib-tf } }
services:
  - { name: api, type: stateless, domain: { entities: [Item] } }
`;

describe('synthesize(model, options)', () => {
  test('aws: the workspace and the templates, in the order the CLI writes them, with a summary', () => {
    // GIVEN a validated model
    const v = check(AWS);
    // WHEN
    const r = synthesize(v.model!, { validation: false, document: v.document! });
    // THEN the same files as the renderer and the target, then the compose file written from them, nothing else
    const workspace = renderRepository(v.model!, { sourceFile: 'architecture.yaml' });
    const infrastructure = synthAws(v.model!, { validation: false }).files;
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.outputs.map((f) => f.path)).toEqual([...workspace, ...infrastructure, { path: 'compose.yaml' }].map((f) => f.path));
    expect(r.outputs.at(-1)!.content).toBe(renderCompose(v.model!, infrastructure, 'architecture.yaml')!.content);
    expect(r.outputs.find((f) => f.path === 'infrastructure/aws/lib-api.template.json')!.content).toBe(infrastructure.find((f) => f.path === 'infrastructure/aws/lib-api.template.json')!.content);
    expect(r.summary).toMatchObject({ target: 'aws', files: workspace.length + infrastructure.length + 1 });
    expect(r.summary.stacks.map((s) => s.name)).toEqual(['lib-shared', 'lib-api', 'lib-observability']);
    expect(r.summary.stacks[1]!.resourceTypes['AWS::Lambda::Function']).toBe(1);
    expect(r.summary.resources).toBe(r.summary.stacks.reduce((n, s) => n + Object.values(s.resourceTypes).reduce((a, b) => a + b, 0), 0));
    expect(r.summary.report[0]).toBe(`aws: 3 stacks, ${r.summary.resources} resources`);
    // and it leaves no temporary directory registered (the review placeholder and the CDK output are gone)
    expect(tempDirs()).toEqual([]);
  });

  test('gcp: the workspace and the Terraform JSON; skeletons: false gives the infrastructure alone (the benchmarks)', () => {
    const v = check(GCP);
    const all = synthesize(v.model!, { document: v.document! });
    const alone = synthesize(v.model!, { skeletons: false });
    const tf = synthGcpTarget(v.model!).files;
    expect(all.ok).toBe(true);
    // the Terraform, then the compose file written from it
    expect(all.outputs.at(-2)).toEqual(tf[0]);
    expect(all.outputs.at(-1)!.path).toBe('compose.yaml');
    expect(alone.outputs).toEqual(tf);
    expect(alone.summary).toMatchObject({ target: 'gcp', files: 1, stacks: [{ name: 'default', path: 'infrastructure/gcp/default/cdk.tf.json' }] });
    expect(alone.summary.report).toEqual([`gcp: infrastructure/gcp/default/cdk.tf.json, ${alone.summary.resources} resources (policy checks passed)`]);
    expect(alone.summary.stacks[0]!.resourceTypes.google_cloud_run_v2_service).toBe(1);
    expect(tempDirs()).toEqual([]);
  });

  test('problems of the target are located in the document, and nothing is to be written', () => {
    // GIVEN an override naming no resource
    const text = `${AWS.split('services:')[0]}services:
  - name: api
    type: stateless
    domain: { entities: [Item] }
    overrides:
      aws:
        - { resource: Nope, path: /Properties/Description, value: x }
`;
    const v = check(text);
    expect(v.diagnostics).toEqual([]);
    // WHEN
    const r = synthesize(v.model!, { validation: false, document: v.document! });
    // THEN
    expect(r.ok).toBe(false);
    expect(r.outputs).toEqual([]);
    expect(r.problems.map((p) => `${p.code}@${p.line}:${p.col}`)).toEqual([`AF5004@${pos(text, 'Nope')}`]);
    expect(r.summary).toMatchObject({ files: 0, stacks: [], resources: 0, report: [] });
  });

  test('the fly target writes the workspace and infrastructure/fly/<env>/, and reports its apps', () => {
    // GIVEN the Fly.io twin of the reference
    const v = validateSource('examples/shop-fly/architecture.yaml', readFileSync(join(__dirname, '..', '..', 'examples', 'shop-fly', 'architecture.yaml')), { env: {} });
    // WHEN
    const r = synthesize(v.model!, { sourceFile: 'architecture.yaml' });
    // THEN the workspace and the Fly apps, nothing refused
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    const paths = r.outputs.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['infrastructure/fly/default/deploy.sh', 'infrastructure/fly/default/nats/nats.conf', 'infrastructure/fly/default/order-service/fly.toml', 'services/order-service/src/app.ts']));
    expect(r.summary.report).toEqual(['fly: 14 apps in infrastructure/fly/default']);
  });
});

describe('the targets', () => {
  test('every target id has a synthesizer, available exactly when its capabilities say so', () => {
    expect(Object.keys(TARGET_SYNTHESIZERS).sort()).toEqual([...TARGETS].sort());
    for (const t of TARGETS) expect({ t, available: TARGET_SYNTHESIZERS[t].available }).toEqual({ t, available: TARGET_CAPABILITIES[t].available });
    expect(TARGETS.filter((t) => TARGET_SYNTHESIZERS[t].available)).toEqual(['aws', 'gcp', 'fly']);
  });

  test('a target id without a synthesizer fails the type-check (tsc -p tsconfig.dev.json checks this file)', () => {
    const some = { aws: TARGET_SYNTHESIZERS.aws, gcp: TARGET_SYNTHESIZERS.gcp };
    // @ts-expect-error fly has no synthesizer here
    const table: Record<TargetId, TargetSynthesizer> = some;
    expect(Object.keys(table)).toEqual(['aws', 'gcp']);
  });

  /** Which of aws-cdk-lib and cdktf a fresh process loads to synthesize `yaml` through the library. */
  function loads(yaml: string): { awsCdkLib: boolean; cdktf: boolean; skeletons: boolean; parser: boolean } {
    const script = `
      const { validateSource } = require('./src/validate/index.ts');
      const v = validateSource('architecture.yaml', process.argv[1], { env: {} });
      if (!v.model) throw new Error(JSON.stringify(v.diagnostics));
      const before = new Set(Object.keys(require.cache));
      const { synthesize } = require('./src/synth/index.ts');
      const r = synthesize(v.model, { skeletons: false, validation: false });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      const added = Object.keys(require.cache).filter((f) => !before.has(f));
      const any = (re) => added.some((f) => re.test(f));
      process.stdout.write(JSON.stringify({ awsCdkLib: any(/node_modules[/]aws-cdk-lib[/]/), cdktf: any(/node_modules[/](cdktf|@cdktf)[/]/), skeletons: any(/src[/]skeletons[/]/), parser: any(/node_modules[/](yaml|smol-toml)[/]/) }));
    `;
    const p = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, yaml], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });
    if (p.status !== 0) throw new Error(p.stderr);
    return JSON.parse(p.stdout) as { awsCdkLib: boolean; cdktf: boolean; skeletons: boolean; parser: boolean };
  }

  test('each loads on first use: a GCP synth loads no aws-cdk-lib, an AWS synth no cdktf, neither the renderers without skeletons', () => {
    expect(loads(GCP)).toEqual({ awsCdkLib: false, cdktf: true, skeletons: false, parser: false });
    expect(loads(AWS)).toEqual({ awsCdkLib: true, cdktf: false, skeletons: false, parser: false });
  }, 120_000);
});

describe('synthesizeFile(file, options)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allframe-synthfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('finds the file, validates it and synthesizes it; outDir decides how generated files name it', () => {
    writeFileSync(join(dir, 'architecture.yaml'), GCP);
    const r = synthesizeFile(undefined, { cwd: dir, env: {}, outDir: 'out' });
    expect(r.ok).toBe(true);
    expect(r.outDir).toBe(join(dir, 'out'));
    expect(r.validation.display).toBe('architecture.yaml');
    expect(r.outputs.length).toBe(r.summary!.files);
    // the root README names the architecture file relative to the output root
    expect(r.outputs.some((f) => f.content.includes('../architecture.yaml'))).toBe(true);
  });

  test('a missing file is AF1001, an invalid one its validation diagnostics; nothing to write', () => {
    const missing = synthesizeFile('nope.yaml', { cwd: dir, env: {} });
    expect(missing).toMatchObject({ ok: false, outputs: [] });
    expect(missing.diagnostics.map((d) => [d.code, d.file, d.message])).toEqual([['AF1001', 'nope.yaml', 'cannot read nope.yaml: no such file']]);
    writeFileSync(join(dir, 'architecture.yaml'), 'architecture: { name: x }\n');
    const invalid = synthesizeFile(undefined, { cwd: dir, env: {} });
    expect(invalid.ok).toBe(false);
    expect(invalid.diagnostics.map((d) => d.code)).toContain('AF3004');
    expect(invalid.outputs).toEqual([]);
  });
});

describe('allframe synth --target fly', () => {
  test('writes the Fly apps and the workspace, exit 0; a second run writes nothing; a size Fly does not offer is refused, located, writing nothing', async () => {
    // GIVEN a file whose primary target is fly
    const dir = mkdtempSync(join(tmpdir(), 'allframe-fly-'));
    const text = 'architecture: { name: shop }\ncloud: { primary: fly }\nservices:\n  - { name: api, type: stateless }\n';
    writeFileSync(join(dir, 'architecture.yaml'), text);
    const bad = mkdtempSync(join(tmpdir(), 'allframe-fly-'));
    const badText = 'architecture: { name: shop }\ncloud: { primary: fly }\nservices:\n  - { name: api, type: stateless, memory_mb: 300 }\n';
    writeFileSync(join(bad, 'architecture.yaml'), badText);
    try {
      // WHEN
      const synth = await cli(['synth'], dir);
      const again = await cli(['synth', '--target', 'fly'], dir);
      const refused = await cli(['synth'], bad);
      // THEN
      expect(synth.code).toBe(0);
      expect(synth.stdout + synth.stderr).toContain('fly: 1 apps in infrastructure/fly/default');
      expect(readFileSync(join(dir, 'infrastructure', 'fly', 'default', 'api', 'fly.toml'), 'utf8')).toContain('app = "shop-api"');
      expect(again.code).toBe(0);
      expect(again.stdout + again.stderr).toMatch(/0 created, 0 updated, 0 deleted/);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`architecture.yaml:${pos(badText, '300')}: error AF5002: service "api": memory_mb 300 is not a size Fly offers`);
      expect(readdirSync(bad)).toEqual(['architecture.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
