/** A cdktf stack with the Google provider for construct tests, and its synthesized JSON. */
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { TerraformStack, Testing } from 'cdktf';

export function gcpStack(project = 'p', id = 'test'): TerraformStack {
  const s = new TerraformStack(Testing.app(), id);
  new GoogleProvider(s, 'google', { project, region: 'europe-west1' });
  return s;
}

/** The stack's Terraform JSON, parsed. */
export function synthJson<T>(s: TerraformStack): T {
  return JSON.parse(Testing.synth(s)) as T;
}
