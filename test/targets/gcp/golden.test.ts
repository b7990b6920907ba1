/**
 * Golden Terraform JSON: every GCP archetype fixture and the GCP reference example, as `allframe synth --target
 * gcp` writes them. Refresh with UPDATE_GOLDEN=1 and review the diff like any infrastructure change.
 */
import { join } from 'node:path';
import { synthGcpTarget } from '../../../src/targets/gcp/synth';
import { GCP_FIXTURES, GCP_REFERENCE, ROOT, gcpFixtureFiles, gcpModel, golden } from './helpers';

const GOLDEN = join(ROOT, 'test', 'golden', 'gcp');
const cases: [string, string][] = [['reference', GCP_REFERENCE], ...gcpFixtureFiles().map((f): [string, string] => [f.replace(/\.yaml$/, ''), join(GCP_FIXTURES, f)])];

describe('GCP Terraform JSON', () => {
  test.each(cases)('%s: cdk.tf.json matches its golden file, byte for byte', (name, file) => {
    // GIVEN the file's GCP model / WHEN synthesized
    const result = synthGcpTarget(gcpModel(file));
    // THEN one file, policy clean, the golden bytes
    expect(result.problems).toEqual([]);
    expect(result.files.map((f) => f.path)).toEqual(['infrastructure/gcp/default/cdk.tf.json']);
    const content = result.files[0]!.content;
    expect(content).toBe(golden(join(GOLDEN, `${name}.tf.json`), content));
  });

  test('two runs give byte-identical output, with no machine detail in it', () => {
    const model = gcpModel(GCP_REFERENCE);
    const a = synthGcpTarget(model).files[0]!.content;
    const b = synthGcpTarget(gcpModel(GCP_REFERENCE)).files[0]!.content;
    expect(b).toBe(a);
    expect(a).not.toMatch(/\/tmp\/|\/work\/|\/home\/|allframe-tf-/);
  });
});
