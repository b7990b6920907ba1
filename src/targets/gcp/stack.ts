/** The Terraform stack of one environment (cdktf) and its synthesis into the JSON allframe writes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, GcsBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { MARKER, OutputFile } from '../../model/output-file';
import { makeTempDir, removeTempDir } from '../../model/temp';
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

/**
 * One environment's App in a temporary directory of its own and its stack, to build into, then `synth` it into
 * Terraform JSON; `dispose` removes the directory (call it in a `finally`).
 *
 * Callers build into `stack` themselves rather than hand a callback over: cdktf records a full stack trace for every
 * token it makes (thousands in an architecture), so each frame between `synthesize` and the constructs is paid once
 * per token, in time and in memory.
 */
export class GcpApp {
  readonly stack: GcpStack;
  private readonly app: App;
  private readonly outdir: string;

  constructor(model: ResolvedArchitecture) {
    this.outdir = makeTempDir('allframe-tf-');
    try {
      this.app = new App({ outdir: this.outdir, skipValidation: false });
      this.stack = new GcpStack(this.app, environmentName(model), model);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** The stack's Terraform JSON as an object (the marker first in its "//" key) and the path it is written to. */
  synth(): { path: string; tf: Record<string, unknown> } {
    this.app.synth();
    const env = this.stack.node.id;
    const { '//': meta, ...rest } = JSON.parse(readFileSync(join(this.outdir, 'stacks', env, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    return { path: `infrastructure/gcp/${env}/cdk.tf.json`, tf: { '//': { 'allframe:generated': MARKER, ...(meta as Record<string, unknown> | undefined) }, ...rest } };
  }

  /** Removes the temporary directory. */
  dispose(): void {
    removeTempDir(this.outdir);
  }
}

/** The stack's Terraform JSON as an object (the marker first in its "//" key) and the path it is written to. */
export function synthTerraform(model: ResolvedArchitecture, ...builders: readonly ((stack: GcpStack) => unknown)[]): { path: string; tf: Record<string, unknown> } {
  const app = new GcpApp(model);
  try {
    for (const build of builders) build(app.stack);
    return app.synth();
  } finally {
    app.dispose();
  }
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
