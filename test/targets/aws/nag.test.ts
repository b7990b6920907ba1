/**
 * cdk-nag AwsSolutions on the reference example: zero unacknowledged errors and warnings, and every
 * acknowledgement in one file (lib-constructs/core/nag.ts) covering at most 8 rule ids.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ACKNOWLEDGED_RULES } from '../../../lib-constructs/core/nag';
import { REFERENCE, ROOT, awsModel, buildApp, fixtureFiles, FIXTURES } from './helpers';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'platform' ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('cdk-nag AwsSolutions', () => {
  test.each([['reference', REFERENCE], ...fixtureFiles().map((f) => [f, join(FIXTURES, f)])])('%s: no unacknowledged finding', (_name, file) => {
    // GIVEN the stacks with the AwsSolutions rules attached
    const { app } = buildApp(awsModel(file));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN / THEN synthesis passes (cdk-nag 3 fails it on any unacknowledged error or warning)
    expect(() => app.synth()).not.toThrow();
  });

  test('acknowledgements live in lib-constructs/core/nag.ts only, and cover at most 8 rule ids', () => {
    const callers = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'lib-constructs'))]
      .filter((f) => /\.acknowledge\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(callers).toEqual(['lib-constructs/core/nag.ts']);
    expect(ACKNOWLEDGED_RULES.length).toBeLessThanOrEqual(8);
    expect(new Set(ACKNOWLEDGED_RULES).size).toBe(ACKNOWLEDGED_RULES.length);
  });
});
