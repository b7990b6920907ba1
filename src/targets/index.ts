/**
 * The targets: one synthesizer per target id. The table is a `Record<TargetId, TargetSynthesizer>`, so a target id
 * without a synthesizer fails the type-check. Each target's module loads on first use: a GCP synth never loads
 * aws-cdk-lib, an AWS synth never loads cdktf.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- synchronous loading on first use is the point here */
import type { TargetId } from '../model/constants';
import type { DiagnosticInit } from '../model/diagnostics';
import type { EventJsonSchemas } from '../model/event-schemas';
import type { OutputFile } from '../model/output-file';
import type { ResolvedArchitecture } from '../resolve/index';
import type { ServiceHook } from './aws/app';
import type { GcpSynthOptions } from './gcp/synth';

export interface TargetSynthOptions {
  /** The architecture file relative to the output root (the AWS target's cdk.json names it). @default 'architecture.yaml' */
  readonly sourceFile?: string;
  /** aws-cdk-lib's built-in CloudFormation validation of the AWS templates (about 3 s). @default true */
  readonly validation?: boolean;
  /** Escape hatches of the AWS target (see docs/aws.md). */
  readonly aws?: { readonly onService?: ServiceHook };
  /**
   * The JSON Schema of each event as the workspace committed it (packages/events/schemas/<Event>.json, written by the
   * events package's test from the zod schemas): the schema registry registers these.
   * @default - none: the registry holds the open envelope schema
   */
  readonly eventSchemas?: EventJsonSchemas;
  /** Escape hatches of the GCP target (see docs/gcp.md). */
  readonly gcp?: GcpSynthOptions;
}

/** One unit of infrastructure a target wrote: a CloudFormation stack, a Terraform stack. */
export interface SynthesizedStack {
  readonly name: string;
  /** The file it is written to, relative to the output root. */
  readonly path: string;
  /** Resources by type (CloudFormation or Terraform resource type). */
  readonly resourceTypes: Readonly<Record<string, number>>;
}

export interface TargetSynthResult {
  /** The infrastructure files; none when there are problems. */
  readonly files: readonly OutputFile[];
  /** What the target found wrong, to locate in the file (AF5004, AF5005, AF51xx). */
  readonly problems: readonly DiagnosticInit[];
  readonly stacks: readonly SynthesizedStack[];
  /** What the synth made, for people: one line per target, then one per stack where there are several. */
  readonly report: readonly string[];
}

export interface TargetSynthesizer {
  /** Whether the target can be synthesized yet (the same as its capabilities' `available`). */
  readonly available: boolean;
  /** Said while the target synthesizes, for a terminal. */
  readonly progress: string;
  synthesize(model: ResolvedArchitecture, options: TargetSynthOptions): TargetSynthResult;
  /** Load the target's modules now rather than at its first synth (the benches time loading apart). */
  load(): void;
}

const count = (stack: SynthesizedStack) => Object.values(stack.resourceTypes).reduce((n, c) => n + c, 0);

const aws: TargetSynthesizer = {
  available: true,
  progress: 'synthesizing the AWS stacks...',
  load: () => void require('./aws/synth'),
  synthesize(model, options) {
    const { synthAws } = require('./aws/synth') as typeof import('./aws/synth');
    const r = synthAws(model, {
      validation: options.validation ?? true,
      ...(options.sourceFile !== undefined ? { sourceFile: options.sourceFile } : {}),
      ...(options.aws?.onService ? { onService: options.aws.onService } : {}),
      ...(options.eventSchemas !== undefined ? { eventSchemas: options.eventSchemas } : {}),
    });
    const stacks = r.stacks.map((s) => ({ name: s.stackName, path: s.path, resourceTypes: s.resourceTypes }));
    const total = stacks.reduce((n, s) => n + count(s), 0);
    return { files: r.files, problems: r.problems, stacks, report: r.problems.length > 0 ? [] : [`aws: ${stacks.length} stacks, ${total} resources`, ...stacks.map((s) => `  ${s.name}: ${count(s)} resources`)] };
  },
};

/**
 * The GCP target's module. Its libraries (cdktf, @cdktf/provider-google) are optional peers of the package: the CLI
 * bundle holds them, and the library API finds them only where the project installed them itself.
 */
function gcpTarget(): typeof import('./gcp/synth') {
  try {
    return require('./gcp/synth') as typeof import('./gcp/synth');
  } catch (err) {
    const missing = /Cannot find module '((?:@cdktf\/[^/']+|cdktf))/.exec((err as Error).message);
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND' || missing === null) throw err;
    throw new Error(`the GCP target of allframe's library needs ${missing[1]!}, an optional peer of allframe: npm install --save-dev cdktf@0.21.0 @cdktf/provider-google@16.12.1 (the allframe CLI needs neither: it carries them)`);
  }
}

const gcp: TargetSynthesizer = {
  available: true,
  progress: 'synthesizing the GCP Terraform stack...',
  load: () => void gcpTarget(),
  synthesize(model, options) {
    const { synthGcpTarget, environmentName } = gcpTarget();
    const r = synthGcpTarget(model, options.gcp ?? {});
    const stacks = r.files.map((f) => ({ name: environmentName(model), path: f.path, resourceTypes: r.resources }));
    return { files: r.files, problems: r.problems, stacks, report: stacks.map((s) => `gcp: ${s.path}, ${count(s)} resources (policy checks passed)`) };
  },
};

const fly: TargetSynthesizer = {
  available: true,
  progress: 'writing the Fly.io apps...',
  load: () => void require('./fly/synth'),
  synthesize(model) {
    const { synthFly } = require('./fly/synth') as typeof import('./fly/synth');
    const r = synthFly(model);
    const stacks = r.files.filter((f) => f.path.endsWith('/fly.toml')).map((f) => ({ name: f.path.split('/').slice(-2, -1)[0]!, path: f.path, resourceTypes: { 'fly:app': 1 } }));
    return { files: r.files, problems: r.problems, stacks, report: r.problems.length > 0 ? [] : [`fly: ${stacks.length} apps in ${r.dir}`] };
  },
};

export const TARGET_SYNTHESIZERS: Record<TargetId, TargetSynthesizer> = {
  aws,
  gcp,
  fly,
};

