/**
 * Golden templates: every archetype fixture and the reference example, synthesized as `allframe synth --target
 * aws` writes them. Refresh with UPDATE_GOLDEN=1 and review the diff like any infrastructure change.
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { synthAws } from '../../../src/targets/aws/synth';
import { FIXTURES, REFERENCE, ROOT, awsModel, fixtureFiles, golden } from './helpers';

const GOLDEN = join(ROOT, 'test', 'golden', 'aws');
const cases: [string, string][] = [['reference', REFERENCE], ...fixtureFiles().map((f): [string, string] => [basename(f, '.yaml'), join(FIXTURES, f)])];

describe('AWS templates', () => {
  test.each(cases)('%s: templates match the golden files, byte for byte', (name, file) => {
    // GIVEN the file's AWS model
    const model = awsModel(file);
    // WHEN synthesized
    const result = synthAws(model, { validation: false });
    // THEN every stack's template is the golden one, and no golden file is left over
    expect(result.problems).toEqual([]);
    const dir = join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN === '1') rmSync(dir, { recursive: true, force: true });
    for (const f of result.files) expect(f.content).toBe(golden(join(dir, basename(f.path)), f.content));
    expect(readdirSync(dir).sort()).toEqual(result.files.map((f) => basename(f.path)).sort());
  });

  test('two runs give byte-identical templates', () => {
    const model = awsModel(REFERENCE);
    const a = synthAws(model, { validation: false }).files;
    const b = synthAws(model, { validation: false }).files;
    expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
    b.forEach((f, i) => expect(f.content).toBe(a[i]!.content));
  });
});
