/**
 * Outside referees on the synthesized templates: cfn-lint (on the machine image; required in CI, skipped with a
 * message elsewhere when absent), aws-cdk-lib's built-in CloudFormation validation with the default rules enforced, and the CDK CLI
 * synthesizing through the repo's cdk.json offline with no credentials.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describeWithReferee } from '../../referees';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ServiceHook } from '../../../src/targets/aws/app';
import { synthAws } from '../../../src/targets/aws/synth';
import { FIXTURES, REFERENCE, ROOT, awsModel, fixtureFiles } from './helpers';

describeWithReferee('cfn-lint', 'cfn-lint', () => {
  test('every template of the reference and the archetype fixtures: 0 errors', () => {
    // GIVEN every template written to a temp dir
    const dir = mkdtempSync(join(tmpdir(), 'allframe-cfnlint-'));
    try {
      for (const [name, file] of [['reference', REFERENCE], ...fixtureFiles().map((f) => [basename(f, '.yaml'), join(FIXTURES, f)])] as const) {
        for (const f of synthAws(awsModel(file), { validation: false }).files.filter((x) => x.path.endsWith('.template.json'))) writeFileSync(join(dir, `${name}--${basename(f.path)}`), f.content);
      }
      const templates = readdirSync(dir).map((f) => join(dir, f));
      // WHEN cfn-lint reads them (errors only: warnings and informational findings are not failures)
      const run = spawnSync('cfn-lint', ['--format', 'parseable', '--non-zero-exit-code', 'error', '--', ...templates], { encoding: 'utf8' });
      // THEN no error
      const errors = run.stdout.split('\n').filter((l) => /:E\d{4}:/.test(l));
      expect(errors).toEqual([]);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("aws-cdk-lib's built-in validation", () => {
  test('the reference synthesizes with validation on and @aws-cdk/core:validateAgainstDefaultRules', () => {
    expect(() => synthAws(awsModel(REFERENCE), { validation: true })).not.toThrow();
  }, 120_000);

  test('it runs: a deliberate error in a template (Lambda MemorySize 1) fails synthesis with the rule named, and passes with validation off', () => {
    // GIVEN a service whose function gets a MemorySize CloudFormation refuses (the minimum is 128)
    const model = awsModel(join(FIXTURES, 'producer.yaml'));
    const breakMemory: ServiceHook = (stack) => (stack.functions[0]!.node.defaultChild as lambda.CfnFunction).addPropertyOverride('MemorySize', 1);
    // CDK prints its validation report; keep it to assert on, out of the test output
    const printed: string[] = [];
    const keep = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
    const spies = [jest.spyOn(console, 'error').mockImplementation(keep), jest.spyOn(console, 'log').mockImplementation(keep), jest.spyOn(console, 'warn').mockImplementation(keep)];
    try {
      // WHEN synthesized with validation
      let failure = '';
      try {
        synthAws(model, { validation: true, onService: breakMemory });
      } catch (error) {
        failure = (error as Error).message;
      }
      // THEN it fails, on this rule and this resource (the report is in the error or printed beside it)
      expect(failure).not.toBe('');
      expect(`${failure}\n${printed.join('\n')}`).toMatch(/MemorySize: 1 is less than the minimum of 128[\s\S]*ApiFunction[\s\S]*CloudFormation-Validate::F3034/);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // and the same template passes when validation is off: the failure came from the validation
    expect(synthAws(model, { validation: false, onService: breakMemory }).files.some((f) => f.content.includes('"MemorySize": 1'))).toBe(true);
  }, 120_000);
});

describe('cdk.json', () => {
  const built = existsSync(join(ROOT, 'lib', 'src', 'cli', 'main.js'));
  if (!built) console.warn('lib/ is not built (npm run compile): the cdk.json test is skipped');
  (built ? test : test.skip)('npx cdk synth works offline with no AWS credentials', () => {
    const out = mkdtempSync(join(tmpdir(), 'allframe-cdkout-'));
    try {
      const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'allframe-none', AWS_EC2_METADATA_DISABLED: 'true' };
      execFileSync(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', out], { cwd: ROOT, env, stdio: 'pipe' });
      const templates = readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.template.json'));
      expect(templates.length).toBeGreaterThan(10);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
