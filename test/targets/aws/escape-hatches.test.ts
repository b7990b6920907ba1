/**
 * Escape hatches: `overrides.aws` in the file (JSON Patch style on synthesized resources, errors located in the
 * file) and the programmatic hook for CDK users; and `allframe cdk-app`, the app command of cdk.json.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { synthAws } from '../../../src/targets/aws/synth';
import { check, cli, pos } from '../../helpers';

const FILE = `architecture: { name: hatch }
cloud: { primary: aws, aws: { region: eu-west-1 } }
services:
  - name: user-service
    type: stateless
    domain: { entities: [User] }
    overrides:
      aws:
        - { resource: Api/Function, path: /Properties/ReservedConcurrentExecutions, value: 7 }
        - { resource: Api/Function, op: remove, path: /Properties/Description }
`;

function template(text: string, service = 'user-service') {
  const model = check(text).model!;
  const result = synthAws(model, { validation: false });
  const file = result.files.find((f) => f.path === `infrastructure/aws/hatch-${service}.template.json`);
  return { result, json: file ? (JSON.parse(file.content) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }) : undefined };
}

describe('overrides.aws', () => {
  test('patches the named resource: add sets a property, remove deletes one', () => {
    const { json } = template(FILE);
    const fn = Object.values(json!.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!;
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(7);
    expect(fn.Properties.Description).toBeUndefined();
  });

  test('a patch naming no resource is AF5004 at its `resource`, with suggestions; exit 2 and nothing written', async () => {
    const text = FILE.replace('resource: Api/Function, path: /Properties/Reserved', 'resource: Api/Functoin, path: /Properties/Reserved');
    const dir = mkdtempSync(join(tmpdir(), 'allframe-hatch-'));
    writeFileSync(join(dir, 'architecture.yaml'), text);
    const run = await cli(['synth', '--no-validation'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`architecture.yaml:${pos(text, 'Api/Functoin')}`);
    expect(run.stderr).toContain('AF5004');
    const problems = synthAws(check(text).model!, { validation: false }).problems;
    expect(problems.map((p) => [p.code, p.path, p.suggestions])).toEqual([['AF5004', ['services', 0, 'overrides', 'aws', 0, 'resource'], ['Api/Function']]]);
    expect(existsSync(join(dir, '.allframe'))).toBe(false);
    expect(existsSync(join(dir, 'infrastructure'))).toBe(false);
  }, 60_000);
});

describe('the programmatic hook', () => {
  test('onService runs on every service stack before the overrides, with the whole CDK API at hand', () => {
    const seen: string[] = [];
    const model = check(FILE).model!;
    const result = synthAws(model, {
      validation: false,
      onService: (stack) => {
        seen.push(stack.service.name);
        stack.functions[0]!.addEnvironment('FEATURE_X', 'on');
      },
    });
    expect(seen).toEqual(['user-service']);
    const json = JSON.parse(result.files.find((f) => f.path.endsWith('hatch-user-service.template.json'))!.content) as object;
    expect(JSON.stringify(json)).toContain('"FEATURE_X":"on"');
    void Template;
  });
});

describe('allframe cdk-app', () => {
  test('with bundled code and no generated workspace: AF7001 at the service, exit 2, no assembly', async () => {
    // GIVEN a file and no generated workspace
    const dir = mkdtempSync(join(tmpdir(), 'allframe-cdkapp-'));
    writeFileSync(join(dir, 'architecture.yaml'), FILE);
    // WHEN the CDK CLI runs the app
    process.env.CDK_OUTDIR = join(dir, 'cdk.out');
    const run = await cli(['cdk-app'], dir).finally(() => delete process.env.CDK_OUTDIR);
    // THEN a diagnostic like every other, located at the service's name, and no exception
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`architecture.yaml:${pos(FILE, 'user-service')}: error AF7001: ${dir} has no generated code for user-service: run "allframe synth" there first (or pass --workspace)`);
    expect(run.stderr).toContain('hint: cdk-app bundles the code of the generated workspace; --code review synthesizes with placeholders instead');
    expect(run.stderr).toContain('1 error');
    expect(run.stderr).not.toContain('    at ');
    expect(existsSync(join(dir, 'cdk.out'))).toBe(false);
  }, 60_000);

  test('with bundled code and a workspace not installed: AF7002, exit 2', async () => {
    // GIVEN the generated code's entry folder, and no node_modules
    const dir = mkdtempSync(join(tmpdir(), 'allframe-cdkapp-'));
    writeFileSync(join(dir, 'architecture.yaml'), FILE);
    mkdirSync(join(dir, 'services', 'user-service', 'src', 'entry'), { recursive: true });
    // WHEN
    process.env.CDK_OUTDIR = join(dir, 'cdk.out');
    const run = await cli(['cdk-app'], dir).finally(() => delete process.env.CDK_OUTDIR);
    // THEN
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`architecture.yaml:1:1: error AF7002: cannot bundle the service code: ${dir} has no node_modules. Run "npm ci" there (once), then run cdk again.`);
    expect(run.stderr).toContain(`hint: run "npm ci" in ${dir}`);
    expect(existsSync(join(dir, 'cdk.out'))).toBe(false);
  }, 60_000);

  test('with review code: writes the cloud assembly where the CDK CLI says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-cdkapp-'));
    writeFileSync(join(dir, 'architecture.yaml'), FILE);
    const out = join(dir, 'cdk.out');
    // the App reads CDK_OUTDIR from the process environment, as under the CDK CLI
    process.env.CDK_OUTDIR = out;
    const run = await cli(['cdk-app', '--code', 'review'], dir).finally(() => delete process.env.CDK_OUTDIR);
    expect(run.code).toBe(0);
    expect(existsSync(join(out, 'user-service.template.json'))).toBe(true);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  }, 60_000);
});
