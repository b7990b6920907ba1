/**
 * The GCP target: one Terraform stack per environment through cdktf, with a gcs backend from
 * cloud.gcp.state_bucket and the provider pinned by @cdktf/provider-google, checked by allframe's own policy
 * (policy.ts) before anything is written. Provider resources are imported by path, never from the package root.
 */
import type { DiagnosticInit, DocPath } from '../../model/diagnostics';
import type { OutputFile } from '../../model/output-file';
import type { ResolvedArchitecture } from '../../resolve/index';
import { secretNamesOf } from '../../resolve/model';
import { buildGcp } from './app';
import { runServiceName } from './naming';
import { checkGcpPolicy, type PolicyProblem } from './policy';
import { GcpApp, GcpStack, terraformFile } from './stack';

export { environmentName, GcpStack, synthGcp } from './stack';

export interface GcpSynthOptions {
  /** Builds the stack's resources. @default buildGcp (the whole architecture) */
  readonly build?: (stack: GcpStack) => void;
  /** Runs after the architecture is built: the escape hatch for anything the file cannot say. */
  readonly onStack?: (stack: GcpStack) => void;
}

export interface GcpSynthResult {
  readonly files: readonly OutputFile[];
  /** Resources in the stack, by Terraform type. */
  readonly resources: Readonly<Record<string, number>>;
  /** Policy failures (AF5101-AF5105), located at the service they concern; nothing is to be written when any. */
  readonly problems: readonly DiagnosticInit[];
}

/**
 * Terraform JSON of the architecture as `infrastructure/gcp/<env>/cdk.tf.json`, the marker in its "//" key,
 * after allframe's policy checks pass on it.
 */
export function synthGcpTarget(model: ResolvedArchitecture, options: GcpSynthOptions = {}): GcpSynthResult {
  // Built here, not through a callback: each frame between `synthesize` and the constructs is in every token's stack trace (GcpApp).
  const app = new GcpApp(model);
  let out: { path: string; tf: Record<string, unknown> };
  try {
    (options.build ?? buildGcp)(app.stack);
    options.onStack?.(app.stack);
    out = app.synth();
  } finally {
    app.dispose();
  }
  const { path, tf } = out;
  const byType = (tf.resource ?? {}) as Record<string, Record<string, unknown>>;
  const resources = Object.fromEntries(Object.entries(byType).map(([type, rs]) => [type, Object.keys(rs).length]));
  const publicServices = new Set(model.services.filter((s) => s.spec.public === true).map((s) => runServiceName(model, s)));
  const secretNames = new Set(model.services.flatMap((s) => secretNamesOf(s)));
  const problems = checkGcpPolicy(tf, { publicServices, secretNames }).map((p) => locate(model, p));
  return problems.length > 0 ? { files: [], resources, problems } : { files: [terraformFile(path, tf)], resources, problems: [] };
}

/** A policy problem as a diagnostic at the service its resource belongs to (construct ids start with it). */
function locate(model: ResolvedArchitecture, p: PolicyProblem): DiagnosticInit {
  const id = p.address.slice(p.address.indexOf('.') + 1);
  const byLength = [...model.services].sort((a, b) => b.name.length - a.name.length);
  const service = byLength.find((s) => id.includes(`to-${s.name}_`)) ?? byLength.find((s) => id.startsWith(`${s.name}_`) || id.startsWith(`${s.name}-`));
  const path: DocPath = service !== undefined ? ['services', service.index] : [];
  return { code: p.code, message: `${p.message} (${p.address})`, path, hint: 'the generated Terraform breaks a GCP policy: check the hooks and overrides applied to this service' };
}

