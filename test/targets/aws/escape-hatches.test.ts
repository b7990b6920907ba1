/**
 * Escape hatches: `overrides.aws` in the file (JSON Patch style on synthesized resources, errors located in the
 * file) and the programmatic hook for CDK users; and `allframe cdk-app`, the app command of cdk.json.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
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
  test('with bundled code and no generated workspace: a clear error, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-cdkapp-'));
    writeFileSync(join(dir, 'architecture.yaml'), FILE);
    const run = await cli(['cdk-app'], dir, { env: { CDK_OUTDIR: join(dir, 'cdk.out') } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no generated code for user-service: run "allframe synth" there first');
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
