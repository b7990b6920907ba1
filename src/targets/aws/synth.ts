/**
 * `allframe synth --target aws`: the templates of every stack, written into the repo under infrastructure/aws/
 * for review and `synth --check`. Code assets are named by identity (see code.ts), bundling is skipped, and
 * nothing depends on the machine: no absolute paths, no timestamps, no CDK version metadata.
 */
import { App } from 'aws-cdk-lib';
import type { DiagnosticInit } from '../../model/diagnostics';
import { OutputFile, managedJson, managedTemplate } from '../../model/output-file';
import { makeTempDir, removeTempDir } from '../../model/temp';
import type { EventJsonSchemas } from '../../model/event-schemas';
import type { ResolvedArchitecture } from '../../resolve/index';
import { appContext, buildArchitecture, ServiceHook } from './app';
import { reviewCode } from './code';

export interface AwsSynthOptions {
  /** The architecture file relative to the output root, for the generated cdk.json. @default 'architecture.yaml' */
  readonly sourceFile?: string;
  /** aws-cdk-lib's built-in CloudFormation validation (about 3 s): on in the CLI, off in unit tests. @default true */
  readonly validation?: boolean;
  readonly onService?: ServiceHook;
  /** The committed JSON Schema of each event, for the schema registry. @default - none: the open envelope schema */
  readonly eventSchemas?: EventJsonSchemas;
}

export interface StackSummary {
  readonly stackName: string;
  readonly resources: number;
  /** Resources by CloudFormation type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
  readonly path: string;
}

export interface AwsSynthResult {
  readonly files: readonly OutputFile[];
  readonly stacks: readonly StackSummary[];
  /** Problems found while building (AF5004), to locate in the file. */
  readonly problems: readonly DiagnosticInit[];
}

/** Context that keeps review templates free of machine-specific detail and skips bundling. */
export const REVIEW_CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  'aws:cdk:enable-asset-metadata': false,
} as const;

export function synthAws(model: ResolvedArchitecture, options: AwsSynthOptions = {}): AwsSynthResult {
  const outdir = makeTempDir('allframe-cdk-');
  const code = reviewCode(model.file.architecture.name);
  try {
    const app = new App({
      outdir,
      analyticsReporting: false,
      builtinCloudFormationValidation: options.validation ?? true,
      context: appContext(),
      postCliContext: { ...REVIEW_CONTEXT },
    });
    const arch = buildArchitecture(app, model, { code, ...(options.onService ? { onService: options.onService } : {}), ...(options.eventSchemas ? { eventSchemas: options.eventSchemas } : {}) });
    const problems = [...arch.services.values()].flatMap((s) => s.problems);
    if (problems.length > 0) return { files: [], stacks: [], problems };
    const assembly = app.synth();
    const files: OutputFile[] = [];
    const stacks: StackSummary[] = [];
    for (const stack of arch.stacks) {
      const artifact = assembly.getStackByName(stack.stackName);
      const template = artifact.template as Record<string, unknown>;
      const path = `infrastructure/aws/${stack.stackName}.template.json`;
      files.push(managedTemplate(path, template));
      const resources = Object.values((template.Resources ?? {}) as Record<string, { Type: string }>);
      const resourceTypes: Record<string, number> = {};
      for (const r of resources) resourceTypes[r.Type] = (resourceTypes[r.Type] ?? 0) + 1;
      stacks.push({ stackName: stack.stackName, resources: resources.length, resourceTypes, path });
    }
    // `npx cdk synth | diff | deploy` in the user's repo run the same stacks through allframe cdk-app.
    files.push(managedJson('cdk.json', { app: `npx allframe cdk-app ${options.sourceFile ?? 'architecture.yaml'}`, output: 'cdk.out' }));
    return { files, stacks, problems: [] };
  } finally {
    code.dispose();
    removeTempDir(outdir);
  }
}
