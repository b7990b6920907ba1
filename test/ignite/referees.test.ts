/**
 * The templates' AWS infrastructure under the outside referees, as the examples are (test/targets/aws/referees.test.ts):
 * cdk-nag AwsSolutions (as test/targets/aws/nag.test.ts attaches it), aws-cdk-lib's built-in CloudFormation validation, and cfn-lint
 * (required in CI, skipped with a message elsewhere when absent). GCP's policy and the fly.toml checks run inside
 * every synth, which the golden test holds free of problems.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TEMPLATES } from '../../src/ignite/templates';
import { synthAws } from '../../src/targets/aws/synth';
import { validateSource } from '../../src/validate';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describeWithReferee } from '../referees';
import { buildApp } from '../targets/aws/helpers';

const onAws = TEMPLATES.filter((t) => t.clouds.includes('aws'));

function model(name: string) {
  const text = onAws.find((t) => t.name === name)!.render({ name: `my-${name}`, cloud: 'aws' });
  const v = validateSource('architecture.yaml', text, { env: {}, target: 'aws' });
  expect(v.diagnostics).toEqual([]);
  return v.model!;
}

describe("the templates on AWS, under cdk-nag and aws-cdk-lib's validation", () => {
  test.each(onAws.map((t) => t.name))('%s: cdk-nag AwsSolutions finds nothing unacknowledged', (name) => {
    const { app } = buildApp(model(name));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  }, 180_000);

  test.each(onAws.map((t) => t.name))("%s: synthesizes with aws-cdk-lib's built-in validation on", (name) => {
    expect(synthAws(model(name), { validation: true }).problems).toEqual([]);
  }, 180_000);
});

describeWithReferee('cfn-lint', 'cfn-lint', () => {
  test('every template of every template on AWS: 0 errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'allframe-cfnlint-templates-'));
    try {
      for (const t of onAws) {
        for (const f of synthAws(model(t.name), { validation: false }).files.filter((x) => x.path.endsWith('.template.json'))) writeFileSync(join(dir, `${t.name}--${basename(f.path)}`), f.content);
      }
      const files = readdirSync(dir).map((f) => join(dir, f));
      expect(files.length).toBeGreaterThan(5);
      const run = spawnSync('cfn-lint', ['--format', 'parseable', '--non-zero-exit-code', 'error', '--', ...files], { encoding: 'utf8' });
      expect(run.stdout.split('\n').filter((l) => /:E\d{4}:/.test(l))).toEqual([]);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
