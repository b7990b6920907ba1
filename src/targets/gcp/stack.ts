/** The Terraform stack of one environment (cdktf) and its synthesis into the JSON allframe writes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, GcsBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { MARKER, OutputFile } from '../../model/output-file';
import { withTempDir } from '../../model/temp';
import type { ResolvedArchitecture } from '../../resolve/index';

/** The environment directory under infrastructure/gcp/: the selected environment, or `default`. */
export function environmentName(model: ResolvedArchitecture): string {
  return model.environment ?? 'default';
}

export class GcpStack extends TerraformStack {
  readonly model: ResolvedArchitecture;

  constructor(scope: Construct, id: string, model: ResolvedArchitecture) {
    super(scope, id);
    this.model = model;
    const gcp = model.platform.gcp;
    new GoogleProvider(this, 'google', { project: gcp.project_id, region: gcp.region });
    // An explicit backend: cdktf's default local backend writes an absolute path into the output.
    new GcsBackend(this, { bucket: gcp.state_bucket, prefix: `${model.file.architecture.name}/${environmentName(model)}` });
  }

  /**
   * Before synthesis cdktf resolves every element of every stack once more, "preparing", for one purpose only: to
   * find references from one stack to another and add the outputs and remote state they need (tfExpression.js is
   * the one reader of `preparing`). A GcpStack alone in its App has no other stack to refer to, so that pass, about
   * 40% of app.synth(), is skipped; with other stacks in the App it runs as usual.
   */
  override prepareStack(): void {
    const stacks = this.node.root.node.findAll().filter((c) => TerraformStack.isStack(c));
    if (stacks.length > 1) {
      super.prepareStack();
      return;
    }
    this.ensureBackendExists();
  }
}

/** The stack's Terraform JSON as an object (the marker first in its "//" key) and the path it is written to. */
export function synthTerraform(model: ResolvedArchitecture, ...builders: readonly ((stack: GcpStack) => unknown)[]): { path: string; tf: Record<string, unknown> } {
  return withTempDir('allframe-tf-', (outdir) => {
    const app = new App({ outdir, skipValidation: false });
    const env = environmentName(model);
    const stack = new GcpStack(app, env, model);
    for (const build of builders) build(stack);
    app.synth();
    const { '//': meta, ...rest } = JSON.parse(readFileSync(join(outdir, 'stacks', env, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    return { path: `infrastructure/gcp/${env}/cdk.tf.json`, tf: { '//': { 'allframe:generated': MARKER, ...(meta as Record<string, unknown> | undefined) }, ...rest } };
  });
}

/** The Terraform JSON file of a stack. */
export function terraformFile(path: string, tf: Record<string, unknown>): OutputFile {
  return { path, content: JSON.stringify(tf, null, 2) + '\n', kind: 'managed' };
}

/** Terraform JSON of the architecture as `infrastructure/gcp/<env>/cdk.tf.json`, the marker in its "//" key. */
export function synthGcp(model: ResolvedArchitecture, build: (stack: GcpStack) => void = () => undefined): OutputFile[] {
  const { path, tf } = synthTerraform(model, build);
  return [terraformFile(path, tf)];
}
