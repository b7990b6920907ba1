/** The Terraform stack of one environment (cdktf) and its synthesis into the JSON allframe writes. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, GcsBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { MARKER, OutputFile } from '../../model/output-file';
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
    const gcp = model.file.cloud?.gcp;
    new GoogleProvider(this, 'google', { project: gcp?.project_id ?? '', region: gcp?.region ?? 'us-central1' });
    // An explicit backend: cdktf's default local backend writes an absolute path into the output.
    new GcsBackend(this, { bucket: gcp?.state_bucket ?? '', prefix: `${model.file.architecture.name}/${environmentName(model)}` });
  }
}

/** Terraform JSON of the architecture as `infrastructure/gcp/<env>/cdk.tf.json`, the marker in its "//" key. */
export function synthGcp(model: ResolvedArchitecture, build: (stack: GcpStack) => void = () => undefined): OutputFile[] {
  const outdir = mkdtempSync(join(tmpdir(), 'allframe-tf-'));
  try {
    const app = new App({ outdir, skipValidation: false });
    const env = environmentName(model);
    build(new GcpStack(app, env, model));
    app.synth();
    const tf = JSON.parse(readFileSync(join(outdir, 'stacks', env, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    const meta = (tf['//'] ?? {}) as Record<string, unknown>;
    const { '//': _meta, ...rest } = tf;
    void _meta;
    const content = JSON.stringify({ '//': { 'allframe:generated': MARKER, ...meta }, ...rest }, null, 2) + '\n';
    return [{ path: `infrastructure/gcp/${env}/cdk.tf.json`, content, kind: 'managed' }];
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
